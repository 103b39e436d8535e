// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IReputationManager} from "./IReputationManager.sol";
import {IResultVerifier} from "./IResultVerifier.sol";

/// @title BlockEdge collaboration market
/// @notice A requester posts a task with an incentive paid in; edge nodes bid, staking a
/// deposit; the best bid wins (capability, cost and reputation, see `bidScore`) and is credited
/// the incentive; losers reclaim their deposits. The winner submits its result; during the
/// verification window any node but the winner may act as detector and report in two stages,
/// a commitment first and the report after the commitment is on chain. After the window the
/// request is finalized: a misbehaviour the request's verifier accepts as proved, or no result
/// by the deadline, slashes the winner's deposit (COMPENSATION_BPS of it to the requester, the
/// rest shared by the detectors who revealed "guilty"); otherwise the deposit is refunded.
/// Every payment is a credit that its owner withdraws (pull payments only).
/// Wired to a reputation manager (one edge, one identity), only its registered nodes with a
/// score of at least MIN_BID_SCORE may bid, and every finalized request becomes one outcome
/// there about its winner: a failure when slashed, else a success measured by the result's
/// delay after the bidding deadline against `maxDelayS`.
/// @dev Phases follow block timestamps: bidding until `biddingDeadline`; a result until
/// `biddingDeadline + maxDelayS`; reports until the result's time plus `verificationWindowS`.
interface ICollaborationMarket {
    enum Phase {
        None,
        Bidding, // posted, bids until the bidding deadline
        Executing, // winner chosen, its result is awaited
        Verifying, // result submitted, detectors report until the window closes
        Finalized // settled (also: closed without bids)
    }

    /// @notice What `postRequest` takes besides the incentive (msg.value).
    struct RequestTerms {
        bytes32 task; // what to compute (for proof of work: the challenge)
        IResultVerifier verifier; // decides whether a result is proved wrong
        uint40 biddingDeadline; // last second a bid is accepted
        uint32 maxDelayS; // desired QoE: the result is due this long after the bidding deadline
        uint32 verificationWindowS; // detectors' time after the result
        uint96 minDeposit; // wei a bid must stake at least
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
        uint32 verifyUntil; // end of the verification window; 0 before the result
        uint16 revealed; // detectors' reports revealed
        uint16 guilty; // of which said "wrong"
        bool slashed; // set by finalize
        uint96 rewardPerDetector; // of a slashed deposit, for each guilty revealer
        bytes32 result;
    }

    /// @notice A node's record in the market, the paper's two reputation ratios.
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
    /// @notice Settled: slashed (compensation to the requester, `rewardPerDetector` to each
    /// guilty revealer) or the deposit refunded to the winner.
    event RequestFinalized(
        uint256 indexed requestId,
        address indexed winner,
        bool slashed,
        uint96 compensation,
        uint96 rewardPerDetector
    );
    event RewardClaimed(uint256 indexed requestId, address indexed detector, uint96 reward);
    event Withdrawn(address indexed account, uint256 amount);

    // ---------------------------------------------------------------- errors

    error InvalidTerms(string what);
    error NoIncentive();
    error UnknownRequest(uint256 requestId);
    error WrongPhase(uint256 requestId, Phase phase);
    error BiddingClosedAt(uint256 requestId, uint256 deadline);
    error BiddingStillOpen(uint256 requestId, uint256 deadline);
    error DepositTooSmall(uint256 deposit, uint256 minimum);
    error ZeroCost();
    error AlreadyBid(uint256 requestId, address bidder);
    error TooManyBids(uint256 requestId, uint256 limit);
    error NotEligible(address bidder, uint256 misbehaviourPpm, uint256 limit);
    /// @notice The bidder is not a registered node of the reputation manager.
    error NotReputationNode(address bidder);
    /// @notice The bidder's score in the reputation manager is below MIN_BID_SCORE.
    error ReputationTooLow(address bidder, uint256 score, uint256 minimum);
    error NoBid(uint256 requestId, address bidder);
    error WinnerCannotReclaim(uint256 requestId);
    error NotWinner(uint256 requestId, address caller);
    error ResultTooLate(uint256 requestId, uint256 deadline);
    error WindowClosed(uint256 requestId, uint256 verifyUntil);
    error WindowOpen(uint256 requestId, uint256 until);
    error WinnerCannotReport(uint256 requestId);
    error AlreadyCommitted(uint256 requestId, address detector);
    error NoCommitment(uint256 requestId, address detector);
    error RevealTooEarly(uint256 requestId);
    error RevealMismatch(uint256 requestId, address detector);
    error NoReward(uint256 requestId, address detector);
    error NothingToWithdraw(address account);
    error TransferFailed(address account, uint256 amount);

    // ---------------------------------------------------------------- functions

    /// @notice The reputation manager bids are checked against and outcomes go to; zero when
    /// the market stands alone, as in the BlockEdge paper.
    function REPUTATION() external view returns (IReputationManager);

    /// @notice Lowest reputation score that may bid (with a reputation manager).
    function MIN_BID_SCORE() external view returns (uint16);

    /// @notice Post a task; msg.value is the incentive. Returns the request id (from 1).
    function postRequest(RequestTerms calldata terms) external payable returns (uint256 requestId);

    /// @notice Bid on a request, staking msg.value as deposit.
    /// @param cost What the bidder asks, in the requester's units (lower is better).
    /// @param capability What the bidder offers, e.g. hash rate (higher is better).
    function placeBid(uint256 requestId, uint32 cost, uint32 capability) external payable;

    /// @notice After the bidding deadline (anyone): the best bid wins and is credited the
    /// incentive; with no bid the incentive is credited back to the requester.
    function closeBidding(uint256 requestId) external;

    /// @notice A losing bidder's deposit back to its credit, after bidding closed.
    function reclaimDeposit(uint256 requestId) external;

    /// @notice The winner's result, by the result deadline; opens the verification window.
    function submitResult(uint256 requestId, bytes32 result) external;

    /// @notice Stage one: `commitment` = keccak256(abi.encode(requestId, detector, guilty, salt)).
    function commitReport(uint256 requestId, bytes32 commitment) external;

    /// @notice Stage two, in a later block than the commitment and within the window.
    function revealReport(uint256 requestId, bool guilty, bytes32 salt) external;

    /// @notice After the window (or after the result deadline without a result): slash or
    /// refund, and count the winner's outcome in the reputation manager.
    function finalize(uint256 requestId) external;

    /// @notice A guilty revealer's share of a slashed deposit, to its credit.
    function claimReward(uint256 requestId) external;

    /// @notice Send the caller everything credited to it.
    function withdraw() external;

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
