// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice One task outcome as the reputation manager counts it (IReputationManager.packReport):
///   bits   0..31   node index      (uint32: the node's registration index)
///   bits  32..95   task id         (uint64: a reporter's ids rise strictly)
///   bits  96..127  execution time  (uint32: microseconds in a report, seconds from the DMEC
///                                   registry, the same unit as the constraint)
///   bits 128..159  time constraint (uint32: non-zero)
///   bit  160       succeeded
///   bits 161..255  zero when packed here; ignored when read
/// Reporters send these words (`updateNodeReputation`) and the events carry them. Mirrored by
/// edgeledger.fresco.reputation (Report.packed, Report.unpacked; tests/sim/test_word_layouts.py
/// holds the two to the same offsets).
type PackedReport is uint256;

using PackedReportLib for PackedReport global;

/// @notice Building and reading report words.
library PackedReportLib {
    uint8 internal constant TASK_ID_OFFSET = 32;
    uint8 internal constant EXECUTION_TIME_OFFSET = 96;
    uint8 internal constant TIME_CONSTRAINT_OFFSET = 128;
    uint8 internal constant SUCCEEDED_OFFSET = 160;

    function pack(
        uint32 nodeIndex_,
        uint64 taskId_,
        uint32 executionTime_,
        uint32 timeConstraint_,
        bool succeeded_
    ) internal pure returns (PackedReport) {
        return PackedReport.wrap(
            uint256(nodeIndex_) | (uint256(taskId_) << TASK_ID_OFFSET)
                | (uint256(executionTime_) << EXECUTION_TIME_OFFSET)
                | (uint256(timeConstraint_) << TIME_CONSTRAINT_OFFSET)
                | (succeeded_ ? uint256(1) << SUCCEEDED_OFFSET : 0)
        );
    }

    function nodeIndex(PackedReport report) internal pure returns (uint32) {
        return uint32(PackedReport.unwrap(report));
    }

    function taskId(PackedReport report) internal pure returns (uint64) {
        return uint64(PackedReport.unwrap(report) >> TASK_ID_OFFSET);
    }

    function executionTime(PackedReport report) internal pure returns (uint32) {
        return uint32(PackedReport.unwrap(report) >> EXECUTION_TIME_OFFSET);
    }

    function timeConstraint(PackedReport report) internal pure returns (uint32) {
        return uint32(PackedReport.unwrap(report) >> TIME_CONSTRAINT_OFFSET);
    }

    function succeeded(PackedReport report) internal pure returns (bool) {
        return (PackedReport.unwrap(report) >> SUCCEEDED_OFFSET) & 1 == 1;
    }
}
