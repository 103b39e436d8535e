// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IReputationManager} from "../interfaces/IReputationManager.sol";

/// @title FRESCO reputation manager
/// @notice See IReputationManager for the formulas, the scale and the rounding.
/// @dev Storage is laid out for the report path, which runs for every offloaded task:
/// - scores are 16-bit entries, 16 to a word, addressed by the node's registration index, so
///   a batch about nodes registered near each other rewrites one word, not one slot a node;
/// - an entry holds (score - INITIAL_SCORE) mod 2^16, so a word nobody wrote means "every node
///   in it has the initial score" and registration does not write scores at all;
/// - each node has one record slot (list link, index, membership), read once per report;
/// - duplicate reports are refused by one high-water mark per reporter (task ids rise
///   strictly), not by a slot per task, which would cost 22,100 gas a report;
/// - the batch event carries the reports as sent; the scores follow from them.
contract ReputationManager is IReputationManager, AccessControl {
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
    /// @notice May report measured task outcomes.
    bytes32 public constant REPORTER_ROLE = keccak256("REPORTER_ROLE");
    /// @notice Fixed-point one: scores and incentives are in [0, SCALE].
    uint16 public constant SCALE = 1000;
    /// @notice Bound on nodes ever registered: the views walk them all.
    uint256 public constant MAX_NODES = 4096;
    /// @notice Bound on reports in one `updateNodeReputation` call.
    uint256 public constant MAX_BATCH = 256;
    uint256 private constant _ENTRY_MASK = 0xffff;
    uint256 private constant _CONSTRAINT_MASK = 0x7fffffff;

    /// @notice w on the SCALE: the weight of a new incentive (300 = 0.3).
    uint16 public immutable WEIGHT;
    /// @notice Score of a newly registered node (500 = 0.5).
    uint16 public immutable INITIAL_SCORE;
    /// @notice Score after `resetReputation` (500 = 0.5).
    uint16 public immutable RESET_SCORE;

    // ---------------------------------------------------------------- storage

    NodeList private _nodeList;
    mapping(address node => NodeRecord) private _nodes;
    /// @dev Word i holds the entries of nodes 16i .. 16i + 15, entry j in bits 16j .. 16j + 15.
    mapping(uint256 word => uint256) private _scoreWords;
    mapping(address reporter => uint32) private _lastTaskIds;

    // ---------------------------------------------------------------- constructor

    /// @param weight w on the SCALE (the paper: 300).
    /// @param initialScore Score of new nodes (the paper: 500).
    /// @param resetScore Score after a reset (the paper: 500).
    constructor(uint16 weight, uint16 initialScore, uint16 resetScore) {
        if (weight == 0 || weight > SCALE || initialScore > SCALE || resetScore > SCALE) {
            revert InvalidScoreParameters(weight, initialScore, resetScore);
        }
        WEIGHT = weight;
        INITIAL_SCORE = initialScore;
        RESET_SCORE = resetScore;
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        _grantRole(AGENT_ROLE, msg.sender);
    }

    // ---------------------------------------------------------------- external: membership

    /// @inheritdoc IReputationManager
    function registerNode(address node) external onlyRole(AGENT_ROLE) {
        if (node == address(0)) revert ZeroAddress();
        NodeRecord memory record = _nodes[node];
        NodeList memory list = _nodeList;
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
        _nodeList = list;
        emit NodeRegistered(node, record.index);
    }

    /// @inheritdoc IReputationManager
    function unregisterNode(address node) external {
        NodeRecord storage record = _nodes[node];
        if (record.membership != Membership.Active) revert NodeNotRegistered(node);
        if (msg.sender != node && !hasRole(AGENT_ROLE, msg.sender)) {
            revert NotNodeAuthority(msg.sender, node);
        }
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
        // Bounded by MAX_BATCH.
        for (uint256 i = 0; i < count; ++i) {
            uint256 report = reports[i];
            uint256 taskId = uint32(report >> 160);
            if (taskId <= last) revert ReportAlreadyCounted(msg.sender, taskId, last);
            last = taskId;
            address node = address(uint160(report));
            NodeRecord memory record = _nodes[node];
            if (record.membership != Membership.Active) revert NodeNotRegistered(node);
            uint256 constraint = (report >> 224) & _CONSTRAINT_MASK;
            if (constraint == 0) revert ZeroTimeConstraint(taskId);
            _setScore(
                record.index,
                _nextScore(_score(record.index), _incentive(report, constraint))
            );
        }
        _lastTaskIds[msg.sender] = uint32(last);
        emit ReputationsUpdated(msg.sender, reports);
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
    function lastTaskId(address reporter) external view returns (uint32) {
        return _lastTaskIds[reporter];
    }

    /// @inheritdoc IReputationManager
    function packReport(
        address node,
        uint32 taskId,
        uint32 executionTimeUs,
        uint32 timeConstraintUs,
        bool succeeded
    ) external pure returns (uint256) {
        if (timeConstraintUs > _CONSTRAINT_MASK) revert TimeConstraintTooLarge(timeConstraintUs);
        return uint256(uint160(node)) | (uint256(taskId) << 160) | (uint256(executionTimeUs) << 192)
            | (uint256(timeConstraintUs) << 224) | (succeeded ? uint256(1) << 255 : 0);
    }

    // ---------------------------------------------------------------- internal

    /// @dev I = (Tc - Texec) * SCALE / Tc for a success within the constraint, else 0.
    function _incentive(uint256 report, uint256 constraint) internal pure returns (uint256) {
        uint256 execution = uint32(report >> 192);
        bool succeeded = report >> 255 == 1;
        if (!succeeded || execution > constraint) return 0;
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
        uint256 entry = (_scoreWords[index >> 4] >> ((index & 15) << 4)) & _ENTRY_MASK;
        // Unchecked: entries are offsets mod 2^16 from INITIAL_SCORE; uint16 wraps on purpose.
        unchecked {
            return uint16(entry) + INITIAL_SCORE;
        }
    }

    function _setScore(uint256 index, uint256 score) internal {
        uint256 shift = (index & 15) << 4;
        uint256 word = _scoreWords[index >> 4];
        uint256 entry;
        // Unchecked: the offset from INITIAL_SCORE is kept mod 2^16 (see _score).
        unchecked {
            entry = uint16(score - INITIAL_SCORE);
        }
        _scoreWords[index >> 4] = (word & ~(_ENTRY_MASK << shift)) | (entry << shift);
    }
}
