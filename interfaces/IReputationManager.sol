// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title FRESCO reputation manager
/// @notice Scores edge nodes from measured task outcomes. A reporter sends what it measured
/// (execution time, the task's time constraint, success); the contract, not the client, turns
/// each report into the task incentive I and the score R:
///   I = (Tc - Texec) / Tc  if the offload succeeded and Texec <= Tc, else 0
///   R <- (1 - w) * R + w * I
/// in fixed point with SCALE = 1000 (1.0 is 1000), truncating division at each step:
///   I = (Tc - Texec) * SCALE / Tc,   R = ((SCALE - W) * R + W * I) / SCALE.
/// Both stay in [0, SCALE]. W, the initial and the reset score are set at deployment.
/// Bounded influence: every score change has a party behind it (a reporter, or the party an
/// outcome source names), and one party's changes to one node's score add up to at most
/// MAX_INFLUENCE per period of INFLUENCE_PERIOD_S (counted from deployment): the part of a
/// step that would take that sum beyond the bound is dropped. Nodes that left are still
/// scored: leaving does not stop outcomes from counting.
/// @dev The event log is complete: NodeRegistered, NodeUnregistered, ReputationReset,
/// ReputationsUpdated and OutcomeRecorded (which carry every report as sent, with its party
/// and period) let anyone replay every score exactly with the formulas above
/// (edgeledger/fresco/reputation.py does).
interface IReputationManager {
    /// @notice Membership of a node.
    enum Membership {
        None,
        Active,
        Unregistered
    }

    /// @notice A node as `getNode` reports it.
    struct NodeInfo {
        address account; // the node's address, its identity everywhere in edgeledger
        uint32 index; // registration order, from 0; kept across unregister/register
        Membership membership;
        uint16 score; // reputation, SCALE = 1.0
    }

    // ---------------------------------------------------------------- events

    /// @notice The agent admitted a node (again) at registration number `index`.
    event NodeRegistered(address indexed node, uint32 index);
    /// @notice A node left, by itself or removed by the agent; its score is kept.
    event NodeUnregistered(address indexed node, address indexed by);
    /// @notice A reporter's batch was counted, reports applied in order. Each report is one
    /// word, laid out as `packReport` builds it (node index, task id, times, success); the
    /// node of an index is in its NodeRegistered event.
    event ReputationsUpdated(address indexed reporter, uint256 period, uint256[] reports);
    /// @notice The admin set a node's score back to RESET_SCORE.
    event ReputationReset(address indexed node, address indexed by, uint16 score);
    /// @notice An outcome source (a contract that closes each of its outcomes once: the DMEC
    /// registry, the collaboration market) had one outcome about `node` counted, on behalf of
    /// `party` (the server whose drone relayed the task, the request's requester). `outcomeId`
    /// is the source's own id (a DMEC task id, a market request id); `report` is the word as
    /// `packReport` lays it out, with the low 64 bits of `outcomeId` as its task id and the
    /// times in whole seconds of block time.
    event OutcomeRecorded(
        address indexed source,
        address indexed node,
        uint256 indexed outcomeId,
        address party,
        uint256 period,
        uint256 report
    );
    /// @notice An outcome was not counted: `node` was never a node, or `party` is the node
    /// itself or not an active node (nobody with a stake in the system vouches for it).
    event OutcomeIgnored(
        address indexed source, address indexed node, uint256 indexed outcomeId, address party
    );

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a node address is zero.
    error ZeroAddress();
    /// @notice Thrown when a deploy parameter is out of range (weight 1..SCALE, scores and the
    /// influence bound 0..SCALE, a period of at least one second).
    error InvalidScoreParameters(uint16 weight, uint16 initialScore, uint16 resetScore);
    /// @notice Thrown when the agent registers a node that is registered now.
    error NodeAlreadyRegistered(address node);
    /// @notice Thrown when a node to unregister is not registered now (unknown, or left).
    error NodeNotRegistered(address node);
    /// @notice Thrown when a node asked about or reset was never registered: it has no score.
    error UnknownNode(address node);
    /// @notice Thrown when a report names a node index that was never registered.
    error NodeIndexNotRegistered(uint256 index);
    /// @notice Thrown when someone other than the node or the agent unregisters a node.
    error NotNodeAuthority(address caller, address node);
    /// @notice Thrown when registering one more node would exceed MAX_NODES.
    error TooManyNodes(uint256 limit);
    /// @notice Thrown when `getNode` is asked for an index at or beyond the active count.
    error NodeIndexOutOfRange(uint256 index, uint256 count);
    /// @notice Thrown when a batch holds no report.
    error EmptyBatch();
    /// @notice Thrown when a batch holds more than MAX_BATCH reports.
    error BatchTooLarge(uint256 size, uint256 limit);
    /// @notice Thrown when a report's task id is not above the reporter's highest counted one,
    /// `lastCounted`: counted already, or out of order (one reporter's ids rise strictly).
    error ReportAlreadyCounted(address reporter, uint256 taskId, uint256 lastCounted);
    /// @notice Thrown when a report or an outcome gives a time constraint of zero.
    error ZeroTimeConstraint(uint256 taskId);
    /// @notice Thrown when `kthHighestScore` is asked for k = 0.
    error InvalidRank(uint256 k);

    // ---------------------------------------------------------------- functions

    /// @notice Admit `node` (agent). A node registered before gets its old index and score back.
    function registerNode(address node) external;

    /// @notice Admit every node of `nodes` in order (agent), as many `registerNode` calls would,
    /// in one transaction: all of them or none. Indices follow the order of `nodes`.
    function registerNodes(address[] calldata nodes) external;

    /// @notice Remove `node`, by the agent or the node itself. Its score stays on record.
    function unregisterNode(address node) external;

    /// @notice Count the reports of one task batch into the scores (reporters only). The
    /// reporter is the party of every report: its influence on each node is bounded.
    /// @param reports One word per report (see `packReport`), task ids strictly rising and
    /// above the reporter's last counted id; every node registered now or before. All or
    /// nothing. Reports name nodes by index (`getNodeIndex`): the contract then needs no
    /// per-node storage read.
    function updateNodeReputation(uint256[] calldata reports) external;

    /// @notice Count one outcome a contract observed itself (OUTCOME_SOURCE_ROLE only), on
    /// behalf of `party`, whose influence on the node is bounded.
    /// @dev No task-id order applies: a source's outcomes close out of order (a late DMEC task
    /// times out after a later one was answered), and the source's own state machine closes
    /// each outcome exactly once. The source's step must not fail for a node or a party that
    /// does not count: the outcome is then ignored (OutcomeIgnored): a node never registered,
    /// a party that is the node itself (no score from dealing with oneself) or not an active
    /// node (no score from parties with nothing at stake).
    /// @param party Who vouches for the outcome: the server whose drone relayed the task, the
    /// request's requester.
    /// @param elapsed How long the node took; `timeConstraint` what it was given (same unit).
    function recordOutcome(
        address node,
        address party,
        uint256 outcomeId,
        uint32 elapsed,
        uint32 timeConstraint,
        bool succeeded
    ) external;

    /// @notice Set `node`'s score to RESET_SCORE (admin).
    function resetReputation(address node) external;

    /// @notice Number of registered (active) nodes.
    function getNodeCount() external view returns (uint256);

    /// @notice The `index`-th registered node, in registration order (0-based).
    function getNode(uint256 index) external view returns (NodeInfo memory);

    /// @notice The node's score (also after it unregistered); reverts for an unknown node.
    function getReputationScore(address node) external view returns (uint16);

    /// @notice Scores of many nodes in one call, in the order asked.
    function getReputationScores(address[] calldata nodes) external view returns (uint16[] memory);

    /// @notice The k-th highest score among `nodes` (k = 1 is the highest), the FRESCO
    /// threshold; 0 when fewer than k nodes are given, so that every node passes.
    function kthHighestScore(address[] calldata nodes, uint256 k) external view returns (uint16);

    /// @notice Whether `node` is registered now (or left, or is unknown) and its score (0
    /// when unknown). Never reverts: the market checks bidders with it.
    function standingOf(address node) external view returns (Membership membership, uint16 score);

    /// @notice Whether `node` is registered now. Never reverts: the DMEC registry admits only
    /// such servers.
    function isRegistered(address node) external view returns (bool);

    /// @notice The registration index of a node (registered now or before).
    function getNodeIndex(address node) external view returns (uint32);

    /// @notice The highest task id counted for `reporter` (0 before its first report).
    function lastTaskId(address reporter) external view returns (uint64);

    /// @notice The bound on one party's net change to one node's score per period.
    function MAX_INFLUENCE() external view returns (uint16);

    /// @notice The length of an influence period, seconds.
    function INFLUENCE_PERIOD_S() external view returns (uint32);

    /// @notice The current influence period (periods are counted from deployment).
    function currentPeriod() external view returns (uint256);

    /// @notice The net change `party` has made to `node`'s score in the current period.
    function influenceOf(address party, address node) external view returns (int256);

    /// @notice One report word: node index in bits 0..31, task id 32..95, execution time in
    /// microseconds 96..127, time constraint in microseconds 128..159, success bit 160
    /// (contracts/libraries/PackedReport.sol).
    function packReport(
        uint32 nodeIndex,
        uint64 taskId,
        uint32 executionTimeUs,
        uint32 timeConstraintUs,
        bool succeeded
    ) external pure returns (uint256);
}
