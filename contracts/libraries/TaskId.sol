// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A DMEC task's id: the device it comes from and the device's sequence number.
///   bits   0..31   sequence        (uint32: the device's tasks counted from 1)
///   bits  32..95   zero            (an id with any of them set names no task)
///   bits  96..255  device          (address)
/// The registry's interface passes ids as uint256 (`(device << 96) | sequence`); this is their
/// layout. Mirrored by edgeledger.dmec.policies (task_id, task_device, task_sequence;
/// tests/sim/test_word_layouts.py holds the two to the same offsets).
type TaskId is uint256;

using TaskIdLib for TaskId global;

/// @notice Building and reading task ids.
library TaskIdLib {
    uint8 internal constant DEVICE_OFFSET = 96;
    uint256 internal constant SEQUENCE_MASK = 0xffffffff;

    function from(address device_, uint32 sequence_) internal pure returns (TaskId) {
        return TaskId.wrap((uint256(uint160(device_)) << DEVICE_OFFSET) | sequence_);
    }

    function device(TaskId id) internal pure returns (address) {
        return address(uint160(TaskId.unwrap(id) >> DEVICE_OFFSET));
    }

    function sequence(TaskId id) internal pure returns (uint32) {
        return uint32(TaskId.unwrap(id) & SEQUENCE_MASK);
    }
}
