// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IReputationManager} from "./IReputationManager.sol";
import {IResultVerifier} from "./IResultVerifier.sol";

/// @title BlockEdge collaboration market
/// @notice A requester posts a task with an incentive paid in; edge nodes bid, staking a
/// deposit; the best bid wins (capability, cost and reputation, see `bidScore`); losers reclaim
/// their deposits. The winner submits its result; then detectors report in two phases: in the
/// first half of the verification window they commit (a hash only, with a bond), in the second
/// half they reveal. After the window the request is finalized: a misbehaviour the request's
/// verifier accepts as proved, or no result by the deadline, slashes the winner's deposit
/// (COMPENSATION_BPS of it to the requester, the rest shared by the detectors who revealed
/// "guilty") and returns the incentive to the requester; otherwise the winner gets its deposit
/// back and the incentive. Detectors on the losing side of the verdict, and those who never
/// revealed, forfeit their bonds to those on the winning side. Every payment is a credit that
/// its owner withdraws (pull payments only).
/// Who may do what (THREAT_MODEL.md): a requester cannot bid on or report on its own request;
/// the winner cannot report on its result; verifiers are only those the verifier admin listed
/// (their code is fixed when listed); terms are bounded (deposits at least the incentive,
/// windows of at least MIN_WINDOW_S, nothing beyond MAX_TERM_S ahead).
/// Wired to a reputation manager (one edge, one identity), only its active nodes with a score
/// of at least MIN_BID_SCORE may bid, only its active nodes may detect, and a finalized request
/// whose incentive and deposit reach MIN_SCORED_INCENTIVE and MIN_SCORED_DEPOSIT becomes one
/// outcome there about its winner, on behalf of the requester: a failure when slashed, else a
/// success measured by the result's delay after the bidding deadline against `maxDelayS`.
/// @dev Phases follow block timestamps: bidding until `biddingDeadline`; a result until
/// `biddingDeadline + maxDelayS`; commits from the result until `revealFrom`, reveals from
/// `revealFrom` until `verifyUntil`.
interface ICollaborationMarket {
    enum Phase {
        None,
        Bidding, // posted, bids until the bidding deadline
        Executing, // winner chosen, its result is awaited
        Verifying, // result submitted, detectors commit, then reveal, until the window closes
        Finalized // settled (also: closed without bids)
    }

    /// @notice What the market is deployed with (see the README's BlockEdge section).
    struct MarketParameters {
        uint16 compensationBps; // requester's share of a slashed deposit
        IReputationManager reputation; // zero for a market on its own, as in the paper
        uint16 minBidScore; // lowest reputation score that may bid (with a reputation manager)
        uint96 detectorBond; // wei each detector stakes with its commitment
        uint96 minScoredIncentive; // a request moves a score only with this incentive ...
        uint96 minScoredDeposit; // ... and this deposit at least
        uint32 minWindowS; // shortest verification window (each half must hold a block)
        uint32 maxTermS; // longest bidding time, result delay or window
        uint48 adminDelayS; // how long a handover of the admin role waits
    }

    /// @notice What `postRequest` takes besides the incentive (msg.value).
    struct RequestTerms {
        bytes32 task; // what to compute (for proof of work: the challenge)
        IResultVerifier verifier; // decides whether a result is proved wrong (a listed one)
        uint40 biddingDeadline; // last second a bid is accepted
        uint32 maxDelayS; // desired QoE: the result is due this long after the bidding deadline
        uint32 verificationWindowS; // detectors' time after the result: commits, then reveals
        uint96 minDeposit; // wei a bid must stake at least (at least the incentive)
        uint32 maxMisbehaviourPpm; // eligible bidders: n/m at most this, parts per million
    }

    /// @notice A request as `getRequest` reports it.
    struct RequestInfo {
        address requester;
        Phase phase;
        uint8 bids;
        address winner; // zero until bidding closes with a bid
        uint96 incentive;
        uint96 winnerDeposit;
        uint40 revealFrom; // end of the commit phase, start of the reveal phase; 0 before
        uint40 verifyUntil; // end of the verification window; 0 before the result
        uint16 committed; // detectors who committed (each with a bond)
        uint16 revealed; // of which revealed
        uint16 guilty; // of which said "wrong"
        bool slashed; // set by finalize
        uint96 rewardPerDetector; // of a slashed deposit, for each guilty revealer
        uint96 bondPayout; // what each detector on the verdict's side gets back: bond and share
        bytes32 result;
    }

    /// @notice A node's record in the market, the paper's two reputation ratios, counted over
    /// the requests at the scored stakes (MIN_SCORED_INCENTIVE and MIN_SCORED_DEPOSIT).
    struct NodeReputation {
        uint32 misbehaviours; // n: proved misbehaviours (slashings)
        uint32 allocated; // m: tasks won
        uint96 returned; // s: wei credited back from won tasks (incentives and refunds)
        uint96 staked; // t: wei staked on won tasks
    }

    // ---------------------------------------------------------------- events

    event RequestPosted(
        uint256 indexed requestId,
        address indexed requester,
        IResultVerifier indexed verifier,
        bytes32 task,
        uint96 incentive,
        uint96 minDeposit,
        uint40 biddingDeadline,
        uint32 maxDelayS,
        uint32 verificationWindowS,
        uint32 maxMisbehaviourPpm
    );
    event BidPlaced(
        uint256 indexed requestId,
        address indexed bidder,
        uint96 deposit,
        uint32 cost,
        uint32 capability,
        uint64 score
    );
    /// @notice Bidding closed; `winner` is zero when nobody bid (the incentive went back).
    event BiddingClosed(uint256 indexed requestId, address indexed winner, uint96 incentive);
    event DepositReclaimed(uint256 indexed requestId, address indexed bidder, uint96 deposit);
    event ResultSubmitted(uint256 indexed requestId, address indexed winner, bytes32 result);
    event ReportCommitted(uint256 indexed requestId, address indexed detector, bytes32 commitment);
    event ReportRevealed(uint256 indexed requestId, address indexed detector, bool guilty);
    /// @notice Settled: slashed (compensation and the incentive to the requester,
    /// `rewardPerDetector` to each guilty revealer) or the deposit and the incentive to the
    /// winner. `bondPayout` is what each detector on the verdict's side may claim back.
    event RequestFinalized(
        uint256 indexed requestId,
        address indexed winner,
        bool slashed,
        uint96 compensation,
        uint96 rewardPerDetector,
        uint96 bondPayout
    );
    /// @notice The verifier reverted, ran out of gas or returned nothing: nothing is proved.
    event VerifierFailed(uint256 indexed requestId, IResultVerifier indexed verifier);
    event RewardClaimed(uint256 indexed requestId, address indexed detector, uint96 reward);
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice The verifier admin listed a verifier; requests may name it from now on.
    event VerifierListed(IResultVerifier indexed verifier, bytes32 codehash);
    /// @notice The verifier admin delisted a verifier; requests posted before keep it.
    event VerifierDelisted(IResultVerifier indexed verifier);

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a term of a request, or a deploy parameter, is out of its bounds.
    error InvalidTerms(string what);
    /// @notice Thrown when a request is posted without an incentive.
    error NoIncentive();
    /// @notice Thrown when a request id was never posted.
    error UnknownRequest(uint256 requestId);
    /// @notice Thrown when the request is not in the phase the call needs.
    error WrongPhase(uint256 requestId, Phase phase);
    /// @notice Thrown when a bid arrives after the bidding deadline.
    error BiddingClosedAt(uint256 requestId, uint256 deadline);
    /// @notice Thrown when bidding is closed before its deadline passed.
    error BiddingStillOpen(uint256 requestId, uint256 deadline);
    /// @notice Thrown when a bid stakes less than the request's minimum deposit.
    error DepositTooSmall(uint256 deposit, uint256 minimum);
    /// @notice Thrown when a bid or `bidScore` names a cost of zero.
    error ZeroCost();
    /// @notice Thrown when a bidder bids twice on one request.
    error AlreadyBid(uint256 requestId, address bidder);
    /// @notice Thrown when a request already holds MAX_BIDS bids.
    error TooManyBids(uint256 requestId, uint256 limit);
    /// @notice Thrown when the bidder's n/m is above the request's bound.
    error NotEligible(address bidder, uint256 misbehaviourPpm, uint256 limit);
    /// @notice Thrown when the bidder is not an active node of the reputation manager.
    error NotReputationNode(address bidder);
    /// @notice Thrown when the bidder's score in the reputation manager is below MIN_BID_SCORE.
    error ReputationTooLow(address bidder, uint256 score, uint256 minimum);
    /// @notice Thrown when a requester bids on its own request.
    error RequesterCannotBid(uint256 requestId);
    /// @notice Thrown when the caller has no active bid on the request to reclaim.
    error NoBid(uint256 requestId, address bidder);
    /// @notice Thrown when the winner tries to reclaim its deposit (finalize settles it).
    error WinnerCannotReclaim(uint256 requestId);
    /// @notice Thrown when someone other than the winner submits a result.
    error NotWinner(uint256 requestId, address caller);
    /// @notice Thrown when the result comes after `biddingDeadline + maxDelayS`.
    error ResultTooLate(uint256 requestId, uint256 deadline);
    /// @notice Thrown when a commitment comes after the commit phase (the reveals have begun).
    error CommitPhaseOver(uint256 requestId, uint256 revealFrom);
    /// @notice Thrown when a reveal comes before the reveal phase.
    error RevealPhaseNotOpen(uint256 requestId, uint256 revealFrom);
    /// @notice Thrown when a reveal comes after the verification window closed.
    error WindowClosed(uint256 requestId, uint256 verifyUntil);
    /// @notice Thrown when finalize comes before the window (or the result deadline) passed.
    error WindowOpen(uint256 requestId, uint256 until);
    /// @notice Thrown when the winner tries to report on its own result.
    error WinnerCannotReport(uint256 requestId);
    /// @notice Thrown when the requester tries to report on its own request.
    error RequesterCannotReport(uint256 requestId);
    /// @notice Thrown when a detector is not an active node of the reputation manager.
    error NotEligibleDetector(address detector);
    /// @notice Thrown when a commitment does not come with exactly DETECTOR_BOND.
    error WrongBond(uint256 sent, uint256 bond);
    /// @notice Thrown when a detector commits twice on one request.
    error AlreadyCommitted(uint256 requestId, address detector);
    /// @notice Thrown when a detector reveals without a commitment (or reveals twice).
    error NoCommitment(uint256 requestId, address detector);
    /// @notice Thrown when a reveal does not match the detector's commitment.
    error RevealMismatch(uint256 requestId, address detector);
    /// @notice Thrown when the caller has nothing to claim on the request.
    error NoReward(uint256 requestId, address detector);
    /// @notice Thrown when the caller has no credit to withdraw.
    error NothingToWithdraw(address account);
    /// @notice Thrown when sending a withdrawal fails.
    error TransferFailed(address account, uint256 amount);
    /// @notice Thrown when a request names a verifier the verifier admin has not listed, or
    /// one whose code changed since.
    error VerifierNotListed(IResultVerifier verifier);
    /// @notice Thrown when the verifier admin lists an address without code.
    error VerifierNotContract(address verifier);

    // ---------------------------------------------------------------- functions

    /// @notice The reputation manager bids are checked against and outcomes go to; zero when
    /// the market stands alone, as in the BlockEdge paper.
    function REPUTATION() external view returns (IReputationManager);

    /// @notice Lowest reputation score that may bid (with a reputation manager).
    function MIN_BID_SCORE() external view returns (uint16);

    /// @notice Wei each detector stakes with its commitment.
    function DETECTOR_BOND() external view returns (uint96);

    /// @notice Post a task; msg.value is the incentive. Returns the request id (from 1).
    function postRequest(RequestTerms calldata terms) external payable returns (uint256 requestId);

    /// @notice Bid on a request, staking msg.value as deposit.
    /// @param cost What the bidder asks, in the requester's units (lower is better).
    /// @param capability What the bidder offers, e.g. hash rate (higher is better).
    function placeBid(uint256 requestId, uint32 cost, uint32 capability) external payable;

    /// @notice After the bidding deadline (anyone): the best bid wins; with no bid the
    /// incentive is credited back to the requester. The incentive waits for finalize.
    function closeBidding(uint256 requestId) external;

    /// @notice A losing bidder's deposit back to its credit, after bidding closed.
    function reclaimDeposit(uint256 requestId) external;

    /// @notice The winner's result, by the result deadline; opens the commit phase.
    function submitResult(uint256 requestId, bytes32 result) external;

    /// @notice Phase one, with DETECTOR_BOND as msg.value: `commitment` =
    /// keccak256(abi.encode(requestId, detector, guilty, salt)).
    function commitReport(uint256 requestId, bytes32 commitment) external payable;

    /// @notice Phase two, from `revealFrom` to `verifyUntil` (so in a later block than any
    /// commitment).
    function revealReport(uint256 requestId, bool guilty, bytes32 salt) external;

    /// @notice After the window (or after the result deadline without a result): slash or
    /// refund, settle the incentive and the bonds, and count the winner's outcome in the
    /// reputation manager. Neither the verifier nor the reputation manager can stop it.
    function finalize(uint256 requestId) external;

    /// @notice A detector on the verdict's side: its bond and share of forfeited bonds, plus,
    /// if it revealed "guilty" and the winner was slashed, its share of the deposit.
    function claimReward(uint256 requestId) external;

    /// @notice Send the caller everything credited to it.
    function withdraw() external;

    /// @notice Let requests name `verifier` (verifier admin). Its code hash is recorded: a
    /// verifier whose code changes is no longer listed.
    function listVerifier(IResultVerifier verifier) external;

    /// @notice Stop new requests from naming `verifier` (verifier admin).
    function delistVerifier(IResultVerifier verifier) external;

    /// @notice Whether requests may name `verifier` now.
    function isListedVerifier(IResultVerifier verifier) external view returns (bool);

    /// @notice Stop new requests and bids (pauser); settlement, claims and withdrawals go on.
    function pause() external;

    /// @notice Let new requests and bids in again (pauser).
    function unpause() external;

    /// @notice The score a bid gets: capability * 2^32 * (1 - n/m) / cost, truncated once.
    function bidScore(
        uint32 cost,
        uint32 capability,
        uint256 bidderMisbehaviourPpm
    ) external pure returns (uint64);

    function getRequest(uint256 requestId) external view returns (RequestInfo memory);

    /// @notice The deposit the market still holds for this bid (0 once reclaimed or settled).
    function getBid(uint256 requestId, address bidder) external view returns (uint96 deposit);

    function reputationOf(address node) external view returns (NodeReputation memory);

    /// @notice n/m in parts per million (0 for a node that never won).
    function misbehaviourPpm(address node) external view returns (uint256);

    function creditOf(address account) external view returns (uint256);

    function requestCount() external view returns (uint256);
}
