// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A device's latest task in the registry, one storage word rewritten by every task of
/// the device (its id is the device's TaskId with the task count of its PackedDevice):
///   bits   0..159  server          (address: the currently assigned server)
///   bits 160..191  assigned at     (uint32: block time of the current assignment, seconds;
///                                   until 2106; the registration time before the first task)
///   bits 192..223  data            (uint32: kilobytes)
///   bits 224..255  computation     (uint32: megacycles)
type PackedTask is uint256;

using PackedTaskLib for PackedTask global;

/// @notice Reading and rewriting a device's packed latest task.
library PackedTaskLib {
    uint256 internal constant SERVER_MASK = type(uint160).max;
    uint256 internal constant FIELD_MASK = 0xffffffff;
    uint8 internal constant ASSIGNED_AT_OFFSET = 160;
    uint8 internal constant DATA_KB_OFFSET = 192;
    uint8 internal constant COMPUTE_MEGACYCLES_OFFSET = 224;

    function pack(
        address server_,
        uint32 assignedAt_,
        uint32 dataKb_,
        uint32 computeMegacycles_
    ) internal pure returns (PackedTask) {
        return PackedTask.wrap(
            uint256(uint160(server_)) | (uint256(assignedAt_) << ASSIGNED_AT_OFFSET)
                | (uint256(dataKb_) << DATA_KB_OFFSET)
                | (uint256(computeMegacycles_) << COMPUTE_MEGACYCLES_OFFSET)
        );
    }

    // ---------------------------------------------------------------- getters

    function server(PackedTask task) internal pure returns (address) {
        return address(uint160(PackedTask.unwrap(task)));
    }

    function assignedAt(PackedTask task) internal pure returns (uint32) {
        return uint32(PackedTask.unwrap(task) >> ASSIGNED_AT_OFFSET);
    }

    function dataKb(PackedTask task) internal pure returns (uint32) {
        return uint32(PackedTask.unwrap(task) >> DATA_KB_OFFSET);
    }

    function computeMegacycles(PackedTask task) internal pure returns (uint32) {
        return uint32(PackedTask.unwrap(task) >> COMPUTE_MEGACYCLES_OFFSET);
    }

    // ---------------------------------------------------------------- setters

    /// @notice The task given to `server_` at `assignedAt_`: a (re)assignment.
    function setAssignment(
        PackedTask task,
        address server_,
        uint32 assignedAt_
    ) internal pure returns (PackedTask) {
        uint256 kept = PackedTask.unwrap(task) & ~(SERVER_MASK | (FIELD_MASK << ASSIGNED_AT_OFFSET));
        return PackedTask.wrap(
            kept | uint256(uint160(server_)) | (uint256(assignedAt_) << ASSIGNED_AT_OFFSET)
        );
    }
}
