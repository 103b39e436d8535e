// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IReputationManager} from "../interfaces/IReputationManager.sol";
import {PackedReport, PackedReportLib} from "./libraries/PackedReport.sol";

/// @title FRESCO reputation manager
/// @notice See IReputationManager for the formulas, the scale and the rounding.
/// @dev Storage is laid out for the report path, which runs for every offloaded task:
/// - scores are 16-bit entries, 16 to a word, addressed by the node's registration index, so
///   a batch about nodes registered near each other rewrites one word, not one slot a node;
/// - an entry holds (score - INITIAL_SCORE) mod 2^16, so a word nobody wrote means "every
///   node in it has the initial score": registration does not write scores at all, and a
///   report needs nothing but the entry;
/// - a party's influence (its net change to each node's score this period) lies in words of
///   the same shape, 16 signed entries each, one word per (party, period, score word): a batch
///   about nearby nodes rewrites one more word, and a new period starts from zero without a
///   write;
/// - reports name nodes by index, so the path reads no per-node record (2,100 gas each);
/// - each node has one record slot (list link, index, membership) for the address views;
/// - duplicate reports are refused by one high-water mark per reporter (task ids rise
///   strictly), not by a slot per task, which would cost 22,100 gas a report;
/// - the batch event carries the reports as sent; the scores follow from them.
contract ReputationManager is IReputationManager, AccessControlDefaultAdminRules {
    // ---------------------------------------------------------------- types

    /// @dev One slot. Nodes form a singly linked list, newest first, that keeps unregistered
    /// nodes too (so an index is never reused and unregistering costs no list walk).
    struct NodeRecord {
        address next; // the node registered before this one; zero for the first
        uint32 index; // registration order, from 0: where the node's score entry lives
        Membership membership;
    }

    /// @dev One slot: the newest node, how many were ever registered, how many are active.
    struct NodeList {
        address head;
        uint32 registered; // also the next index
        uint32 active;
    }

    // ---------------------------------------------------------------- constants

    /// @notice May register and remove nodes: the agent, as in the DMEC registry.
    bytes32 public constant AGENT_ROLE = keccak256("AGENT_ROLE");
    /// @notice May report measured task outcomes in batches (task ids rising).
    bytes32 public constant REPORTER_ROLE = keccak256("REPORTER_ROLE");
    /// @notice May count single outcomes it closed itself (`recordOutcome`): deployment grants
    /// it to the DMEC registry and the collaboration market, never to an account.
    bytes32 public constant OUTCOME_SOURCE_ROLE = keccak256("OUTCOME_SOURCE_ROLE");
    /// @notice Fixed-point one: scores and incentives are in [0, SCALE].
    uint16 public constant SCALE = 1000;
    /// @notice Bound on nodes ever registered: the views walk them all.
    uint256 public constant MAX_NODES = 4096;
    /// @notice Bound on reports in one `updateNodeReputation` call.
    uint256 public constant MAX_BATCH = 256;
    uint256 private constant _ENTRY_MASK = 0xffff;

    /// @notice w on the SCALE: the weight of a new incentive (300 = 0.3).
    uint16 public immutable WEIGHT;
    /// @notice Score of a newly registered node (500 = 0.5).
    uint16 public immutable INITIAL_SCORE;
    /// @notice Score after `resetReputation` (500 = 0.5).
    uint16 public immutable RESET_SCORE;
    /// @inheritdoc IReputationManager
    uint16 public immutable MAX_INFLUENCE;
    /// @inheritdoc IReputationManager
    uint32 public immutable INFLUENCE_PERIOD_S;
    /// @dev Periods are counted from here, so a period starts at deployment, not midnight.
    uint256 private immutable _DEPLOYED_AT;

    // ---------------------------------------------------------------- storage

    NodeList private _nodeList;
    mapping(address node => NodeRecord) private _nodes;
    /// @dev Word i holds the entries of nodes 16i .. 16i + 15, entry j in bits 16j .. 16j + 15.
    mapping(uint256 word => uint256) private _scoreWords;
    mapping(address reporter => uint64) private _lastTaskIds;
    /// @dev keccak256(party, period, score word) => 16 signed entries (int16), entry j the
    /// party's net change this period to the score of node 16 * word + j.
    mapping(bytes32 key => uint256) private _influence;

    // ---------------------------------------------------------------- constructor

    /// @param weight w on the SCALE (the paper: 300).
    /// @param initialScore Score of new nodes (the paper: 500).
    /// @param resetScore Score after a reset (the paper: 500).
    /// @param maxInfluence One party's bound on its net change to a node's score per period.
    /// @param influencePeriodS The period of that bound, seconds.
    /// @param adminDelayS How long a handover of the admin role waits (two steps, OpenZeppelin
    /// AccessControlDefaultAdminRules).
    constructor(
        uint16 weight,
        uint16 initialScore,
        uint16 resetScore,
        uint16 maxInfluence,
        uint32 influencePeriodS,
        uint48 adminDelayS
    ) AccessControlDefaultAdminRules(adminDelayS, msg.sender) {
        if (
            weight == 0 || weight > SCALE || initialScore > SCALE || resetScore > SCALE
                || maxInfluence > SCALE || influencePeriodS == 0
        ) {
            revert InvalidScoreParameters(weight, initialScore, resetScore);
        }
        WEIGHT = weight;
        INITIAL_SCORE = initialScore;
        RESET_SCORE = resetScore;
        MAX_INFLUENCE = maxInfluence;
        INFLUENCE_PERIOD_S = influencePeriodS;
        _DEPLOYED_AT = block.timestamp;
        _grantRole(AGENT_ROLE, msg.sender);
    }

    // ---------------------------------------------------------------- external: membership

    /// @inheritdoc IReputationManager
    function registerNode(address node) external onlyRole(AGENT_ROLE) {
        NodeList memory list = _nodeList;
        _register(node, list);
        _nodeList = list;
    }

    /// @inheritdoc IReputationManager
    function registerNodes(address[] calldata nodes) external onlyRole(AGENT_ROLE) {
        uint256 count = nodes.length;
        if (count == 0) revert EmptyBatch();
        // The list's head and counts are written once for the batch: that is what a batch saves.
        NodeList memory list = _nodeList;
        for (uint256 i = 0; i < count; ++i) {
            _register(nodes[i], list);
        }
        _nodeList = list;
    }

    /// @inheritdoc IReputationManager
    function unregisterNode(address node) external {
        NodeRecord storage record = _nodes[node];
        if (record.membership != Membership.Active) revert NodeNotRegistered(node);
        if (msg.sender != node && !hasRole(AGENT_ROLE, msg.sender)) {
            revert NotNodeAuthority(msg.sender, node);
        }
        // Its score stays, and outcomes about it still count: leaving is no escape.
        record.membership = Membership.Unregistered;
        _nodeList.active -= 1;
        emit NodeUnregistered(node, msg.sender);
    }

    // ---------------------------------------------------------------- external: scores

    /// @inheritdoc IReputationManager
    function updateNodeReputation(uint256[] calldata reports) external onlyRole(REPORTER_ROLE) {
        uint256 count = reports.length;
        if (count == 0) revert EmptyBatch();
        if (count > MAX_BATCH) revert BatchTooLarge(count, MAX_BATCH);
        uint256 last = _lastTaskIds[msg.sender];
        uint256 registered = _nodeList.registered;
        uint256 period = currentPeriod();
        // Bounded by MAX_BATCH.
        for (uint256 i = 0; i < count; ++i) {
            PackedReport report = PackedReport.wrap(reports[i]);
            uint256 taskId = report.taskId();
            if (taskId <= last) revert ReportAlreadyCounted(msg.sender, taskId, last);
            last = taskId;
            uint256 index = report.nodeIndex();
            if (index >= registered) revert NodeIndexNotRegistered(index);
            uint256 constraint = report.timeConstraint();
            if (constraint == 0) revert ZeroTimeConstraint(taskId);
            _applyReport(msg.sender, period, index, report, constraint);
        }
        _lastTaskIds[msg.sender] = uint64(last);
        emit ReputationsUpdated(msg.sender, period, reports);
    }

    /// @inheritdoc IReputationManager
    function recordOutcome(
        address node,
        address party,
        uint256 outcomeId,
        uint32 elapsed,
        uint32 timeConstraint,
        bool succeeded
    ) external onlyRole(OUTCOME_SOURCE_ROLE) {
        NodeRecord memory record = _nodes[node];
        if (
            record.membership == Membership.None || party == node
                || _nodes[party].membership != Membership.Active
        ) {
            emit OutcomeIgnored(msg.sender, node, outcomeId, party);
            return;
        }
        if (timeConstraint == 0) revert ZeroTimeConstraint(outcomeId);
        PackedReport report =
            PackedReportLib.pack(record.index, uint64(outcomeId), elapsed, timeConstraint, succeeded);
        uint256 period = currentPeriod();
        _applyReport(party, period, record.index, report, timeConstraint);
        emit OutcomeRecorded(msg.sender, node, outcomeId, party, period, PackedReport.unwrap(report));
    }

    /// @inheritdoc IReputationManager
    function resetReputation(address node) external onlyRole(DEFAULT_ADMIN_ROLE) {
        NodeRecord memory record = _nodes[node];
        if (record.membership == Membership.None) revert UnknownNode(node);
        _setScore(record.index, RESET_SCORE);
        emit ReputationReset(node, msg.sender, RESET_SCORE);
    }

    // ---------------------------------------------------------------- external: views

    /// @inheritdoc IReputationManager
    function getNodeCount() external view returns (uint256) {
        return _nodeList.active;
    }

    /// @inheritdoc IReputationManager
    function getNode(uint256 index) external view returns (NodeInfo memory) {
        NodeList memory list = _nodeList;
        if (index >= list.active) revert NodeIndexOutOfRange(index, list.active);
        // The list is newest first; the wanted node is the (active - index)-th active one
        // from the head. Bounded by MAX_NODES.
        uint256 toSkip = list.active - 1 - index;
        address cursor = list.head;
        while (true) {
            NodeRecord memory record = _nodes[cursor];
            if (record.membership == Membership.Active) {
                if (toSkip == 0) {
                    return NodeInfo({
                        account: cursor,
                        index: record.index,
                        membership: record.membership,
                        score: _score(record.index)
                    });
                }
                --toSkip;
            }
            cursor = record.next;
        }
    }

    /// @inheritdoc IReputationManager
    function getReputationScore(address node) external view returns (uint16) {
        return _scoreOf(node);
    }

    /// @inheritdoc IReputationManager
    function getReputationScores(
        address[] calldata nodes
    ) external view returns (uint16[] memory scores) {
        scores = new uint16[](nodes.length);
        // Bounded by the caller's own input (a view).
        for (uint256 i = 0; i < nodes.length; ++i) {
            scores[i] = _scoreOf(nodes[i]);
        }
    }

    /// @inheritdoc IReputationManager
    function kthHighestScore(address[] calldata nodes, uint256 k) external view returns (uint16) {
        if (k == 0) revert InvalidRank(k);
        if (nodes.length < k) return 0;
        // The k highest so far, descending; insertion keeps it sorted. O(n k), a view.
        uint16[] memory top = new uint16[](k);
        uint256 filled = 0;
        for (uint256 i = 0; i < nodes.length; ++i) {
            uint16 score = _scoreOf(nodes[i]);
            if (filled == k && score <= top[k - 1]) continue;
            uint256 at = filled < k ? filled++ : k - 1;
            while (at > 0 && top[at - 1] < score) {
                top[at] = top[at - 1];
                --at;
            }
            top[at] = score;
        }
        return top[k - 1];
    }

    /// @inheritdoc IReputationManager
    function standingOf(address node) external view returns (Membership, uint16) {
        NodeRecord memory record = _nodes[node];
        if (record.membership == Membership.None) return (Membership.None, 0);
        return (record.membership, _score(record.index));
    }

    /// @inheritdoc IReputationManager
    function isRegistered(address node) external view returns (bool) {
        return _nodes[node].membership == Membership.Active;
    }

    /// @inheritdoc IReputationManager
    function getNodeIndex(address node) external view returns (uint32) {
        NodeRecord memory record = _nodes[node];
        if (record.membership == Membership.None) revert UnknownNode(node);
        return record.index;
    }

    /// @inheritdoc IReputationManager
    function lastTaskId(address reporter) external view returns (uint64) {
        return _lastTaskIds[reporter];
    }

    /// @inheritdoc IReputationManager
    function currentPeriod() public view returns (uint256) {
        return (block.timestamp - _DEPLOYED_AT) / INFLUENCE_PERIOD_S;
    }

    /// @inheritdoc IReputationManager
    function influenceOf(address party, address node) external view returns (int256) {
        NodeRecord memory record = _nodes[node];
        if (record.membership == Membership.None) revert UnknownNode(node);
        (uint256 key, uint256 shift) = _entryPosition(record.index);
        return int16(uint16(_influence[_influenceKey(party, currentPeriod(), key)] >> shift));
    }

    /// @inheritdoc IReputationManager
    function packReport(
        uint32 nodeIndex,
        uint64 taskId,
        uint32 executionTimeUs,
        uint32 timeConstraintUs,
        bool succeeded
    ) external pure returns (uint256) {
        return PackedReport.unwrap(
            PackedReportLib.pack(nodeIndex, taskId, executionTimeUs, timeConstraintUs, succeeded)
        );
    }

    // ---------------------------------------------------------------- internal

    /// @dev Admits `node` into `list` (the caller writes `list` back). A node named twice in one
    /// batch is refused the second time: its record is written before the next is read.
    function _register(address node, NodeList memory list) internal {
        if (node == address(0)) revert ZeroAddress();
        NodeRecord memory record = _nodes[node];
        if (record.membership == Membership.Active) revert NodeAlreadyRegistered(node);
        if (record.membership == Membership.Unregistered) {
            // Back with its old index, and so its old score: leaving does not wash a score.
            _nodes[node].membership = Membership.Active;
        } else {
            if (list.registered >= MAX_NODES) revert TooManyNodes(MAX_NODES);
            record = NodeRecord({next: list.head, index: list.registered, membership: Membership.Active});
            _nodes[node] = record;
            list.head = node;
            list.registered += 1;
        }
        list.active += 1;
        emit NodeRegistered(node, record.index);
    }

    /// @dev I = (Tc - Texec) * SCALE / Tc for a success within the constraint, else 0.
    function _incentive(PackedReport report, uint256 constraint) internal pure returns (uint256) {
        uint256 execution = report.executionTime();
        if (!report.succeeded() || execution > constraint) return 0;
        return (constraint - execution) * SCALE / constraint;
    }

    /// @dev R <- ((SCALE - W) R + W I) / SCALE, truncated; stays in [0, SCALE] for R, I in it.
    function _nextScore(uint256 score, uint256 incentive) internal view returns (uint256) {
        return ((SCALE - WEIGHT) * score + WEIGHT * incentive) / SCALE;
    }

    function _scoreOf(address node) internal view returns (uint16) {
        NodeRecord memory record = _nodes[node];
        if (record.membership == Membership.None) revert UnknownNode(node);
        return _score(record.index);
    }

    function _score(uint256 index) internal view returns (uint16) {
        (uint256 key, uint256 shift) = _entryPosition(index);
        return uint16(_decode((_scoreWords[key] >> shift) & _ENTRY_MASK));
    }

    function _setScore(uint256 index, uint256 score) internal {
        (uint256 key, uint256 shift) = _entryPosition(index);
        uint256 kept = _scoreWords[key] & ~(_ENTRY_MASK << shift);
        _scoreWords[key] = kept | (_encode(score) << shift);
    }

    /// @dev One report about node `index` on behalf of `party`: the score moves toward the
    /// report's incentive as the formula says, but by no more than keeps the party's net change
    /// to that score this period within MAX_INFLUENCE. The moved score lies between the old
    /// score and the formula's, so it stays in [0, SCALE].
    function _applyReport(
        address party,
        uint256 period,
        uint256 index,
        PackedReport report,
        uint256 constraint
    ) internal {
        (uint256 key, uint256 shift) = _entryPosition(index);
        uint256 word = _scoreWords[key];
        uint256 score = _decode((word >> shift) & _ENTRY_MASK);
        int256 wanted = int256(_nextScore(score, _incentive(report, constraint))) - int256(score);
        bytes32 influenceKey = _influenceKey(party, period, key);
        uint256 influenceWord = _influence[influenceKey];
        int256 before = int16(uint16(influenceWord >> shift));
        int256 bound = int256(uint256(MAX_INFLUENCE));
        int256 after_ = before + wanted;
        if (after_ > bound) after_ = bound;
        else if (after_ < -bound) after_ = -bound;
        // after_ - before has the sign of `wanted` and at most its size: score stays in range.
        uint256 moved = uint256(int256(score) + after_ - before);
        _scoreWords[key] = (word & ~(_ENTRY_MASK << shift)) | (_encode(moved) << shift);
        _influence[influenceKey] = (influenceWord & ~(_ENTRY_MASK << shift))
            | (uint256(uint16(int16(after_))) << shift);
    }

    function _influenceKey(address party, uint256 period, uint256 key) internal pure returns (bytes32) {
        return keccak256(abi.encode(party, period, key));
    }

    /// @dev Where node `index`'s entry lives: word index / 16, bits 16 * (index % 16) and up.
    function _entryPosition(uint256 index) internal pure returns (uint256 key, uint256 shift) {
        return (index >> 4, (index & 15) << 4);
    }

    /// @dev An entry's score: its offset from INITIAL_SCORE, mod 2^16. Scores are in
    /// [0, SCALE], far inside 2^16, so the modulus is exact.
    function _decode(uint256 entry) internal view returns (uint256) {
        return (entry + INITIAL_SCORE) & _ENTRY_MASK;
    }

    /// @dev The offset of `score` from INITIAL_SCORE, mod 2^16: a node's entry.
    function _encode(uint256 score) internal view returns (uint256) {
        // Unchecked: score - INITIAL_SCORE may wrap below zero; only its low 16 bits are kept.
        unchecked {
            return (score - INITIAL_SCORE) & _ENTRY_MASK;
        }
    }
}
