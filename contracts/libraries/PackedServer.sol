// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice One MEC server as a policy sees it, in a single word so that a policy evaluation
/// costs one storage read per server:
///   bits   0..159  account         (address)
///   bits 160..191  x, metres       (int32, two's complement)
///   bits 192..223  y, metres       (int32, two's complement)
///   bits 224..247  capacity, megacycles per second (uint24)
///   bits 248..255  zero
/// The registry's ServerRecord word agrees on bits 160..247 (x, y, capacity), which lets the
/// registry turn one into the other with a mask (POSITION_AND_CAPACITY_MASK). Mirrored by
/// edgeledger.dmec.policies (Server.packed; tests/sim/test_word_layouts.py holds the two to
/// the same offsets).
type PackedServer is uint256;

using PackedServerLib for PackedServer global;

/// @notice Reading and building a packed server. The registry builds the words in its list walk
/// and the policies read them straight from calldata (ServerSelection), both for gas.
library PackedServerLib {
    uint256 internal constant ACCOUNT_MASK = type(uint160).max;
    uint256 internal constant COORDINATE_MASK = 0xffffffff;
    uint256 internal constant CAPACITY_MASK = 0xffffff;
    uint8 internal constant X_OFFSET = 160;
    uint8 internal constant Y_OFFSET = 192;
    uint8 internal constant CAPACITY_OFFSET = 224;
    /// @notice x, y and capacity in place: the bits a ServerRecord word shares with this one.
    uint256 internal constant POSITION_AND_CAPACITY_MASK = (COORDINATE_MASK << X_OFFSET)
        | (COORDINATE_MASK << Y_OFFSET) | (CAPACITY_MASK << CAPACITY_OFFSET);

    function pack(
        address account_,
        int32 x_,
        int32 y_,
        uint24 capacityMcps_
    ) internal pure returns (PackedServer) {
        return PackedServer.wrap(
            uint256(uint160(account_)) | (uint256(uint32(x_)) << X_OFFSET)
                | (uint256(uint32(y_)) << Y_OFFSET) | (uint256(capacityMcps_) << CAPACITY_OFFSET)
        );
    }

    function account(PackedServer server) internal pure returns (address) {
        return address(uint160(PackedServer.unwrap(server)));
    }

    function x(PackedServer server) internal pure returns (int32) {
        return int32(uint32(PackedServer.unwrap(server) >> X_OFFSET));
    }

    function y(PackedServer server) internal pure returns (int32) {
        return int32(uint32(PackedServer.unwrap(server) >> Y_OFFSET));
    }

    function capacityMcps(PackedServer server) internal pure returns (uint24) {
        return uint24(PackedServer.unwrap(server) >> CAPACITY_OFFSET);
    }
}
