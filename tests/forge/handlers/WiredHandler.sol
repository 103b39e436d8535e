// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CollaborationMarket} from "../../../contracts/CollaborationMarket.sol";
import {DroneMecRegistry} from "../../../contracts/DroneMecRegistry.sol";
import {ReputationManager} from "../../../contracts/ReputationManager.sol";
import {DelayAwarePolicy} from "../../../contracts/policies/DelayAwarePolicy.sol";
import {MaxCapacityPolicy} from "../../../contracts/policies/MaxCapacityPolicy.sol";
import {NearestPolicy} from "../../../contracts/policies/NearestPolicy.sol";
import {RandomPolicy} from "../../../contracts/policies/RandomPolicy.sol";
import {ReputationAwarePolicy} from "../../../contracts/policies/ReputationAwarePolicy.sol";
import {ProofOfWorkVerifier} from "../../../contracts/verifiers/ProofOfWorkVerifier.sol";
import {ICollaborationMarket} from "../../../interfaces/ICollaborationMarket.sol";
import {IOffloadingPolicy} from "../../../interfaces/IOffloadingPolicy.sol";
import {IReputationManager} from "../../../interfaces/IReputationManager.sol";
import {IResultVerifier} from "../../../interfaces/IResultVerifier.sol";
import {VM} from "../Vm.sol";
import {ScoreReference} from "./ScoreReference.sol";

/// @title The wired deployment (deploy_all's wiring), driven by forge: one identity, three systems
/// @notice The handler deploys and wires what `deploy_all` deploys: one reputation manager that
/// the DMEC registry and the collaboration market report outcomes to (OUTCOME_SOURCE_ROLE) and
/// a FRESCO client reports measurements to (REPORTER_ROLE); the registry's reputation-aware
/// policy and the market's minimum bid score read it. The same four nodes are MEC servers
/// and market bidders, so an outcome in one system decides what a node may do in the other:
/// scores from DMEC tasks and FRESCO reports let a node bid or shut it out, a slashing in the
/// market steers DMEC tasks away from it. Every step is a whole exchange (a task answered or
/// abandoned, a market round settled and paid out, a FRESCO report), so after each one the
/// handler's own records from its own inputs say what every score and every balance must be:
/// - one ScoreReference book for the three sources (each with its own party: the server
///   that authorized the relaying drone, the requester, the FRESCO reporter);
/// - every actor's wei gained or lost in the market (the settlement rules of ICollaborationMarket).
contract WiredHandler {
    using ScoreReference for ScoreReference.Book;

    uint256 internal constant NODES = 4; // MEC servers and bidders
    uint256 internal constant DRONES = 2; // authorized by nodes 0 and 1, one device each
    uint32 internal constant TIMEOUT_S = 60;
    uint16 internal constant MIN_TRUSTED = 400; // the policy's trust and the market's bid bar
    uint8 internal constant REPUTATION_AWARE = 5;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant COMPENSATION_BPS = 5_000;
    uint96 internal constant BOND = 1e17;
    uint256 internal constant MIN_SCORED_INCENTIVE = 1e16;
    uint256 internal constant MIN_SCORED_DEPOSIT = 1e17;
    uint32 internal constant MAX_DELAY_S = 120;
    uint32 internal constant WINDOW_S = 24;

    ReputationManager public immutable REPUTATION;
    DroneMecRegistry public immutable REGISTRY;
    CollaborationMarket public immutable MARKET;
    ProofOfWorkVerifier public immutable PROOF_OF_WORK;

    address[NODES] public nodes;
    int32[NODES] internal _serverX; // servers on a line, at y = 0
    address[DRONES] public drones;
    address[DRONES] public devices;
    int32[DRONES] internal _droneX;
    address public immutable REQUESTER; // a node, not a server: its outcomes count
    address public immutable DETECTOR; // a node that reports what it sees
    address public immutable REPORTER; // the FRESCO client

    ScoreReference.Book internal _scores;
    mapping(address node => uint256) internal _won; // the market's m and n of each node
    mapping(address node => uint256) internal _slashed;
    uint64 internal _lastReport;
    mapping(address actor => int256) public ghostNet; // wei gained (or lost), by the rules
    mapping(address actor => uint256) internal _sent; // wei each actor sent the market
    mapping(address actor => uint256) internal _received; // and got back, measured at withdraw
    uint256 public paidIn;
    uint256 public withdrawn;

    /// @notice Attacks that went through and tasks placed elsewhere than the policy's choice.
    uint256 public breaches;
    uint256 public wrongChoices;
    /// @notice How often each source moved a score, and rounds by outcome: a campaign where
    /// one of them never happens tests less than it says.
    uint256 public dmecOutcomes;
    uint256 public marketOutcomes;
    uint256 public frescoOutcomes;
    uint256 public slashings;
    uint256 public refusedBids; // nodes under MIN_TRUSTED refused by the market

    constructor() {
        REPUTATION = new ReputationManager(300, 500, 500, 500, 86_400, 0);
        _scores.start(300, 500, 86_400);
        IOffloadingPolicy nearest = new NearestPolicy();
        IOffloadingPolicy[4] memory builtIn =
            [IOffloadingPolicy(new RandomPolicy()), nearest, new MaxCapacityPolicy(), new DelayAwarePolicy(2_500)];
        REGISTRY = new DroneMecRegistry(TIMEOUT_S, builtIn, IReputationManager(address(REPUTATION)), 0);
        REGISTRY.registerPolicy(
            new ReputationAwarePolicy(IReputationManager(address(REPUTATION)), nearest, MIN_TRUSTED)
        );
        MARKET = new CollaborationMarket(
            ICollaborationMarket.MarketParameters({
                compensationBps: uint16(COMPENSATION_BPS),
                reputation: IReputationManager(address(REPUTATION)),
                minBidScore: MIN_TRUSTED,
                detectorBond: BOND,
                minScoredIncentive: uint96(MIN_SCORED_INCENTIVE),
                minScoredDeposit: uint96(MIN_SCORED_DEPOSIT),
                minWindowS: WINDOW_S,
                maxTermS: 30 days,
                adminDelayS: 0
            })
        );
        // A 4-bit puzzle (deploy_all: 12) keeps a step's nonce search short.
        PROOF_OF_WORK = new ProofOfWorkVerifier(4);
        MARKET.listVerifier(PROOF_OF_WORK);
        REPUTATION.grantRole(REPUTATION.OUTCOME_SOURCE_ROLE(), address(REGISTRY));
        REPUTATION.grantRole(REPUTATION.OUTCOME_SOURCE_ROLE(), address(MARKET));
        REPORTER = _actor("fresco reporter", 0);
        REPUTATION.grantRole(REPUTATION.REPORTER_ROLE(), REPORTER);

        for (uint256 i = 0; i < NODES; ++i) {
            nodes[i] = _node("node", i);
            _serverX[i] = int32(int256(i) * 1_000);
            REGISTRY.registerServer(nodes[i], _serverX[i], 0, 100);
        }
        REQUESTER = _node("requester", 0);
        DETECTOR = _node("detector", 0);
        for (uint256 i = 0; i < DRONES; ++i) {
            drones[i] = _actor("drone", i);
            devices[i] = _actor("device", i);
            _droneX[i] = int32(int256(i) * 3_000);
            VM.prank(nodes[i]);
            REGISTRY.registerDrone(drones[i], _droneX[i], 0);
            VM.startPrank(drones[i]);
            REGISTRY.registerDevice(devices[i]);
            REGISTRY.addOffloadingPolicy(devices[i], REPUTATION_AWARE);
            VM.stopPrank();
        }
    }

    // ---------------------------------------------------------------- steps

    /// @notice A device's task through its drone: the registry places it by reputation (the
    /// combined score of all three systems), then the server answers within the timeout, or
    /// the hub abandons it after the timeout (a failure). Another server's answer is refused.
    function dmecTask(uint256 deviceSeed, uint8 failure, uint256 delayS) external {
        uint256 d = deviceSeed % DRONES;
        bool answered = failure % 6 != 0; // one task in six fails
        address expected = _choice(_droneX[d]);
        VM.prank(drones[d]);
        uint256 taskId = REGISTRY.submitTask(devices[d], 100, 100, 1);
        address server = REGISTRY.getTaskInfo(taskId).server;
        if (server != expected) wrongChoices += 1;
        address other = server == nodes[0] ? nodes[1] : nodes[0];
        _expectFailure(other, address(REGISTRY), abi.encodeCall(REGISTRY.submitResult, (taskId, bytes32(0))), 0);

        // Most answers come well within the timeout (scores then hover above the trust bar).
        uint32 elapsed = uint32(answered ? _bound(delayS, 0, TIMEOUT_S / 2) : TIMEOUT_S + _bound(delayS, 0, 60));
        VM.warp(block.timestamp + elapsed);
        if (answered) {
            VM.prank(server);
            REGISTRY.submitResult(taskId, keccak256(abi.encode(taskId)));
        } else {
            VM.prank(drones[d]);
            REGISTRY.abandonTask(taskId);
        }
        // The party is the server that authorized the drone; a server's own drone counts nothing.
        if (server != nodes[d]) {
            _scores.count(nodes[d], server, elapsed, TIMEOUT_S, answered);
            dmecOutcomes += 1;
        }
    }

    /// @notice A whole BlockEdge round at the scored stakes: the requester posts a proof-of-work
    /// task, a node under the minimum score is refused, a node at or above it bids and wins,
    /// answers honestly or cheats, the detector exposes a cheat (commit, then reveal), the
    /// round is finalized, the detector claims, and everyone withdraws.
    function marketRound(uint256 bidderSeed, uint8 cheat, uint256 incentiveSeed, uint256 depositSeed, uint256 delayS)
        external
    {
        bool cheats = cheat % 6 == 0; // one winner in six cheats
        address winner = address(0);
        for (uint256 i = 0; i < NODES; ++i) {
            address node = nodes[(bidderSeed + i) % NODES];
            // The market ranks a node that misbehaved in every round it won at 0: nobody wins.
            bool everRight = _slashed[node] < _won[node] || _won[node] == 0;
            if (_scores.score[node] >= MIN_TRUSTED && everRight) {
                winner = node;
                break;
            }
        }
        require(winner != address(0), "no node may win");
        uint256 incentive = _bound(incentiveSeed, MIN_SCORED_INCENTIVE, 1 ether);
        // A bid stakes at least the incentive.
        uint256 minDeposit = incentive > MIN_SCORED_DEPOSIT ? incentive : MIN_SCORED_DEPOSIT;
        uint256 deposit = minDeposit + _bound(depositSeed, 0, 1 ether);
        bytes32 task = keccak256(abi.encode("task", block.timestamp, bidderSeed));
        uint40 biddingDeadline = uint40(block.timestamp + 30);

        _fund(REQUESTER, incentive);
        VM.prank(REQUESTER);
        uint256 id = MARKET.postRequest{value: incentive}(
            ICollaborationMarket.RequestTerms({
                task: task,
                verifier: IResultVerifier(address(PROOF_OF_WORK)),
                biddingDeadline: biddingDeadline,
                maxDelayS: MAX_DELAY_S,
                verificationWindowS: WINDOW_S,
                minDeposit: uint96(minDeposit),
                maxMisbehaviourPpm: 1_000_000
            })
        );
        _paid(REQUESTER, incentive);
        _lowScoreBidIsRefused(id, minDeposit);
        _fund(winner, deposit);
        VM.prank(winner);
        MARKET.placeBid{value: deposit}(id, 1, 1_000);
        _paid(winner, deposit);
        VM.warp(uint256(biddingDeadline) + 1);
        MARKET.closeBidding(id);

        VM.warp(block.timestamp + _bound(delayS, 0, MAX_DELAY_S / 2));
        uint32 delay = uint32(block.timestamp - biddingDeadline);
        bytes32 result = _nonce(task, !cheats); // before the prank: the search calls out
        VM.prank(winner);
        MARKET.submitResult(id, result);
        bytes32 salt = keccak256(abi.encode(id));
        if (cheats) {
            _fund(DETECTOR, BOND);
            VM.prank(DETECTOR);
            MARKET.commitReport{value: BOND}(id, keccak256(abi.encode(id, DETECTOR, true, salt)));
            _paid(DETECTOR, BOND);
            VM.warp(block.timestamp + WINDOW_S / 2);
            VM.prank(DETECTOR);
            MARKET.revealReport(id, true, salt);
        }
        VM.warp(block.timestamp + WINDOW_S + 1);
        MARKET.finalize(id);
        require(MARKET.getRequest(id).slashed == cheats, "verdict differs from the result");

        if (cheats) {
            // The requester gets its incentive back and the compensation; the one detector the
            // rest of the deposit and its bond.
            uint256 compensation = deposit * COMPENSATION_BPS / BPS;
            ghostNet[REQUESTER] += int256(incentive + compensation);
            ghostNet[DETECTOR] += int256(BOND + deposit - compensation);
            VM.prank(DETECTOR);
            MARKET.claimReward(id);
            slashings += 1;
        } else {
            ghostNet[winner] += int256(deposit + incentive);
        }
        _won[winner] += 1;
        if (cheats) _slashed[winner] += 1;
        // A slashed winner fails whatever its delay; the requester vouches.
        _scores.count(REQUESTER, winner, cheats ? MAX_DELAY_S : delay, MAX_DELAY_S, !cheats);
        marketOutcomes += 1;
        _withdraw(REQUESTER);
        _withdraw(winner);
        _withdraw(DETECTOR);
    }

    /// @notice One FRESCO measurement of a node, from the client's reporter.
    function frescoReport(uint256 nodeSeed, uint32 execution, uint32 constraint, uint8 failure) external {
        address node = nodes[nodeSeed % NODES];
        bool succeeded = failure % 6 != 0; // one task in six fails
        constraint = uint32(_bound(constraint, 1, 1_000_000));
        // Mostly in time, some late (a late success brings no incentive).
        execution = uint32(_bound(execution, 0, uint256(constraint) * 9 / 8));
        uint256[] memory batch = new uint256[](1);
        batch[0] = REPUTATION.packReport(REPUTATION.getNodeIndex(node), ++_lastReport, execution, constraint, succeeded);
        VM.prank(REPORTER);
        REPUTATION.updateNodeReputation(batch);
        _scores.count(REPORTER, node, execution, constraint, succeeded);
        frescoOutcomes += 1;
    }

    /// @notice A drone flies elsewhere on the servers' line: the nearest trusted server changes.
    function moveDrone(uint256 droneSeed, int32 x) external {
        uint256 d = droneSeed % DRONES;
        x = int32(int256(_bound(uint256(int256(x) + 2 ** 31), 0, 4_000)) - 500);
        VM.prank(drones[d]);
        REGISTRY.updateDronePosition(x, 0);
        _droneX[d] = x;
    }

    /// @notice Time passes, across influence periods too (one a day).
    function wait(uint256 seconds_) external {
        VM.warp(block.timestamp + _bound(seconds_, 1, 12 hours));
    }

    /// @notice Who holds one role acts with another's: a reporter or a node records an outcome
    /// directly, a node reports measurements, the requester moves a score through the registry.
    function attack(uint256 kind, uint256 nodeSeed) external {
        address node = nodes[nodeSeed % NODES];
        bytes memory recordOutcome = abi.encodeCall(REPUTATION.recordOutcome, (node, REQUESTER, 1, 0, 1, true));
        uint256[] memory batch = new uint256[](1);
        batch[0] = REPUTATION.packReport(REPUTATION.getNodeIndex(node), type(uint64).max, 0, 1, true);
        kind %= 4;
        if (kind == 0) _expectFailure(REPORTER, address(REPUTATION), recordOutcome, 0);
        if (kind == 1) _expectFailure(nodes[(nodeSeed + 1) % NODES], address(REPUTATION), recordOutcome, 0);
        if (kind == 2) _expectFailure(node, address(REPUTATION), abi.encodeCall(REPUTATION.updateNodeReputation, (batch)), 0);
        if (kind == 3) _expectFailure(REQUESTER, address(REGISTRY), abi.encodeCall(REGISTRY.registerServer, (REQUESTER, 0, 0, 1)), 0);
    }

    // ---------------------------------------------------------------- views for the invariants

    function ghostScore(address node) external view returns (uint256) {
        return _scores.score[node];
    }

    /// @notice The market's actors: the four nodes, the requester, the detector.
    function actors() external view returns (address[] memory list) {
        list = new address[](NODES + 2);
        for (uint256 i = 0; i < NODES; ++i) list[i] = nodes[i];
        (list[NODES], list[NODES + 1]) = (REQUESTER, DETECTOR);
    }

    /// @notice Wei the actor gained in the market so far (negative: lost), as measured.
    function netOf(address actor) external view returns (int256) {
        return int256(_received[actor]) - int256(_sent[actor]);
    }

    // ---------------------------------------------------------------- internal

    /// @dev ReputationAware over Nearest, as the reference chooses: the trusted servers
    /// (book score >= MIN_TRUSTED), nearest first; none trusted: the best score. Candidates in
    /// the registry's order (newest first), ties to the earlier.
    function _choice(int32 droneX) internal view returns (address best) {
        address top = nodes[NODES - 1];
        uint256 closest = type(uint256).max;
        for (uint256 i = NODES; i > 0; --i) {
            address server = nodes[i - 1];
            if (_scores.score[server] > _scores.score[top]) top = server;
            if (_scores.score[server] < MIN_TRUSTED) continue;
            int256 dx = int256(_serverX[i - 1]) - droneX;
            if (uint256(dx * dx) < closest) (best, closest) = (server, uint256(dx * dx));
        }
        if (best == address(0)) best = top;
    }

    /// @dev The first node under the bar tries to bid: the market must refuse it for its score.
    function _lowScoreBidIsRefused(uint256 id, uint256 minDeposit) internal {
        for (uint256 i = 0; i < NODES; ++i) {
            if (_scores.score[nodes[i]] >= MIN_TRUSTED) continue;
            _fund(nodes[i], minDeposit);
            VM.prank(nodes[i]);
            (bool succeeded, bytes memory error) =
                address(MARKET).call{value: minDeposit}(abi.encodeCall(MARKET.placeBid, (id, 1, 1_000)));
            if (succeeded || bytes4(error) != ICollaborationMarket.ReputationTooLow.selector) breaches += 1;
            refusedBids += 1;
            return;
        }
    }

    /// @dev A proof-of-work nonce that solves the task, or one that does not.
    function _nonce(bytes32 task, bool solving) internal view returns (bytes32 nonce) {
        // Bounded: a 4-bit puzzle is solved (or missed) within a few dozen tries.
        for (uint256 i = 0; i < 1024; ++i) {
            nonce = bytes32(i);
            if (PROOF_OF_WORK.solves(task, nonce) == solving) return nonce;
        }
        revert("no nonce found");
    }

    /// @dev An actor's ether is not the handler's to keep: campaigns ran actors dry (forge sends
    /// its calls from addresses it has seen, the actors' among them), so a payment tops the
    /// payer up first. What the invariant measures is what the market took and paid back.
    function _fund(address actor, uint256 amount) internal {
        if (actor.balance < amount) VM.deal(actor, amount);
    }

    function _paid(address actor, uint256 amount) internal {
        paidIn += amount;
        _sent[actor] += amount;
        ghostNet[actor] -= int256(amount);
    }

    function _withdraw(address actor) internal {
        if (MARKET.creditOf(actor) == 0) return;
        uint256 before = actor.balance;
        VM.prank(actor);
        MARKET.withdraw();
        withdrawn += actor.balance - before;
        _received[actor] += actor.balance - before;
    }

    function _expectFailure(address attacker, address target, bytes memory call_, uint256 value) internal {
        VM.prank(attacker);
        (bool succeeded,) = target.call{value: value}(call_);
        if (succeeded) breaches += 1;
    }

    function _node(string memory role, uint256 i) internal returns (address node) {
        node = _actor(role, i);
        REPUTATION.registerNode(node);
        _scores.score[node] = 500;
    }

    function _actor(string memory role, uint256 i) internal returns (address actor) {
        actor = VM.addr(uint256(keccak256(abi.encode("wired", role, i))));
        VM.label(actor, role);
    }

    function _bound(uint256 x, uint256 low, uint256 high) internal pure returns (uint256) {
        return low + x % (high - low + 1);
    }
}
