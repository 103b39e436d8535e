// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICollaborationMarket} from "../interfaces/ICollaborationMarket.sol";
import {IReputationManager} from "../interfaces/IReputationManager.sol";
import {IResultVerifier} from "../interfaces/IResultVerifier.sol";

/// @title BlockEdge collaboration market
/// @notice See ICollaborationMarket. Money only leaves through `withdraw`; every other step
/// moves amounts between what the contract holds for someone: a request's incentive, a bid's
/// deposit, and credits. At any time the balance equals the sum of those three.
/// @dev Storage is laid out for the paths with gas targets: a bid is one slot, a commitment is
/// one slot (216 bits of the hash and the commit's block number), and the request slot a bid
/// rewrites is made non-zero at posting so that the first bid does not pay for a new slot.
contract CollaborationMarket is ICollaborationMarket, ReentrancyGuardTransient {
    // ---------------------------------------------------------------- types

    struct Request {
        // slot 0
        address requester;
        uint40 biddingDeadline;
        uint32 maxDelayS;
        uint8 bids;
        Phase phase;
        // slot 1
        uint96 incentive;
        uint96 minDeposit;
        uint32 verificationWindowS;
        uint32 maxMisbehaviourPpm;
        // slot 2: the best bid so far, then the winner; and the window's end once a result is in
        address best;
        uint64 bestScorePlusOne; // score + 1: non-zero from posting (1 = no bid yet)
        uint32 verifyUntil;
        // slot 3
        IResultVerifier verifier;
        uint16 revealed;
        uint16 guilty;
        bool slashed;
        // slot 4, 5, 6
        bytes32 task;
        bytes32 result;
        uint96 winnerDeposit;
        uint96 rewardPerDetector;
    }

    enum BidState {
        None,
        Active, // deposit held
        Won, // the winner's deposit, held until finalize
        Reclaimed, // a loser took it back
        Settled // the winner's deposit, refunded or slashed by finalize
    }

    /// @dev One slot.
    struct Bid {
        uint96 deposit;
        BidState state;
    }

    // ---------------------------------------------------------------- constants

    /// @notice Bound on bids per request (the bid counter is a uint8).
    uint256 public constant MAX_BIDS = 64;
    uint256 public constant PPM = 1_000_000;
    uint256 public constant BPS = 10_000;
    /// @dev A commitment slot keeps the hash above bit 40 and the commit's block number below.
    uint256 private constant _BLOCK_BITS = (uint256(1) << 40) - 1;
    /// @dev Report slot values after the reveal (a commitment is far above them).
    uint256 private constant _REVEALED_INNOCENT = 1;
    uint256 private constant _REVEALED_GUILTY = 2;
    uint256 private constant _REWARD_CLAIMED = 3;

    /// @notice Share of a slashed deposit that compensates the requester, basis points.
    uint16 public immutable COMPENSATION_BPS;
    /// @inheritdoc ICollaborationMarket
    IReputationManager public immutable REPUTATION;
    /// @inheritdoc ICollaborationMarket
    uint16 public immutable MIN_BID_SCORE;

    // ---------------------------------------------------------------- storage

    uint256 private _requestCount;
    mapping(uint256 requestId => Request) private _requests;
    mapping(uint256 requestId => mapping(address bidder => Bid)) private _bids;
    mapping(uint256 requestId => mapping(address detector => uint256)) private _reports;
    mapping(address node => NodeReputation) private _reputations;
    mapping(address account => uint256) private _credits;

    // ---------------------------------------------------------------- constructor

    /// @param compensationBps Share of a slashed deposit for the requester; the rest rewards
    /// the detectors (edgeledger deploys 5,000: half and half).
    /// @param reputation Bidders' scores and winners' outcomes (it must grant this market its
    /// OUTCOME_SOURCE_ROLE); zero for a market on its own.
    /// @param minBidScore Lowest score that may bid (edgeledger: 400 of 1,000).
    constructor(uint16 compensationBps, IReputationManager reputation, uint16 minBidScore) {
        if (compensationBps > BPS) revert InvalidTerms("compensation above 100%");
        COMPENSATION_BPS = compensationBps;
        REPUTATION = reputation;
        MIN_BID_SCORE = minBidScore;
    }

    // ---------------------------------------------------------------- external: market

    /// @inheritdoc ICollaborationMarket
    function postRequest(RequestTerms calldata terms) external payable returns (uint256 requestId) {
        if (msg.value == 0) revert NoIncentive();
        if (msg.value > type(uint96).max) revert InvalidTerms("incentive above 2^96 wei");
        if (address(terms.verifier).code.length == 0) revert InvalidTerms("verifier not a contract");
        if (terms.biddingDeadline <= block.timestamp) revert InvalidTerms("bidding deadline passed");
        if (terms.maxDelayS == 0) revert InvalidTerms("zero result delay");
        if (terms.verificationWindowS == 0) revert InvalidTerms("zero verification window");
        if (terms.maxMisbehaviourPpm > PPM) revert InvalidTerms("misbehaviour bound above 1");
        requestId = ++_requestCount;
        Request storage request = _requests[requestId];
        request.requester = msg.sender;
        request.biddingDeadline = terms.biddingDeadline;
        request.maxDelayS = terms.maxDelayS;
        request.phase = Phase.Bidding;
        request.incentive = uint96(msg.value);
        request.minDeposit = terms.minDeposit;
        request.verificationWindowS = terms.verificationWindowS;
        request.maxMisbehaviourPpm = terms.maxMisbehaviourPpm;
        request.bestScorePlusOne = 1;
        request.verifier = terms.verifier;
        request.task = terms.task;
        emit RequestPosted(
            requestId,
            msg.sender,
            terms.verifier,
            terms.task,
            uint96(msg.value),
            terms.minDeposit,
            terms.biddingDeadline,
            terms.maxDelayS,
            terms.verificationWindowS,
            terms.maxMisbehaviourPpm
        );
    }

    /// @inheritdoc ICollaborationMarket
    function placeBid(uint256 requestId, uint32 cost, uint32 capability) external payable {
        Request storage request = _requests[requestId];
        _requirePhase(requestId, request.phase, Phase.Bidding);
        if (block.timestamp > request.biddingDeadline) {
            revert BiddingClosedAt(requestId, request.biddingDeadline);
        }
        if (request.bids >= MAX_BIDS) revert TooManyBids(requestId, MAX_BIDS);
        if (msg.value < request.minDeposit) revert DepositTooSmall(msg.value, request.minDeposit);
        if (msg.value > type(uint96).max) revert InvalidTerms("deposit above 2^96 wei");
        if (cost == 0) revert ZeroCost();
        Bid storage bid = _bids[requestId][msg.sender];
        if (bid.state != BidState.None) revert AlreadyBid(requestId, msg.sender);
        uint256 ppm = _misbehaviourPpm(_reputations[msg.sender]);
        if (ppm > request.maxMisbehaviourPpm) {
            revert NotEligible(msg.sender, ppm, request.maxMisbehaviourPpm);
        }
        if (address(REPUTATION) != address(0)) {
            (IReputationManager.Membership node, uint16 standing) = REPUTATION.standingOf(msg.sender);
            if (node != IReputationManager.Membership.Active) revert NotReputationNode(msg.sender);
            if (standing < MIN_BID_SCORE) revert ReputationTooLow(msg.sender, standing, MIN_BID_SCORE);
        }

        uint64 score = _bidScore(cost, capability, ppm);
        bid.deposit = uint96(msg.value);
        bid.state = BidState.Active;
        request.bids += 1;
        // Strictly better: ties go to the earlier bid.
        if (uint256(score) + 1 > request.bestScorePlusOne) {
            request.best = msg.sender;
            request.bestScorePlusOne = score + 1;
        }
        emit BidPlaced(requestId, msg.sender, uint96(msg.value), cost, capability, score);
    }

    /// @inheritdoc ICollaborationMarket
    function closeBidding(uint256 requestId) external {
        Request storage request = _requests[requestId];
        _requirePhase(requestId, request.phase, Phase.Bidding);
        if (block.timestamp <= request.biddingDeadline) {
            revert BiddingStillOpen(requestId, request.biddingDeadline);
        }
        uint96 incentive = request.incentive;
        address winner = request.best;
        if (winner == address(0)) {
            request.phase = Phase.Finalized;
            _credits[request.requester] += incentive;
            emit BiddingClosed(requestId, address(0), incentive);
            return;
        }
        Bid storage bid = _bids[requestId][winner];
        uint96 deposit = bid.deposit;
        bid.state = BidState.Won;
        request.winnerDeposit = deposit;
        request.phase = Phase.Executing;
        NodeReputation storage reputation = _reputations[winner];
        reputation.allocated += 1;
        reputation.staked += deposit;
        reputation.returned += incentive;
        _credits[winner] += incentive;
        emit BiddingClosed(requestId, winner, incentive);
    }

    /// @inheritdoc ICollaborationMarket
    function reclaimDeposit(uint256 requestId) external {
        Request storage request = _requests[requestId];
        if (request.phase == Phase.None) revert UnknownRequest(requestId);
        if (request.phase == Phase.Bidding) revert WrongPhase(requestId, Phase.Bidding);
        Bid storage bid = _bids[requestId][msg.sender];
        if (bid.state == BidState.Won) revert WinnerCannotReclaim(requestId);
        if (bid.state != BidState.Active) revert NoBid(requestId, msg.sender);
        uint96 deposit = bid.deposit;
        bid.state = BidState.Reclaimed;
        _credits[msg.sender] += deposit;
        emit DepositReclaimed(requestId, msg.sender, deposit);
    }

    /// @inheritdoc ICollaborationMarket
    function submitResult(uint256 requestId, bytes32 result) external {
        Request storage request = _requests[requestId];
        _requirePhase(requestId, request.phase, Phase.Executing);
        if (msg.sender != request.best) revert NotWinner(requestId, msg.sender);
        uint256 deadline = _resultDeadline(request);
        if (block.timestamp > deadline) revert ResultTooLate(requestId, deadline);
        request.result = result;
        request.verifyUntil = uint32(block.timestamp + request.verificationWindowS);
        request.phase = Phase.Verifying;
        emit ResultSubmitted(requestId, msg.sender, result);
    }

    /// @inheritdoc ICollaborationMarket
    function commitReport(uint256 requestId, bytes32 commitment) external {
        Request storage request = _requests[requestId];
        _requireOpenWindow(requestId, request);
        if (msg.sender == request.best) revert WinnerCannotReport(requestId);
        mapping(address => uint256) storage reports = _reports[requestId];
        if (reports[msg.sender] != 0) revert AlreadyCommitted(requestId, msg.sender);
        reports[msg.sender] = (uint256(commitment) & ~_BLOCK_BITS) | block.number;
        emit ReportCommitted(requestId, msg.sender, commitment);
    }

    /// @inheritdoc ICollaborationMarket
    function revealReport(uint256 requestId, bool guilty, bytes32 salt) external {
        Request storage request = _requests[requestId];
        _requireOpenWindow(requestId, request);
        uint256 stored = _reports[requestId][msg.sender];
        if (stored <= _REWARD_CLAIMED) revert NoCommitment(requestId, msg.sender);
        // The commitment must be on chain before the report: a later block.
        if (block.number <= stored & _BLOCK_BITS) revert RevealTooEarly(requestId);
        bytes32 expected = keccak256(abi.encode(requestId, msg.sender, guilty, salt));
        if (uint256(expected) & ~_BLOCK_BITS != stored & ~_BLOCK_BITS) {
            revert RevealMismatch(requestId, msg.sender);
        }
        _reports[requestId][msg.sender] = guilty ? _REVEALED_GUILTY : _REVEALED_INNOCENT;
        request.revealed += 1;
        if (guilty) request.guilty += 1;
        emit ReportRevealed(requestId, msg.sender, guilty);
    }

    /// @inheritdoc ICollaborationMarket
    function finalize(uint256 requestId) external {
        Request storage request = _requests[requestId];
        Phase phase = request.phase;
        bool slashed = false;
        if (phase == Phase.Verifying) {
            if (block.timestamp <= request.verifyUntil) {
                revert WindowOpen(requestId, request.verifyUntil);
            }
            slashed = request.verifier.misbehaved(
                request.task, request.result, request.guilty, request.revealed
            );
        } else if (phase == Phase.Executing) {
            uint256 deadline = _resultDeadline(request);
            if (block.timestamp <= deadline) revert WindowOpen(requestId, deadline);
            slashed = true; // no result by the deadline
        } else {
            _requirePhase(requestId, phase, Phase.Verifying);
        }

        address winner = request.best;
        uint96 deposit = request.winnerDeposit;
        uint96 compensation = 0;
        uint96 rewardPerDetector = 0;
        request.phase = Phase.Finalized;
        _bids[requestId][winner].state = BidState.Settled;
        if (slashed) {
            compensation = uint96(uint256(deposit) * COMPENSATION_BPS / BPS);
            uint96 rest = deposit - compensation;
            if (request.guilty > 0) rewardPerDetector = rest / request.guilty;
            request.slashed = true;
            request.rewardPerDetector = rewardPerDetector;
            _reputations[winner].misbehaviours += 1;
            // What the detectors do not get (all of it without guilty reveals, else the
            // rounding remainder) goes to the requester with the compensation.
            _credits[request.requester] += deposit - rewardPerDetector * request.guilty;
        } else {
            _reputations[winner].returned += deposit;
            _credits[winner] += deposit;
        }
        emit RequestFinalized(requestId, winner, slashed, compensation, rewardPerDetector);
        if (address(REPUTATION) != address(0)) {
            // The result's delay after the bidding deadline against the requested maxDelayS
            // (a slashed winner gets a failure whatever its delay). Phase Finalized is set, so
            // this runs once per request.
            uint256 delay = slashed ? request.maxDelayS
                : request.verifyUntil - request.verificationWindowS - request.biddingDeadline;
            REPUTATION.recordOutcome(winner, requestId, uint32(delay), request.maxDelayS, !slashed);
        }
    }

    /// @inheritdoc ICollaborationMarket
    function claimReward(uint256 requestId) external {
        Request storage request = _requests[requestId];
        uint96 reward = request.rewardPerDetector;
        if (
            request.phase != Phase.Finalized || reward == 0
                || _reports[requestId][msg.sender] != _REVEALED_GUILTY
        ) revert NoReward(requestId, msg.sender);
        _reports[requestId][msg.sender] = _REWARD_CLAIMED;
        _credits[msg.sender] += reward;
        emit RewardClaimed(requestId, msg.sender, reward);
    }

    /// @inheritdoc ICollaborationMarket
    function withdraw() external nonReentrant {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _credits[msg.sender] = 0;
        (bool sent,) = msg.sender.call{value: amount}("");
        if (!sent) revert TransferFailed(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ---------------------------------------------------------------- external: views

    /// @inheritdoc ICollaborationMarket
    function bidScore(
        uint32 cost,
        uint32 capability,
        uint256 bidderMisbehaviourPpm
    ) external pure returns (uint64) {
        if (cost == 0) revert ZeroCost();
        return _bidScore(cost, capability, bidderMisbehaviourPpm);
    }

    /// @inheritdoc ICollaborationMarket
    function getRequest(uint256 requestId) external view returns (RequestInfo memory) {
        Request storage request = _requests[requestId];
        if (request.phase == Phase.None) revert UnknownRequest(requestId);
        return RequestInfo({
            requester: request.requester,
            phase: request.phase,
            bids: request.bids,
            winner: request.phase == Phase.Bidding ? address(0) : request.best,
            incentive: request.incentive,
            winnerDeposit: request.winnerDeposit,
            verifyUntil: request.verifyUntil,
            revealed: request.revealed,
            guilty: request.guilty,
            slashed: request.slashed,
            rewardPerDetector: request.rewardPerDetector,
            result: request.result
        });
    }

    /// @inheritdoc ICollaborationMarket
    function getBid(uint256 requestId, address bidder) external view returns (uint96) {
        Bid memory bid = _bids[requestId][bidder];
        return bid.state == BidState.Active || bid.state == BidState.Won ? bid.deposit : 0;
    }

    /// @inheritdoc ICollaborationMarket
    function reputationOf(address node) external view returns (NodeReputation memory) {
        return _reputations[node];
    }

    /// @inheritdoc ICollaborationMarket
    function misbehaviourPpm(address node) external view returns (uint256) {
        return _misbehaviourPpm(_reputations[node]);
    }

    /// @inheritdoc ICollaborationMarket
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @inheritdoc ICollaborationMarket
    function requestCount() external view returns (uint256) {
        return _requestCount;
    }

    // ---------------------------------------------------------------- internal

    function _requirePhase(uint256 requestId, Phase phase, Phase wanted) internal pure {
        if (phase == Phase.None) revert UnknownRequest(requestId);
        if (phase != wanted) revert WrongPhase(requestId, phase);
    }

    /// @dev Reads only the slot that commit and reveal need anyway: a window end is set with
    /// the result, and finalize needs it to have passed, so "now within a set window" means
    /// "Verifying". The phase slot is read only to say why not (saves a cold read, 2,100 gas).
    function _requireOpenWindow(uint256 requestId, Request storage request) internal view {
        uint256 until = request.verifyUntil;
        if (until == 0) _requirePhase(requestId, request.phase, Phase.Verifying);
        if (block.timestamp > until) revert WindowClosed(requestId, until);
    }

    function _resultDeadline(Request storage request) internal view returns (uint256) {
        return uint256(request.biddingDeadline) + request.maxDelayS;
    }

    function _misbehaviourPpm(NodeReputation memory reputation) internal pure returns (uint256) {
        return reputation.allocated == 0 ? 0 : uint256(reputation.misbehaviours) * PPM / reputation.allocated;
    }

    /// @dev capability * 2^32 * (1 - n/m) / cost, one division at the end (exact: the
    /// numerator is below 2^84). At most capability * 2^32 < 2^64.
    function _bidScore(uint32 cost, uint32 capability, uint256 ppm) internal pure returns (uint64) {
        uint256 trust = PPM - (ppm > PPM ? PPM : ppm);
        return uint64((uint256(capability) << 32) * trust / (uint256(cost) * PPM));
    }
}
