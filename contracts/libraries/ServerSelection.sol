// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PackedServer, PackedServerLib} from "./PackedServer.sol";

/// @notice What the DMEC policies choose from: the nearest server and the one with the largest
/// capacity.
/// @dev Assembly over the calldata words: the issue's budget is 2,600 gas per extra server, of
/// which the registry's storage read takes 2,100, and the Solidity loop spent ~600 per server
/// on bounds checks and call overhead. The loop runs over the registry's candidates, which it
/// bounds by MAX_SERVERS; the tests compare every choice with the Python reference
/// (edgeledger/dmec/policies.py).
library ServerSelection {
    /// @notice Index of the server closest to (x, y); ties to the earliest.
    function nearest(
        PackedServer[] calldata servers,
        int32 x,
        int32 y
    ) internal pure returns (uint256 best) {
        // Assembly reads no library's constants: copies (folded into the code by the optimizer).
        uint256 xOffset = PackedServerLib.X_OFFSET;
        uint256 yOffset = PackedServerLib.Y_OFFSET;
        assembly ("memory-safe") {
            // Walks a calldata pointer rather than an index (fewer operations per server) and
            // turns the best pointer into an index at the end.
            let bestDistance := not(0)
            let bestAt := servers.offset
            let end := add(servers.offset, shl(5, servers.length))
            for { let at := servers.offset } lt(at, end) { at := add(at, 0x20) } {
                let word := calldataload(at)
                // signextend(3, v): the low 32 bits of v as a signed number (x and y are int32).
                let dx := sub(signextend(3, shr(xOffset, word)), x)
                let dy := sub(signextend(3, shr(yOffset, word)), y)
                // |dx|, |dy| < 2^33, so the squares and their sum are exact in 256 bits.
                let distance := add(mul(dx, dx), mul(dy, dy))
                if lt(distance, bestDistance) {
                    bestDistance := distance
                    bestAt := at
                }
            }
            best := shr(5, sub(bestAt, servers.offset))
        }
    }

    /// @notice Index of the server with the largest capacity; ties to the earliest.
    function maxCapacity(PackedServer[] calldata servers) internal pure returns (uint256 best) {
        uint256 capacityOffset = PackedServerLib.CAPACITY_OFFSET;
        uint256 capacityMask = PackedServerLib.CAPACITY_MASK;
        assembly ("memory-safe") {
            let bestCapacity := 0
            let bestAt := servers.offset
            let end := add(servers.offset, shl(5, servers.length))
            for { let at := servers.offset } lt(at, end) { at := add(at, 0x20) } {
                let capacity := and(shr(capacityOffset, calldataload(at)), capacityMask)
                if gt(capacity, bestCapacity) {
                    bestCapacity := capacity
                    bestAt := at
                }
            }
            best := shr(5, sub(bestAt, servers.offset))
        }
    }
}
