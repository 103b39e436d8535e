// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDroneMecRegistry} from "../../interfaces/IDroneMecRegistry.sol";

/// @notice An IoT device's record in the registry, one storage word rewritten by every task of
/// the device:
///   bits   0..159  hub             (address: the drone that relays the device's tasks)
///   bits 160..167  policy id       (uint8: key into the registry's catalogue; 0 while unset)
///   bits 168..175  membership      (IDroneMecRegistry.Membership)
///   bits 176..183  task state      (IDroneMecRegistry.TaskState: of the latest task)
///   bits 184..215  task count      (uint32: sequence number of the latest task)
///   bits 216..231  task kind       (uint16: kind of the latest task; the task word is full)
///   bits 232..255  zero
/// The registry reads the word once per step and writes it back whole, with one SSTORE.
type PackedDevice is uint256;

using PackedDeviceLib for PackedDevice global;

/// @notice Reading and rewriting a packed device record.
library PackedDeviceLib {
    uint256 internal constant HUB_MASK = type(uint160).max;
    uint256 internal constant BYTE_MASK = 0xff;
    uint256 internal constant TASK_COUNT_MASK = 0xffffffff;
    uint256 internal constant TASK_KIND_MASK = 0xffff;
    uint8 internal constant POLICY_ID_OFFSET = 160;
    uint8 internal constant MEMBERSHIP_OFFSET = 168;
    uint8 internal constant TASK_STATE_OFFSET = 176;
    uint8 internal constant TASK_COUNT_OFFSET = 184;
    uint8 internal constant TASK_KIND_OFFSET = 216;

    /// @notice A newly registered device: relayed by `hub`, active, no policy, no task.
    function registered(address hub_) internal pure returns (PackedDevice) {
        return PackedDevice.wrap(
            uint256(uint160(hub_))
                | (uint256(IDroneMecRegistry.Membership.Active) << MEMBERSHIP_OFFSET)
        );
    }

    // ---------------------------------------------------------------- getters

    function hub(PackedDevice device) internal pure returns (address) {
        return address(uint160(PackedDevice.unwrap(device)));
    }

    function policyId(PackedDevice device) internal pure returns (uint8) {
        return uint8(PackedDevice.unwrap(device) >> POLICY_ID_OFFSET);
    }

    /// @dev Assembly: a conversion to an enum would add a range check to every read; the
    /// setters write nothing but the enum's own values.
    function membership(
        PackedDevice device
    ) internal pure returns (IDroneMecRegistry.Membership value) {
        assembly ("memory-safe") {
            value := and(shr(MEMBERSHIP_OFFSET, device), BYTE_MASK)
        }
    }

    /// @dev Assembly, as `membership`.
    function taskState(
        PackedDevice device
    ) internal pure returns (IDroneMecRegistry.TaskState value) {
        assembly ("memory-safe") {
            value := and(shr(TASK_STATE_OFFSET, device), BYTE_MASK)
        }
    }

    function taskCount(PackedDevice device) internal pure returns (uint32) {
        return uint32(PackedDevice.unwrap(device) >> TASK_COUNT_OFFSET);
    }

    function taskKind(PackedDevice device) internal pure returns (uint16) {
        return uint16(PackedDevice.unwrap(device) >> TASK_KIND_OFFSET);
    }

    // ---------------------------------------------------------------- setters

    function setHub(PackedDevice device, address hub_) internal pure returns (PackedDevice) {
        return PackedDevice.wrap((PackedDevice.unwrap(device) & ~HUB_MASK) | uint256(uint160(hub_)));
    }

    function setPolicyId(PackedDevice device, uint8 policyId_) internal pure returns (PackedDevice) {
        return _set(device, POLICY_ID_OFFSET, BYTE_MASK, policyId_);
    }

    function setMembership(
        PackedDevice device,
        IDroneMecRegistry.Membership membership_
    ) internal pure returns (PackedDevice) {
        return _set(device, MEMBERSHIP_OFFSET, BYTE_MASK, uint256(membership_));
    }

    function setTaskState(
        PackedDevice device,
        IDroneMecRegistry.TaskState taskState_
    ) internal pure returns (PackedDevice) {
        return _set(device, TASK_STATE_OFFSET, BYTE_MASK, uint256(taskState_));
    }

    function setTaskCount(PackedDevice device, uint32 taskCount_) internal pure returns (PackedDevice) {
        return _set(device, TASK_COUNT_OFFSET, TASK_COUNT_MASK, taskCount_);
    }

    function setTaskKind(PackedDevice device, uint16 taskKind_) internal pure returns (PackedDevice) {
        return _set(device, TASK_KIND_OFFSET, TASK_KIND_MASK, taskKind_);
    }

    /// @dev The field of width `mask` at `offset` replaced by `value` (which fits `mask`).
    function _set(
        PackedDevice device,
        uint8 offset,
        uint256 mask,
        uint256 value
    ) private pure returns (PackedDevice) {
        return PackedDevice.wrap(
            (PackedDevice.unwrap(device) & ~(mask << offset)) | (value << offset)
        );
    }
}
