// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice One MEC server as a policy sees it, in a single word so that a policy evaluation
/// costs one storage read per server:
///   bits   0..159  account         (address)
///   bits 160..191  x, metres       (int32, two's complement)
///   bits 192..223  y, metres       (int32, two's complement)
///   bits 224..247  capacity, megacycles per second (uint24)
///   bits 248..255  zero
type PackedServer is uint256;

using PackedServerLib for PackedServer global;

/// @notice Packing and unpacking.
library PackedServerLib {
    function pack(
        address account_,
        int32 x_,
        int32 y_,
        uint24 capacityMcps_
    ) internal pure returns (PackedServer) {
        return PackedServer.wrap(
            uint256(uint160(account_)) | (uint256(uint32(x_)) << 160)
                | (uint256(uint32(y_)) << 192) | (uint256(capacityMcps_) << 224)
        );
    }

    function account(PackedServer server) internal pure returns (address) {
        return address(uint160(PackedServer.unwrap(server)));
    }

    function x(PackedServer server) internal pure returns (int32) {
        return int32(uint32(PackedServer.unwrap(server) >> 160));
    }

    function y(PackedServer server) internal pure returns (int32) {
        return int32(uint32(PackedServer.unwrap(server) >> 192));
    }

    function capacityMcps(PackedServer server) internal pure returns (uint24) {
        return uint24(PackedServer.unwrap(server) >> 224);
    }
}
