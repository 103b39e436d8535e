// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICollaborationMarket} from "../interfaces/ICollaborationMarket.sol";
import {IReputationManager} from "../interfaces/IReputationManager.sol";
import {IResultVerifier} from "../interfaces/IResultVerifier.sol";
import {DetectorReport, DetectorReportLib} from "./libraries/DetectorReport.sol";
import {GuardedCalls} from "./libraries/GuardedCalls.sol";

/// @title BlockEdge collaboration market
/// @notice See ICollaborationMarket. Money only leaves through `withdraw`; every other step
/// moves amounts between what the contract holds for someone: a request's incentive, a bid's
/// deposit, detectors' bonds, and credits. At any time the balance equals the sum of those.
/// @dev Storage is laid out for the paths with gas targets: a bid is one slot, a detector's
/// report is one slot (a DetectorReport word: the commitment, then the reveal's mark), and the
/// request slot a bid rewrites is made non-zero at posting so that the first bid does not pay
/// for a new slot.
contract CollaborationMarket is
    ICollaborationMarket,
    AccessControlDefaultAdminRules,
    Pausable,
    ReentrancyGuardTransient
{
    // ---------------------------------------------------------------- types

    struct Request {
        // slot 0: read by every step
        address requester;
        uint40 biddingDeadline;
        uint32 maxDelayS;
        uint8 bids;
        Phase phase;
        bool slashed;
        // slot 1: the terms
        uint96 incentive;
        uint96 minDeposit;
        uint32 verificationWindowS;
        uint32 maxMisbehaviourPpm;
        // slot 2: the best bid so far, then the winner; the detectors' counts
        address best;
        uint64 bestScorePlusOne; // score + 1: non-zero from posting (1 = no bid yet)
        uint16 committed;
        uint16 revealed;
        // slot 3: the verifier and the verification window (set with the result)
        IResultVerifier verifier;
        uint40 revealFrom; // commits before, reveals from here
        uint40 verifyUntil;
        uint16 guilty;
        // slots 4 to 7
        bytes32 task;
        bytes32 result;
        uint96 winnerDeposit;
        uint96 rewardPerDetector;
        uint96 bondPayout;
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
    /// @notice May list and delist verifiers.
    bytes32 public constant VERIFIER_ADMIN_ROLE = keccak256("VERIFIER_ADMIN_ROLE");
    /// @notice May pause and unpause new requests and bids.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Share of a slashed deposit that compensates the requester, basis points.
    uint16 public immutable COMPENSATION_BPS;
    /// @inheritdoc ICollaborationMarket
    IReputationManager public immutable REPUTATION;
    /// @inheritdoc ICollaborationMarket
    uint16 public immutable MIN_BID_SCORE;
    /// @inheritdoc ICollaborationMarket
    uint96 public immutable DETECTOR_BOND;
    /// @notice A finalized request moves its winner's score only with at least this incentive.
    uint96 public immutable MIN_SCORED_INCENTIVE;
    /// @notice ... and only with at least this deposit.
    uint96 public immutable MIN_SCORED_DEPOSIT;
    /// @notice Shortest verification window, seconds: each half must hold a block.
    uint32 public immutable MIN_WINDOW_S;
    /// @notice Longest bidding time, result delay and window, seconds.
    uint32 public immutable MAX_TERM_S;

    // ---------------------------------------------------------------- storage

    uint256 private _requestCount;
    mapping(uint256 requestId => Request) private _requests;
    mapping(uint256 requestId => mapping(address bidder => Bid)) private _bids;
    mapping(uint256 requestId => mapping(address detector => DetectorReport)) private _reports;
    mapping(address node => NodeReputation) private _reputations;
    mapping(address account => uint256) private _credits;
    /// @dev A listed verifier's code hash (zero: not listed).
    mapping(IResultVerifier verifier => bytes32) private _listedVerifiers;

    // ---------------------------------------------------------------- constructor

    /// @param parameters See MarketParameters; edgeledger's defaults are in DeployParameters.
    /// The deployer holds the admin, verifier admin and pauser roles.
    constructor(MarketParameters memory parameters)
        AccessControlDefaultAdminRules(parameters.adminDelayS, msg.sender)
    {
        if (parameters.compensationBps > BPS) revert InvalidTerms("compensation above 100%");
        if (parameters.detectorBond == 0 || parameters.detectorBond > type(uint80).max) {
            revert InvalidTerms("detector bond outside 1..2^80");
        }
        if (parameters.minWindowS < 2 || parameters.maxTermS < parameters.minWindowS) {
            revert InvalidTerms("windows: 2 <= minimum <= maximum");
        }
        COMPENSATION_BPS = parameters.compensationBps;
        REPUTATION = parameters.reputation;
        MIN_BID_SCORE = parameters.minBidScore;
        DETECTOR_BOND = parameters.detectorBond;
        MIN_SCORED_INCENTIVE = parameters.minScoredIncentive;
        MIN_SCORED_DEPOSIT = parameters.minScoredDeposit;
        MIN_WINDOW_S = parameters.minWindowS;
        MAX_TERM_S = parameters.maxTermS;
        _grantRole(VERIFIER_ADMIN_ROLE, msg.sender);
        _grantRole(PAUSER_ROLE, msg.sender);
    }

    // ---------------------------------------------------------------- external: market

    /// @inheritdoc ICollaborationMarket
    function postRequest(
        RequestTerms calldata terms
    ) external payable whenNotPaused returns (uint256 requestId) {
        if (msg.value == 0) revert NoIncentive();
        if (msg.value > type(uint96).max) revert InvalidTerms("incentive above 2^96 wei");
        if (!isListedVerifier(terms.verifier)) revert VerifierNotListed(terms.verifier);
        if (terms.biddingDeadline <= block.timestamp) revert InvalidTerms("bidding deadline passed");
        if (terms.biddingDeadline > block.timestamp + MAX_TERM_S) {
            revert InvalidTerms("bidding deadline too far");
        }
        if (terms.maxDelayS == 0 || terms.maxDelayS > MAX_TERM_S) {
            revert InvalidTerms("result delay outside 1..term");
        }
        if (terms.verificationWindowS < MIN_WINDOW_S || terms.verificationWindowS > MAX_TERM_S) {
            revert InvalidTerms("window outside minimum..term");
        }
        if (terms.maxMisbehaviourPpm > PPM) revert InvalidTerms("misbehaviour bound above 1");
        // A winner whose deposit is below the incentive would gain by taking the work and not
        // doing it: the deposit stakes at least what the work is paid.
        if (terms.minDeposit < msg.value) revert InvalidTerms("minimum deposit below incentive");
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
    function placeBid(
        uint256 requestId,
        uint32 cost,
        uint32 capability
    ) external payable whenNotPaused {
        Request storage request = _requests[requestId];
        _requirePhase(requestId, request.phase, Phase.Bidding);
        if (block.timestamp > request.biddingDeadline) {
            revert BiddingClosedAt(requestId, request.biddingDeadline);
        }
        if (msg.sender == request.requester) revert RequesterCannotBid(requestId);
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
        if (_scored(request)) {
            NodeReputation storage reputation = _reputations[winner];
            reputation.allocated += 1;
            reputation.staked = _cappedSum(reputation.staked, deposit);
        }
        // The incentive stays with the request until finalize: paid for a result, not a bid.
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
        uint256 window = request.verificationWindowS;
        request.result = result;
        // Both fit: the window is at most MAX_TERM_S (uint32) and the time is a block's.
        request.revealFrom = uint40(block.timestamp + window / 2);
        request.verifyUntil = uint40(block.timestamp + window);
        request.phase = Phase.Verifying;
        emit ResultSubmitted(requestId, msg.sender, result);
    }

    /// @inheritdoc ICollaborationMarket
    function commitReport(uint256 requestId, bytes32 commitment) external payable {
        Request storage request = _requests[requestId];
        uint256 revealFrom = request.revealFrom;
        if (revealFrom == 0) _requirePhase(requestId, request.phase, Phase.Verifying);
        // Nobody may commit once anyone can reveal: a late detector would copy the reveals.
        if (block.timestamp >= revealFrom) revert CommitPhaseOver(requestId, revealFrom);
        if (msg.value != DETECTOR_BOND) revert WrongBond(msg.value, DETECTOR_BOND);
        if (msg.sender == request.best) revert WinnerCannotReport(requestId);
        if (msg.sender == request.requester) revert RequesterCannotReport(requestId);
        if (address(REPUTATION) != address(0) && !REPUTATION.isRegistered(msg.sender)) {
            revert NotEligibleDetector(msg.sender);
        }
        mapping(address => DetectorReport) storage reports = _reports[requestId];
        if (!reports[msg.sender].isNone()) revert AlreadyCommitted(requestId, msg.sender);
        reports[msg.sender] = DetectorReportLib.committed(commitment);
        request.committed += 1;
        emit ReportCommitted(requestId, msg.sender, commitment);
    }

    /// @inheritdoc ICollaborationMarket
    function revealReport(uint256 requestId, bool guilty, bytes32 salt) external {
        Request storage request = _requests[requestId];
        uint256 revealFrom = request.revealFrom;
        if (revealFrom == 0) _requirePhase(requestId, request.phase, Phase.Verifying);
        if (block.timestamp < revealFrom) revert RevealPhaseNotOpen(requestId, revealFrom);
        if (block.timestamp > request.verifyUntil) revert WindowClosed(requestId, request.verifyUntil);
        // The commit phase ended before this one began: every commitment is in an earlier block.
        DetectorReport stored = _reports[requestId][msg.sender];
        if (!stored.isCommitment()) revert NoCommitment(requestId, msg.sender);
        bytes32 expected = keccak256(abi.encode(requestId, msg.sender, guilty, salt));
        if (!stored.holds(expected)) revert RevealMismatch(requestId, msg.sender);
        _reports[requestId][msg.sender] = DetectorReportLib.revealed(guilty);
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
            bool answered;
            (slashed, answered) = GuardedCalls.misbehaved(
                request.verifier, request.task, request.result, request.guilty, request.revealed
            );
            if (!answered) emit VerifierFailed(requestId, request.verifier);
        } else if (phase == Phase.Executing) {
            uint256 deadline = _resultDeadline(request);
            if (block.timestamp <= deadline) revert WindowOpen(requestId, deadline);
            slashed = true; // no result by the deadline
        } else {
            _requirePhase(requestId, phase, Phase.Verifying);
        }

        address winner = request.best;
        request.phase = Phase.Finalized;
        request.slashed = slashed;
        _bids[requestId][winner].state = BidState.Settled;
        (uint96 compensation, uint96 rewardPerDetector) = _settleDeposit(request, winner, slashed);
        uint96 bondPayout = _settleBonds(request, winner, slashed);
        emit RequestFinalized(
            requestId, winner, slashed, compensation, rewardPerDetector, bondPayout
        );
        if (address(REPUTATION) != address(0) && _scored(request)) {
            // The result's delay after the bidding deadline against the requested maxDelayS
            // (a slashed winner gets a failure whatever its delay). Phase Finalized is set, so
            // this runs once per request. The requester vouches for it.
            uint256 delay = slashed ? request.maxDelayS
                : request.verifyUntil - request.verificationWindowS - request.biddingDeadline;
            GuardedCalls.recordOutcome(
                REPUTATION,
                winner,
                request.requester,
                requestId,
                uint32(delay),
                request.maxDelayS,
                !slashed
            );
        }
    }

    /// @inheritdoc ICollaborationMarket
    function claimReward(uint256 requestId) external {
        Request storage request = _requests[requestId];
        DetectorReport report = _reports[requestId][msg.sender];
        bool slashed = request.slashed;
        // Only reports on the verdict's side are paid: guilty if slashed, innocent if not.
        bool onTheVerdictsSide = report.isReveal(slashed);
        if (request.phase != Phase.Finalized || !onTheVerdictsSide) {
            revert NoReward(requestId, msg.sender);
        }
        uint96 reward = request.bondPayout + (slashed ? request.rewardPerDetector : 0);
        _reports[requestId][msg.sender] = DetectorReportLib.REWARD_CLAIMED;
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

    // ---------------------------------------------------------------- external: admin

    /// @inheritdoc ICollaborationMarket
    function listVerifier(IResultVerifier verifier) external onlyRole(VERIFIER_ADMIN_ROLE) {
        if (address(verifier).code.length == 0) revert VerifierNotContract(address(verifier));
        bytes32 codehash = address(verifier).codehash;
        _listedVerifiers[verifier] = codehash;
        emit VerifierListed(verifier, codehash);
    }

    /// @inheritdoc ICollaborationMarket
    function delistVerifier(IResultVerifier verifier) external onlyRole(VERIFIER_ADMIN_ROLE) {
        if (_listedVerifiers[verifier] == bytes32(0)) revert VerifierNotListed(verifier);
        delete _listedVerifiers[verifier];
        emit VerifierDelisted(verifier);
    }

    /// @inheritdoc ICollaborationMarket
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc ICollaborationMarket
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
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
            revealFrom: request.revealFrom,
            verifyUntil: request.verifyUntil,
            committed: request.committed,
            revealed: request.revealed,
            guilty: request.guilty,
            slashed: request.slashed,
            rewardPerDetector: request.rewardPerDetector,
            bondPayout: request.bondPayout,
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

    // ---------------------------------------------------------------- public

    /// @inheritdoc ICollaborationMarket
    function isListedVerifier(IResultVerifier verifier) public view returns (bool) {
        bytes32 listed = _listedVerifiers[verifier];
        return listed != bytes32(0) && listed == address(verifier).codehash;
    }

    // ---------------------------------------------------------------- internal

    function _requirePhase(uint256 requestId, Phase phase, Phase wanted) internal pure {
        if (phase == Phase.None) revert UnknownRequest(requestId);
        if (phase != wanted) revert WrongPhase(requestId, phase);
    }

    function _resultDeadline(Request storage request) internal view returns (uint256) {
        return uint256(request.biddingDeadline) + request.maxDelayS;
    }

    /// @dev The winner's deposit and the incentive. Slashed: the incentive back to the
    /// requester, COMPENSATION_BPS of the deposit to it and the rest shared by the guilty
    /// revealers (what they do not get, the rounding remainder or all of it without any, to the
    /// requester). Not slashed: both to the winner.
    function _settleDeposit(
        Request storage request,
        address winner,
        bool slashed
    ) internal returns (uint96 compensation, uint96 rewardPerDetector) {
        uint96 deposit = request.winnerDeposit;
        uint96 incentive = request.incentive;
        if (slashed) {
            uint256 guilty = request.guilty;
            compensation = uint96(uint256(deposit) * COMPENSATION_BPS / BPS);
            if (guilty > 0) rewardPerDetector = uint96((deposit - compensation) / guilty);
            request.rewardPerDetector = rewardPerDetector;
            if (_scored(request)) _reputations[winner].misbehaviours += 1;
            // In 256 bits: two 96-bit amounts may not fit 96 (finalize must never overflow).
            _credits[request.requester] +=
                uint256(incentive) + deposit - uint256(rewardPerDetector) * guilty;
        } else {
            if (_scored(request)) {
                NodeReputation storage reputation = _reputations[winner];
                reputation.returned = _cappedSum(reputation.returned, uint256(deposit) + incentive);
            }
            _credits[winner] += uint256(deposit) + incentive;
        }
    }

    /// @dev The detectors' bonds. Those on the verdict's side (guilty reveals if slashed,
    /// innocent ones if not) share what the others forfeited (the wrong side, and whoever
    /// committed but never revealed); each claims its payout with `claimReward`. With nobody
    /// on the verdict's side, or for the rounding remainder: the forfeits go to the requester
    /// if the winner was slashed, else to the winner (accused for nothing).
    function _settleBonds(
        Request storage request,
        address winner,
        bool slashed
    ) internal returns (uint96 payout) {
        uint256 committed = request.committed;
        if (committed == 0) return 0;
        uint256 onTheVerdictsSide = slashed ? request.guilty : request.revealed - request.guilty;
        uint256 forfeited = (committed - onTheVerdictsSide) * DETECTOR_BOND;
        uint256 unshared = forfeited; // all of it when nobody is on the verdict's side
        if (onTheVerdictsSide > 0) {
            // At most DETECTOR_BOND * committed < 2^80 * 2^16: fits 96 bits.
            payout = uint96(DETECTOR_BOND + forfeited / onTheVerdictsSide);
            unshared = forfeited % onTheVerdictsSide;
            request.bondPayout = payout;
        }
        _credits[slashed ? request.requester : winner] += unshared;
    }

    /// @dev Whether the request is at the scored stakes: only such a request counts in its
    /// winner's record (n, m, s, t) and in the reputation manager, so that rounds that stake
    /// next to nothing can neither wash a record nor build one.
    function _scored(Request storage request) internal view returns (bool) {
        return request.incentive >= MIN_SCORED_INCENTIVE
            && request.winnerDeposit >= MIN_SCORED_DEPOSIT;
    }

    /// @dev s and t of the paper's ratio saturate at 2^96 - 1 wei: a record must never make a
    /// settlement revert, and no real balance comes near it.
    function _cappedSum(uint96 total, uint256 amount) internal pure returns (uint96) {
        uint256 sum = uint256(total) + amount;
        return sum > type(uint96).max ? type(uint96).max : uint96(sum);
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
