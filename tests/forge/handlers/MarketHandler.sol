// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborationMarket} from "../../../contracts/CollaborationMarket.sol";
import {ReputationManager} from "../../../contracts/ReputationManager.sol";
import {ProofOfWorkVerifier} from "../../../contracts/verifiers/ProofOfWorkVerifier.sol";
import {ICollaborationMarket} from "../../../interfaces/ICollaborationMarket.sol";
import {IResultVerifier} from "../../../interfaces/IResultVerifier.sol";
import {VM} from "../Vm.sol";

/// @title The market's actors, driven by forge: honest and attacking, with a ledger of their own
/// @notice Every handler function does one step of a request's life as one actor, on a request
/// it finds in the right phase (moving time on where the step needs it), and reverts when there
/// is none, so forge's revert count is the share of steps that did nothing. The handler keeps
/// its own ledger from its own inputs and a reference of the settlement rules (the paper's, as
/// ICollaborationMarket states them), never from what the market says it owes:
/// - ghostCredit: what each actor may withdraw;
/// - ghostHeld: incentives, deposits and bonds of open requests, unclaimed detector payouts;
/// - paidIn / withdrawn: wei sent to the market and received from it.
/// Attacks are steps too: each must revert; one that goes through counts as a breach.
contract MarketHandler {
    // ---------------------------------------------------------------- actors and settings

    uint256 internal constant POW = 0;
    uint256 internal constant QUORUM_KIND = 1;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant REQUESTERS = 3; // two nodes, then one address that is no node
    uint256 internal constant BIDDERS = 4; // nodes
    uint256 internal constant HONEST_DETECTORS = 2; // nodes that report what they see
    uint256 internal constant DETECTORS = 4; // the honest two, a colluder (always "guilty"), a Sybil

    CollaborationMarket public immutable MARKET;
    ReputationManager public immutable REPUTATION;
    IResultVerifier[2] public verifiers; // proof of work, quorum
    uint256 public immutable QUORUM;
    uint256 public immutable COMPENSATION_BPS;
    uint256 public immutable BOND;
    uint256 public immutable MIN_SCORED_INCENTIVE;
    uint256 public immutable MIN_SCORED_DEPOSIT;

    address[REQUESTERS] public requesters;
    address[BIDDERS] public bidders;
    address[DETECTORS] public detectors;

    // ---------------------------------------------------------------- the handler's own ledger

    struct Ghost {
        address requester;
        uint8 kind; // POW or QUORUM_KIND
        bytes32 task;
        uint96 incentive;
        uint40 biddingDeadline;
        uint32 maxDelayS;
        uint32 windowS;
        uint96 minDeposit;
        address winner; // the best bid as the reference ranks them (ties: the earlier)
        uint256 bestScore;
        bool closed;
        bool resultIn;
        bool honest; // the winner's result is right
        uint40 revealFrom;
        uint40 verifyUntil;
        bool finalized;
        bool slashed;
        uint256 committed;
        uint256 revealed;
        uint256 guilty;
        uint256 bids;
        uint256 losersWithDeposit; // bids not winning, not reclaimed (counted once closed)
        uint256 unclaimedPayouts; // detectors owed a payout
    }

    struct Report {
        bool committed;
        bool guilty;
        bool revealed;
        bytes32 salt;
        uint256 payout; // owed after finalize, until claimed
    }

    Ghost[] internal _requests;
    mapping(uint256 index => mapping(address bidder => uint256)) internal _deposits; // held
    mapping(uint256 index => mapping(address bidder => bool)) internal _bid;
    mapping(uint256 index => uint256) internal _winnerDeposits; // once settled
    mapping(uint256 index => mapping(address detector => Report)) internal _reports;

    mapping(address actor => uint256) public ghostCredit;
    /// @notice The market's record of each node (n and m), counted by the reference.
    mapping(address node => uint256) public ghostAllocated;
    mapping(address node => uint256) public ghostMisbehaviours;
    uint256 public ghostHeld;
    uint256 public paidIn;
    uint256 public withdrawn;
    /// @notice Attacks that went through, steps paid twice, honest winners slashed: all must stay 0.
    uint256 public breaches;
    uint256 public honestWinnersSlashed;
    uint256 public cheatersEscaped;
    /// @notice Finalized requests by outcome: the campaign is not hollow if both occur.
    uint256 public slashings;
    uint256 public refunds;

    constructor(
        CollaborationMarket market,
        ReputationManager reputation,
        IResultVerifier proofOfWork,
        IResultVerifier quorum,
        uint256 quorumSize
    ) {
        MARKET = market;
        REPUTATION = reputation;
        verifiers = [proofOfWork, quorum];
        QUORUM = quorumSize;
        COMPENSATION_BPS = market.COMPENSATION_BPS();
        BOND = market.DETECTOR_BOND();
        MIN_SCORED_INCENTIVE = market.MIN_SCORED_INCENTIVE();
        MIN_SCORED_DEPOSIT = market.MIN_SCORED_DEPOSIT();
        for (uint256 i = 0; i < REQUESTERS; ++i) requesters[i] = _actor("requester", i);
        for (uint256 i = 0; i < BIDDERS; ++i) bidders[i] = _actor("bidder", i);
        for (uint256 i = 0; i < DETECTORS; ++i) detectors[i] = _actor("detector", i);
    }

    /// @dev The nodes the deployment registers: requesters 0 and 1, every bidder, the honest
    /// detectors and the colluder (the Sybil is a fresh address).
    function nodes() external view returns (address[] memory list) {
        list = new address[](2 + BIDDERS + 3);
        list[0] = requesters[0];
        list[1] = requesters[1];
        for (uint256 i = 0; i < BIDDERS; ++i) list[2 + i] = bidders[i];
        for (uint256 i = 0; i < 3; ++i) list[2 + BIDDERS + i] = detectors[i];
    }

    function requestCount() external view returns (uint256) {
        return _requests.length;
    }

    function actors() public view returns (address[] memory list) {
        list = new address[](REQUESTERS + BIDDERS + DETECTORS);
        uint256 n = 0;
        for (uint256 i = 0; i < REQUESTERS; ++i) list[n++] = requesters[i];
        for (uint256 i = 0; i < BIDDERS; ++i) list[n++] = bidders[i];
        for (uint256 i = 0; i < DETECTORS; ++i) list[n++] = detectors[i];
    }

    // ---------------------------------------------------------------- honest steps

    // Each step acts on a request already in its phase when there is one (the newest 16 are
    // looked at); otherwise it drives a new request there through the earlier steps, so that
    // random sequences reach every phase, not only the first.

    function post(
        uint256 requesterSeed,
        uint256 kindSeed,
        uint256 incentive,
        uint256 depositFactor,
        uint256 biddingS,
        uint256 maxDelayS,
        uint256 windowS
    ) external {
        _post(requesterSeed, kindSeed, incentive, depositFactor, biddingS, maxDelayS, windowS);
    }

    function bid(uint256 seed, uint32 cost, uint32 capability, uint256 extra) external {
        (bool found, uint256 index) = _find(seed, _biddable);
        if (!found) index = _post(seed, seed >> 8, seed >> 16, seed >> 24, 120, seed >> 40, seed >> 48);
        _bidOn(index, _bidderNotYet(index, seed), cost, capability, extra);
    }

    function closeBidding(uint256 seed) external {
        (bool found, uint256 index) = _find(seed, _open);
        if (!found) index = _driveTo(_open, seed);
        _close(index);
    }

    function reclaim(uint256 seed) external {
        (bool found, uint256 index) = _find(seed, _closedWithLoser);
        if (!found) {
            index = _driveTo(_open, seed);
            _bidOn(index, _bidderNotYet(index, seed >> 1), uint32(seed >> 64), uint32(seed >> 96), 0);
            _close(index);
        }
        _reclaim(index, _loserWithDeposit(index, seed));
    }

    function submit(uint256 seed, bool honest) external {
        (bool found, uint256 index) = _find(seed, _executing);
        if (!found) index = _driveTo(_executing, seed);
        _submit(index, honest);
    }

    function commit(uint256 seed, bytes32 salt) external {
        (bool found, uint256 index) = _find(seed, _committing);
        if (!found) index = _driveTo(_committing, seed);
        _commit(index, _detectorWith(index, seed, false), salt);
    }

    function reveal(uint256 seed) external {
        (bool found, uint256 index) = _find(seed, _revealing);
        if (!found) index = _driveTo(_revealing, seed);
        _reveal(index, _detectorWith(index, seed, true));
    }

    function finalize(uint256 seed) external {
        (bool found, uint256 index) = _find(seed, _settleable);
        if (!found) index = _driveTo(seed % 2 == 0 ? _executing : _revealing, seed);
        _finalize(index);
    }

    function claim(uint256 seed) external {
        (bool found, uint256 index) = _find(seed, _finalizedWithPayout);
        if (!found) {
            index = _driveTo(_revealing, seed);
            // Every committed detector reveals: someone is then on the verdict's side.
            for (uint256 i = 0; i < 3; ++i) {
                if (_reports[index][detectors[i]].committed) _reveal(index, detectors[i]);
            }
            _finalize(index);
        }
        _claim(index, _detectorOwed(index, seed));
    }

    function withdraw(uint256 actorSeed) external {
        address[] memory all = actors();
        address actor = address(0);
        for (uint256 i = 0; i < all.length; ++i) {
            address candidate = all[(actorSeed + i) % all.length];
            if (ghostCredit[candidate] > 0) {
                actor = candidate;
                break;
            }
        }
        require(actor != address(0), "nobody is owed");
        uint256 before = actor.balance;
        VM.prank(actor);
        MARKET.withdraw();
        uint256 received = actor.balance - before;
        // Paid exactly once, exactly what the reference owes.
        if (received != ghostCredit[actor]) breaches += 1;
        withdrawn += received;
        ghostCredit[actor] = 0;
    }

    function wait(uint256 seconds_) external {
        VM.warp(block.timestamp + _bound(seconds_, 1, 60));
    }

    /// @notice A bidder that left the reputation manager comes back; else a winner leaves in
    /// the middle of its task (it is still scored, and its deposit still settles).
    function leaveOrReturn(uint256 seed) external {
        for (uint256 i = 0; i < BIDDERS; ++i) {
            address node = bidders[(seed + i) % BIDDERS];
            if (!REPUTATION.isRegistered(node)) return REPUTATION.registerNode(node);
        }
        (bool found, uint256 index) = _find(seed, _executingOrVerifying);
        if (!found) index = _driveTo(_executing, seed);
        address winner = _requests[index].winner;
        VM.prank(winner);
        REPUTATION.unregisterNode(winner);
    }

    // ---------------------------------------------------------------- one step on one request

    /// @dev A new request driven through the honest steps until `fits` holds, or reverting.
    /// Seeds pick its kind, its bidders and whether the result is right.
    function _driveTo(
        function(Ghost storage) internal view returns (bool) fits,
        uint256 seed
    ) internal returns (uint256 index) {
        index = _post(seed, seed >> 8, seed >> 16, seed >> 24, 120, 120, seed >> 48);
        Ghost storage g = _requests[index];
        if (fits(g)) return index;
        // Capability at least 1: a bid that scores zero never wins.
        _bidOn(index, _bidderNotYet(index, seed), uint32(seed >> 64), uint32(1 + (seed >> 96) % 1000), 0);
        _close(index);
        if (fits(g)) return index;
        _submit(index, (seed >> 128) % 4 != 0);
        // Two or three detectors: the honest two and, one time in two, the colluder.
        for (uint256 i = 0; i < 2 + (seed >> 136) % 2; ++i) {
            if (fits(g)) return index;
            _commit(index, detectors[i], bytes32(seed + i));
        }
        if (fits(g)) return index;
        VM.warp(g.revealFrom);
        require(fits(g), "no way to that phase");
    }

    function _post(
        uint256 requesterSeed,
        uint256 kindSeed,
        uint256 incentive,
        uint256 depositFactor,
        uint256 biddingS,
        uint256 maxDelayS,
        uint256 windowS
    ) internal returns (uint256 index) {
        address requester = requesters[requesterSeed % REQUESTERS];
        uint8 kind = uint8(kindSeed % 2);
        // Half the requests at the scored stakes, half below (they must not move a record).
        incentive = kindSeed % 4 < 2 ? _bound(incentive, 1, 1e16) : _bound(incentive, 1e16, 10 ether);
        index = _requests.length;
        Ghost storage g = _requests.push();
        g.requester = requester;
        g.kind = kind;
        g.task = keccak256(abi.encode("task", index));
        g.incentive = uint96(incentive);
        g.biddingDeadline = uint40(block.timestamp + _bound(biddingS, 1, 120));
        g.maxDelayS = uint32(_bound(maxDelayS, 1, 120));
        g.windowS = uint32(_bound(windowS, 24, 120));
        g.minDeposit = uint96(incentive * _bound(depositFactor, 1, 20));
        VM.prank(requester);
        uint256 id = MARKET.postRequest{value: incentive}(
            ICollaborationMarket.RequestTerms({
                task: g.task,
                verifier: verifiers[kind],
                biddingDeadline: g.biddingDeadline,
                maxDelayS: g.maxDelayS,
                verificationWindowS: g.windowS,
                minDeposit: g.minDeposit,
                maxMisbehaviourPpm: 1_000_000
            })
        );
        require(id == index + 1, "request ids count from 1");
        paidIn += incentive;
        ghostHeld += incentive;
    }

    function _bidOn(uint256 index, address bidder, uint32 cost, uint32 capability, uint256 extra) internal {
        Ghost storage g = _requests[index];
        cost = uint32(_bound(cost, 1, 1000));
        capability = uint32(_bound(capability, 0, 1000));
        uint256 deposit = g.minDeposit + _bound(extra, 0, 1 ether);
        VM.prank(bidder);
        MARKET.placeBid{value: deposit}(index + 1, cost, capability);
        paidIn += deposit;
        ghostHeld += deposit;
        _deposits[index][bidder] = deposit;
        _bid[index][bidder] = true;
        g.bids += 1;
        // The paper's bid score, capability * 2^32 * (1 - n/m) / cost; strictly better wins.
        uint256 score = (uint256(capability) << 32) * (1e6 - _misbehaviourPpm(bidder)) / (uint256(cost) * 1e6);
        if (score > g.bestScore) (g.winner, g.bestScore) = (bidder, score);
    }

    function _close(uint256 index) internal {
        Ghost storage g = _requests[index];
        _warpPast(g.biddingDeadline);
        MARKET.closeBidding(index + 1);
        g.closed = true;
        g.losersWithDeposit = g.winner == address(0) ? g.bids : g.bids - 1;
        if (g.winner == address(0)) {
            // No bid with a score above zero: the incentive goes back to the requester.
            g.finalized = true;
            ghostHeld -= g.incentive;
            _credit(g.requester, g.incentive);
        } else if (_scored(index, g)) {
            ghostAllocated[g.winner] += 1;
        }
    }

    function _reclaim(uint256 index, address loser) internal {
        VM.prank(loser);
        MARKET.reclaimDeposit(index + 1);
        ghostHeld -= _deposits[index][loser];
        _credit(loser, _deposits[index][loser]);
        _deposits[index][loser] = 0;
        _requests[index].losersWithDeposit -= 1;
    }

    function _submit(uint256 index, bool honest) internal {
        Ghost storage g = _requests[index];
        bytes32 result = _result(g, honest);
        VM.prank(g.winner);
        MARKET.submitResult(index + 1, result);
        g.resultIn = true;
        g.honest = honest;
        g.revealFrom = uint40(block.timestamp + g.windowS / 2);
        g.verifyUntil = uint40(block.timestamp + g.windowS);
    }

    function _commit(uint256 index, address detector, bytes32 salt) internal {
        Ghost storage g = _requests[index];
        bool guilty = _verdict(detector, g);
        VM.prank(detector);
        MARKET.commitReport{value: BOND}(index + 1, _commitment(index, detector, guilty, salt));
        paidIn += BOND;
        ghostHeld += BOND;
        g.committed += 1;
        _reports[index][detector] =
            Report({committed: true, guilty: guilty, revealed: false, salt: salt, payout: 0});
    }

    function _reveal(uint256 index, address detector) internal {
        Ghost storage g = _requests[index];
        if (block.timestamp < g.revealFrom) VM.warp(g.revealFrom);
        Report storage report = _reports[index][detector];
        VM.prank(detector);
        MARKET.revealReport(index + 1, report.guilty, report.salt);
        report.revealed = true;
        g.revealed += 1;
        if (report.guilty) g.guilty += 1;
    }

    function _finalize(uint256 index) internal {
        Ghost storage g = _requests[index];
        _warpPast(g.resultIn ? g.verifyUntil : uint256(g.biddingDeadline) + g.maxDelayS);
        MARKET.finalize(index + 1);
        _settle(index, g);
        g.finalized = true;
        require(MARKET.getRequest(index + 1).slashed == g.slashed, "verdict differs from the reference");
    }

    function _claim(uint256 index, address detector) internal {
        Report storage report = _reports[index][detector];
        VM.prank(detector);
        MARKET.claimReward(index + 1);
        ghostHeld -= report.payout;
        _credit(detector, report.payout);
        report.payout = 0;
        _requests[index].unclaimedPayouts -= 1;
    }

    // ---------------------------------------------------------------- attacks: each must fail

    /// @notice One attack on a request in the phase it needs: a Sybil, the requester or the
    /// winner reporting, the requester bidding on its own request, a second claim, reclaim or
    /// finalize, a reveal that does not match its commitment, a second reveal, a commitment once
    /// reveals are open, an account scoring a node or pausing the market.
    function attack(uint256 kind, uint256 requestSeed, bytes32 salt) external {
        kind = kind % 11;
        uint256 count = _requests.length;
        require(count > 0, "no request");
        uint256 index = requestSeed % count;
        Ghost storage g = _requests[index];
        uint256 id = index + 1;
        address attacker;
        bytes memory call_;
        uint256 value = 0;
        if (kind == 0) {
            (attacker, call_, value) = (detectors[3], abi.encodeCall(MARKET.commitReport, (id, salt)), BOND);
        } else if (kind == 1) {
            (attacker, call_, value) = (g.requester, abi.encodeCall(MARKET.commitReport, (id, salt)), BOND);
        } else if (kind == 2) {
            require(g.closed && g.winner != address(0), "no winner yet");
            (attacker, call_, value) = (g.winner, abi.encodeCall(MARKET.commitReport, (id, salt)), BOND);
        } else if (kind == 3) {
            (attacker, call_, value) =
                (g.requester, abi.encodeCall(MARKET.placeBid, (id, 1, 1000)), g.minDeposit);
        } else if (kind == 4) {
            require(g.finalized, "not finalized");
            (attacker, call_) = (_anyDetectorClaimed(index, requestSeed), abi.encodeCall(MARKET.claimReward, (id)));
        } else if (kind == 5) {
            require(g.closed, "still bidding");
            (attacker, call_) = (_bidderWithoutDeposit(index, requestSeed), abi.encodeCall(MARKET.reclaimDeposit, (id)));
        } else if (kind == 6) {
            require(g.finalized, "not finalized");
            (attacker, call_) = (bidders[requestSeed % BIDDERS], abi.encodeCall(MARKET.finalize, (id)));
        } else if (kind == 7) {
            require(g.resultIn && !g.finalized, "not verifying");
            // A committed detector reveals the other verdict than it committed to.
            address detector = _anyCommitted(index, requestSeed);
            bool other = !_reports[index][detector].guilty;
            (attacker, call_) = (detector, abi.encodeCall(MARKET.revealReport, (id, other, salt)));
        } else if (kind == 8) {
            require(g.resultIn && block.timestamp >= g.revealFrom, "commit phase");
            (attacker, call_, value) = (detectors[requestSeed % 3], abi.encodeCall(MARKET.commitReport, (id, salt)), BOND);
        } else if (kind == 9) {
            // A detector that revealed reveals the same report again, to count twice.
            (bool found, uint256 open) = _find(requestSeed, _revealedInWindow);
            if (found) (index, id) = (open, open + 1);
            address detector = _anyRevealed(index, requestSeed);
            Report storage report = _reports[index][detector];
            (attacker, call_) = (detector, abi.encodeCall(MARKET.revealReport, (id, report.guilty, report.salt)));
        } else {
            // Anyone without a role: count an outcome of its own, or pause the market.
            attacker = requesters[2];
            call_ = requestSeed % 2 == 0
                ? abi.encodeCall(REPUTATION.recordOutcome, (bidders[0], requesters[0], 1, 1, 1, true))
                : abi.encodeCall(MARKET.pause, ());
            if (requestSeed % 2 == 0) return _expectFailure(attacker, address(REPUTATION), call_, 0);
        }
        _expectFailure(attacker, address(MARKET), call_, value);
    }

    // ---------------------------------------------------------------- the reference settlement

    /// @dev finalize as ICollaborationMarket promises it, from the handler's own records.
    function _settle(uint256 index, Ghost storage g) internal {
        bool slashed;
        if (!g.resultIn) {
            slashed = true; // no result by the deadline
        } else if (g.kind == POW) {
            slashed = g.revealed > 0 && !g.honest;
        } else {
            slashed = g.guilty >= QUORUM && 2 * g.guilty > g.revealed;
        }
        g.slashed = slashed;
        if (slashed) slashings += 1;
        else refunds += 1;
        if (slashed && _scored(index, g)) ghostMisbehaviours[g.winner] += 1;
        if (g.resultIn && g.honest && slashed) honestWinnersSlashed += 1;
        if (g.kind == POW && g.resultIn && !g.honest && g.revealed > 0 && !slashed) cheatersEscaped += 1;

        uint256 deposit = _deposits[index][g.winner];
        _deposits[index][g.winner] = 0;
        _winnerDeposits[index] = deposit;
        ghostHeld -= deposit + g.incentive + g.committed * BOND;
        uint256 rewardPerDetector = 0;
        if (slashed) {
            uint256 compensation = deposit * COMPENSATION_BPS / BPS;
            if (g.guilty > 0) rewardPerDetector = (deposit - compensation) / g.guilty;
            _credit(g.requester, g.incentive + deposit - rewardPerDetector * g.guilty);
        } else {
            _credit(g.winner, deposit + g.incentive);
        }
        if (g.committed == 0) return;
        uint256 side = slashed ? g.guilty : g.revealed - g.guilty;
        uint256 forfeited = (g.committed - side) * BOND;
        uint256 unshared = forfeited;
        uint256 payout = 0;
        if (side > 0) {
            payout = BOND + forfeited / side;
            unshared = forfeited % side;
        }
        _credit(slashed ? g.requester : g.winner, unshared);
        for (uint256 i = 0; i < DETECTORS; ++i) {
            Report storage report = _reports[index][detectors[i]];
            if (report.revealed && report.guilty == slashed) {
                report.payout = payout + (slashed ? rewardPerDetector : 0);
                ghostHeld += report.payout;
                g.unclaimedPayouts += 1;
            }
        }
    }

    // ---------------------------------------------------------------- finding a request

    function _find(
        uint256 seed,
        function(Ghost storage) internal view returns (bool) fits
    ) internal view returns (bool found, uint256 index) {
        uint256 count = _requests.length;
        // The newest 16 requests: older ones have mostly settled.
        uint256 window = count < 16 ? count : 16;
        for (uint256 i = 0; i < window; ++i) {
            index = count - 1 - (seed + i) % window;
            if (fits(_requests[index])) return (true, index);
        }
        return (false, 0);
    }

    function _biddable(Ghost storage g) internal view returns (bool) {
        return !g.closed && block.timestamp <= g.biddingDeadline;
    }

    function _open(Ghost storage g) internal view returns (bool) {
        return !g.closed;
    }

    function _closedWithLoser(Ghost storage g) internal view returns (bool) {
        return g.closed && g.losersWithDeposit > 0;
    }

    function _executing(Ghost storage g) internal view returns (bool) {
        return g.closed && !g.finalized && !g.resultIn
            && block.timestamp <= uint256(g.biddingDeadline) + g.maxDelayS;
    }

    function _executingOrVerifying(Ghost storage g) internal view returns (bool) {
        return g.closed && !g.finalized && REPUTATION.isRegistered(g.winner);
    }

    function _committing(Ghost storage g) internal view returns (bool) {
        return g.resultIn && !g.finalized && block.timestamp < g.revealFrom;
    }

    function _revealing(Ghost storage g) internal view returns (bool) {
        return g.resultIn && !g.finalized && block.timestamp <= g.verifyUntil
            && g.revealed < g.committed;
    }

    function _revealedInWindow(Ghost storage g) internal view returns (bool) {
        return g.revealed > 0 && !g.finalized && block.timestamp <= g.verifyUntil;
    }

    function _settleable(Ghost storage g) internal view returns (bool) {
        return g.closed && !g.finalized;
    }

    function _finalizedWithPayout(Ghost storage g) internal view returns (bool) {
        return g.finalized && g.unclaimedPayouts > 0;
    }

    // ---------------------------------------------------------------- finding an actor

    function _bidderNotYet(uint256 index, uint256 seed) internal view returns (address) {
        for (uint256 i = 0; i < BIDDERS; ++i) {
            address bidder = bidders[(seed + i) % BIDDERS];
            if (!_bid[index][bidder] && REPUTATION.isRegistered(bidder)) return bidder;
        }
        revert("every bidder has bid");
    }

    function _loserWithDeposit(uint256 index, uint256 seed) internal view returns (address) {
        address winner = _requests[index].winner;
        for (uint256 i = 0; i < BIDDERS; ++i) {
            address bidder = bidders[(seed + i) % BIDDERS];
            if (bidder != winner && _deposits[index][bidder] > 0) return bidder;
        }
        revert("no deposit to reclaim");
    }

    function _bidderWithoutDeposit(uint256 index, uint256 seed) internal view returns (address) {
        address winner = _requests[index].winner;
        for (uint256 i = 0; i < BIDDERS; ++i) {
            address bidder = bidders[(seed + i) % BIDDERS];
            // The winner may never reclaim; a loser only once.
            if (bidder == winner || _deposits[index][bidder] == 0) return bidder;
        }
        revert("every loser holds a deposit");
    }

    /// @dev A node detector (honest or colluder) that has not committed yet, or, with
    /// `committed`, one that has committed and not revealed.
    function _detectorWith(uint256 index, uint256 seed, bool committed) internal view returns (address) {
        for (uint256 i = 0; i < 3; ++i) {
            address detector = detectors[(seed + i) % 3];
            Report storage report = _reports[index][detector];
            if (committed ? report.committed && !report.revealed : !report.committed) return detector;
        }
        revert("no detector for that step");
    }

    function _detectorOwed(uint256 index, uint256 seed) internal view returns (address) {
        for (uint256 i = 0; i < 3; ++i) {
            address detector = detectors[(seed + i) % 3];
            if (_reports[index][detector].payout > 0) return detector;
        }
        revert("no payout owed");
    }

    function _anyDetectorClaimed(uint256 index, uint256 seed) internal view returns (address) {
        for (uint256 i = 0; i < DETECTORS; ++i) {
            address detector = detectors[(seed + i) % DETECTORS];
            if (_reports[index][detector].payout == 0) return detector; // claimed, or never owed
        }
        revert("every detector is still owed");
    }

    function _anyRevealed(uint256 index, uint256 seed) internal view returns (address) {
        for (uint256 i = 0; i < 3; ++i) {
            address detector = detectors[(seed + i) % 3];
            if (_reports[index][detector].revealed) return detector;
        }
        revert("nobody revealed");
    }

    function _anyCommitted(uint256 index, uint256 seed) internal view returns (address) {
        for (uint256 i = 0; i < 3; ++i) {
            address detector = detectors[(seed + i) % 3];
            if (_reports[index][detector].committed) return detector;
        }
        revert("nobody committed");
    }

    // ---------------------------------------------------------------- helpers

    /// @dev Honest detectors say what is true, the colluder always says "guilty".
    function _verdict(address detector, Ghost storage g) internal view returns (bool) {
        return detector == detectors[HONEST_DETECTORS] ? true : !g.honest;
    }

    /// @dev A proof-of-work nonce that solves the task (or does not); for quorum tasks the
    /// result is only a label: its rightness is what honest detectors report.
    function _result(Ghost storage g, bool honest) internal view returns (bytes32 nonce) {
        if (g.kind != POW) return keccak256(abi.encode(honest));
        ProofOfWorkVerifier pow = ProofOfWorkVerifier(address(verifiers[POW]));
        // Bounded: a 4-bit puzzle is solved (or missed) within a few dozen tries.
        for (uint256 i = 0; i < 1024; ++i) {
            nonce = bytes32(i);
            if (pow.solves(g.task, nonce) == honest) return nonce;
        }
        revert("no nonce found");
    }

    function _commitment(uint256 index, address detector, bool guilty, bytes32 salt) internal pure returns (bytes32) {
        return keccak256(abi.encode(index + 1, detector, guilty, salt));
    }

    /// @dev Only requests at the scored stakes count in a node's record.
    function _scored(uint256 index, Ghost storage g) internal view returns (bool) {
        uint256 deposit = g.finalized ? _winnerDeposits[index] : _deposits[index][g.winner];
        return g.incentive >= MIN_SCORED_INCENTIVE && deposit >= MIN_SCORED_DEPOSIT;
    }

    function _misbehaviourPpm(address node) internal view returns (uint256) {
        uint256 allocated = ghostAllocated[node];
        return allocated == 0 ? 0 : ghostMisbehaviours[node] * 1e6 / allocated;
    }

    function _credit(address actor, uint256 amount) internal {
        ghostCredit[actor] += amount;
    }

    function _warpPast(uint256 time) internal {
        if (block.timestamp <= time) VM.warp(time + 1);
    }

    function _expectFailure(address attacker, address target, bytes memory call_, uint256 value) internal {
        VM.prank(attacker);
        (bool succeeded,) = target.call{value: value}(call_);
        if (succeeded) breaches += 1;
    }

    function _actor(string memory role, uint256 i) internal returns (address actor) {
        actor = VM.addr(uint256(keccak256(abi.encode(role, i))));
        VM.deal(actor, 1e30);
        VM.label(actor, string.concat(role, " ", _digit(i)));
    }

    function _bound(uint256 x, uint256 low, uint256 high) internal pure returns (uint256) {
        return low + x % (high - low + 1);
    }

    function _digit(uint256 i) internal pure returns (string memory) {
        return string(abi.encodePacked(bytes1(uint8(48 + i % 10))));
    }
}
