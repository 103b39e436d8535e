// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PackedServer} from "./PackedServer.sol";

/// @notice What the DMEC policies choose from: the nearest server, the one with the largest
/// capacity, and (for DelayAware) both with the total capacity in one pass.
/// @dev Assembly over the calldata words: the issue's budget is 2,600 gas per extra server, of
/// which the registry's storage read takes 2,100, and the Solidity loop spent ~600 per server
/// on bounds checks and call overhead. The loop runs over the registry's candidates, which it
/// bounds by MAX_SERVERS; the tests compare every choice with the Python reference
/// (edgeledger/dmec/policies.py).
library ServerSelection {
    struct Scan {
        uint256 nearest; // index of the server closest to the point; ties to the earliest
        uint256 maxCapacity; // index of the largest capacity; ties to the earliest
        uint256 totalCapacityMcps; // sum of capacities (< 2^32 for 256 servers)
    }

    /// @notice Index of the server closest to (x, y); ties to the earliest.
    function nearest(
        PackedServer[] calldata servers,
        int32 x,
        int32 y
    ) internal pure returns (uint256 best) {
        assembly ("memory-safe") {
            let bestDistance := not(0)
            for { let i := 0 } lt(i, servers.length) { i := add(i, 1) } {
                let word := calldataload(add(servers.offset, shl(5, i)))
                let dx := sub(signextend(3, shr(160, word)), x)
                let dy := sub(signextend(3, shr(192, word)), y)
                let distance := add(mul(dx, dx), mul(dy, dy))
                if lt(distance, bestDistance) {
                    bestDistance := distance
                    best := i
                }
            }
        }
    }

    /// @notice Index of the server with the largest capacity; ties to the earliest.
    function maxCapacity(PackedServer[] calldata servers) internal pure returns (uint256 best) {
        assembly ("memory-safe") {
            let bestCapacity := 0
            for { let i := 0 } lt(i, servers.length) { i := add(i, 1) } {
                let capacity := and(shr(224, calldataload(add(servers.offset, shl(5, i)))), 0xffffff)
                if gt(capacity, bestCapacity) {
                    bestCapacity := capacity
                    best := i
                }
            }
        }
    }

    /// @notice All three in one pass, for DelayAware (two passes cost ~40 gas more a server).
    function scan(
        PackedServer[] calldata servers,
        int32 x,
        int32 y
    ) internal pure returns (Scan memory result) {
        uint256 nearest;
        uint256 maxCapacity;
        uint256 total;
        assembly ("memory-safe") {
            let bestDistance := not(0)
            let bestCapacity := 0
            for { let i := 0 } lt(i, servers.length) { i := add(i, 1) } {
                let word := calldataload(add(servers.offset, shl(5, i)))
                // signextend(3, v): the low 32 bits of v as a signed number (x at bit 160, y at 192).
                let dx := sub(signextend(3, shr(160, word)), x)
                let dy := sub(signextend(3, shr(192, word)), y)
                // |dx|, |dy| < 2^33, so the squares and their sum are exact in 256 bits.
                let distance := add(mul(dx, dx), mul(dy, dy))
                if lt(distance, bestDistance) {
                    bestDistance := distance
                    nearest := i
                }
                let capacity := and(shr(224, word), 0xffffff)
                if gt(capacity, bestCapacity) {
                    bestCapacity := capacity
                    maxCapacity := i
                }
                total := add(total, capacity)
            }
        }
        result = Scan({nearest: nearest, maxCapacity: maxCapacity, totalCapacityMcps: total});
    }
}
