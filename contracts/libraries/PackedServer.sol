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

/// @notice Reading a packed server. The registry builds the words in its list walk and the
/// policies read them straight from calldata (ServerSelection), both for gas.
library PackedServerLib {
    function account(PackedServer server) internal pure returns (address) {
        return address(uint160(PackedServer.unwrap(server)));
    }

    function capacityMcps(PackedServer server) internal pure returns (uint24) {
        return uint24(PackedServer.unwrap(server) >> 224);
    }
}
