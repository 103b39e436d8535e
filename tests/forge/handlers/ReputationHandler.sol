// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReputationManager} from "../../../contracts/ReputationManager.sol";
import {VM} from "../Vm.sol";
import {ScoreReference} from "./ScoreReference.sol";

/// @title The reputation manager's actors, driven by forge, with the scores of a reference
/// @notice The handler deploys the reputation manager, so it is the admin and the agent; two
/// reporters hold REPORTER_ROLE and one address plays the registry or market
/// (OUTCOME_SOURCE_ROLE). Its reference recomputes every score from the handler's own inputs,
/// with the paper's formula and the per-period influence bound as IReputationManager states
/// them (ScoreReference). Attacks are steps too: each must revert; one that goes through is a breach.
contract ReputationHandler {
    using ScoreReference for ScoreReference.Book;

    uint256 internal constant NODES = 12;
    uint256 internal constant REPORTERS = 2;
    uint256 internal constant WEIGHT = 300;
    uint256 internal constant INITIAL = 500;
    uint256 internal constant RESET = 500;
    int256 internal constant MAX_INFLUENCE = 200;
    uint256 internal constant PERIOD_S = 3600;

    ReputationManager public immutable REPUTATION;
    address public immutable SOURCE; // the registry or the market
    address public immutable OUTSIDER; // holds no role

    address[NODES] public nodes;
    address[REPORTERS] public reporters;

    enum Membership {
        None,
        Active,
        Unregistered
    }

    // ---------------------------------------------------------------- the reference

    mapping(address node => Membership) public ghostMembership;
    mapping(address node => uint256) public ghostIndex;
    ScoreReference.Book internal _scores;
    uint256 public ghostRegistered;
    uint256 public ghostActive;
    mapping(address reporter => uint256) internal _lastTaskId;
    uint256 public breaches;

    constructor() {
        REPUTATION = new ReputationManager(
            uint16(WEIGHT), uint16(INITIAL), uint16(RESET), uint16(uint256(MAX_INFLUENCE)), uint32(PERIOD_S), 0
        );
        _scores.start(WEIGHT, MAX_INFLUENCE, PERIOD_S);
        SOURCE = VM.addr(uint256(keccak256("outcome source")));
        OUTSIDER = VM.addr(uint256(keccak256("outsider")));
        REPUTATION.grantRole(REPUTATION.OUTCOME_SOURCE_ROLE(), SOURCE);
        for (uint256 i = 0; i < REPORTERS; ++i) {
            reporters[i] = VM.addr(uint256(keccak256(abi.encode("reporter", i))));
            REPUTATION.grantRole(REPUTATION.REPORTER_ROLE(), reporters[i]);
        }
        for (uint256 i = 0; i < NODES; ++i) {
            nodes[i] = VM.addr(uint256(keccak256(abi.encode("node", i))));
        }
    }

    function nodeList() external view returns (address[NODES] memory) {
        return nodes;
    }

    // ---------------------------------------------------------------- honest steps

    function register(uint256 seed) external {
        address node = _nodeWith(seed, Membership.Active, false);
        REPUTATION.registerNode(node);
        _admitted(node);
    }

    /// @notice The agent admits one to three nodes that are not active in one batch.
    function registerMany(uint256 seed, uint256 size) external {
        uint256 wanted = 1 + size % 3;
        address[] memory found = new address[](NODES);
        uint256 count = 0;
        for (uint256 i = 0; i < NODES && count < wanted; ++i) {
            address node = nodes[(seed + i) % NODES];
            if (ghostMembership[node] != Membership.Active) found[count++] = node;
        }
        require(count > 0, "no such node");
        address[] memory batch = new address[](count);
        for (uint256 i = 0; i < count; ++i) {
            batch[i] = found[i];
        }
        REPUTATION.registerNodes(batch);
        for (uint256 i = 0; i < count; ++i) {
            _admitted(batch[i]);
        }
    }

    /// @dev The reference's side of an admission: a new node gets the next index and the initial
    /// score, a returning one keeps both.
    function _admitted(address node) internal {
        if (ghostMembership[node] == Membership.None) {
            ghostIndex[node] = ghostRegistered++;
            _scores.score[node] = INITIAL;
        }
        ghostMembership[node] = Membership.Active;
        ghostActive += 1;
    }

    /// @notice A node leaves by itself, or the agent removes it.
    function unregister(uint256 seed, bool itself) external {
        address node = _nodeWith(seed, Membership.Active, true);
        if (itself) VM.prank(node);
        REPUTATION.unregisterNode(node);
        ghostMembership[node] = Membership.Unregistered;
        ghostActive -= 1;
    }

    /// @notice A reporter's batch of up to 8 reports on nodes ever registered (task ids rise).
    function report(uint256 reporterSeed, uint256[8] calldata seeds, uint256 size) external {
        require(ghostRegistered > 0, "no node");
        address reporter = reporters[reporterSeed % REPORTERS];
        size = 1 + size % 8;
        uint256[] memory batch = new uint256[](size);
        uint256 taskId = _lastTaskId[reporter];
        for (uint256 i = 0; i < size; ++i) {
            taskId += 1 + seeds[i] % 3;
            (uint32 execution, uint32 constraint, bool succeeded) = _outcome(seeds[i]);
            uint256 index = (seeds[i] >> 64) % ghostRegistered;
            batch[i] = REPUTATION.packReport(uint32(index), uint64(taskId), execution, constraint, succeeded);
        }
        VM.prank(reporter);
        REPUTATION.updateNodeReputation(batch);
        _lastTaskId[reporter] = taskId;
        for (uint256 i = 0; i < size; ++i) {
            (uint32 execution, uint32 constraint, bool succeeded) = _outcome(seeds[i]);
            address node = _nodeAt((seeds[i] >> 64) % ghostRegistered);
            _scores.count(reporter, node, execution, constraint, succeeded);
        }
    }

    /// @notice The registry or market counts one outcome it closed, on behalf of a party.
    function outcome(uint256 nodeSeed, uint256 partySeed, uint256 outcomeSeed) external {
        address node = nodes[nodeSeed % NODES];
        // A node's own deals and an outsider's are ignored; the seed picks them sometimes.
        address party = partySeed % 8 == 0 ? OUTSIDER : nodes[partySeed % NODES];
        (uint32 execution, uint32 constraint, bool succeeded) = _outcome(outcomeSeed);
        VM.prank(SOURCE);
        REPUTATION.recordOutcome(node, party, outcomeSeed >> 160, execution, constraint, succeeded);
        bool ignored = ghostMembership[node] == Membership.None || party == node
            || ghostMembership[party] != Membership.Active;
        if (!ignored) _scores.count(party, node, execution, constraint, succeeded);
    }

    function reset(uint256 seed) external {
        address node = _nodeWith(seed, Membership.None, false);
        REPUTATION.resetReputation(node);
        _scores.score[node] = RESET;
    }

    function wait(uint256 seconds_) external {
        VM.warp(block.timestamp + 1 + seconds_ % (2 * PERIOD_S));
    }

    // ---------------------------------------------------------------- attacks: each must fail

    /// @notice Roles and the report rules: an outsider reports, registers (one node or a batch),
    /// resets, counts an outcome or removes a node; the agent names a node twice in one batch; a
    /// reporter repeats a task id, names a node never registered, sends a zero time constraint,
    /// an empty or an oversized batch.
    function attack(uint256 kind, uint256 seed) external {
        kind = kind % 11;
        address attacker = OUTSIDER;
        bytes memory call_;
        uint256[] memory batch = new uint256[](1);
        address reporter = reporters[seed % REPORTERS];
        uint256 last = _lastTaskId[reporter];
        if (kind == 0) {
            batch[0] = REPUTATION.packReport(0, uint64(last + 1), 0, 10, true);
            call_ = abi.encodeCall(REPUTATION.updateNodeReputation, (batch));
        } else if (kind == 1) {
            call_ = abi.encodeCall(REPUTATION.registerNode, (OUTSIDER));
        } else if (kind == 2) {
            call_ = abi.encodeCall(REPUTATION.resetReputation, (nodes[seed % NODES]));
        } else if (kind == 3) {
            call_ = abi.encodeCall(REPUTATION.recordOutcome, (nodes[seed % NODES], nodes[0], 1, 0, 10, true));
        } else if (kind == 4) {
            call_ = abi.encodeCall(REPUTATION.unregisterNode, (nodes[seed % NODES]));
        } else if (kind == 9) {
            address[] memory outsiders = new address[](1);
            outsiders[0] = OUTSIDER;
            call_ = abi.encodeCall(REPUTATION.registerNodes, (outsiders));
        } else if (kind == 10) {
            // The agent itself names one node twice in a batch: a second index, or a second
            // active count, would be a breach.
            attacker = address(this);
            address[] memory twice = new address[](2);
            (twice[0], twice[1]) = (nodes[seed % NODES], nodes[seed % NODES]);
            call_ = abi.encodeCall(REPUTATION.registerNodes, (twice));
        } else {
            attacker = reporter;
            uint256 taskId = last + 1;
            uint32 index = 0;
            uint32 constraint = 10;
            if (kind == 5) taskId = last; // already counted (or zero)
            if (kind == 6) index = uint32(ghostRegistered); // never registered
            if (kind == 7) constraint = 0;
            batch[0] = REPUTATION.packReport(index, uint64(taskId), 0, constraint, true);
            if (kind == 8) batch = new uint256[](seed % 2 == 0 ? 0 : 257);
            call_ = abi.encodeCall(REPUTATION.updateNodeReputation, (batch));
        }
        VM.prank(attacker);
        (bool succeeded,) = address(REPUTATION).call(call_);
        if (succeeded) breaches += 1;
    }

    // ---------------------------------------------------------------- the reference

    function ghostScore(address node) external view returns (uint256) {
        return _scores.score[node];
    }

    /// @notice Outcomes that moved a score, and those the bound cut short.
    function counted() external view returns (uint256 moved, uint256 bounded) {
        return (_scores.moved, _scores.bounded);
    }

    /// @dev Execution and constraint times (the constraint never zero) and success, from a seed.
    function _outcome(uint256 seed) internal pure returns (uint32 execution, uint32 constraint, bool succeeded) {
        constraint = uint32(1 + (seed >> 8) % 1000);
        execution = uint32((seed >> 24) % 1200);
        succeeded = (seed >> 40) % 4 != 0;
    }

    /// @dev A node whose membership is (`equal`) or is not (!`equal`) `membership`.
    function _nodeWith(uint256 seed, Membership membership, bool equal) internal view returns (address) {
        for (uint256 i = 0; i < NODES; ++i) {
            address node = nodes[(seed + i) % NODES];
            if ((ghostMembership[node] == membership) == equal) return node;
        }
        revert("no such node");
    }

    function _nodeAt(uint256 index) internal view returns (address) {
        for (uint256 i = 0; i < NODES; ++i) {
            if (ghostMembership[nodes[i]] != Membership.None && ghostIndex[nodes[i]] == index) return nodes[i];
        }
        revert("no node at that index");
    }
}
