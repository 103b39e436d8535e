// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PackedServer} from "./PackedServer.sol";

/// @notice The server choices the DMEC policies are made of. Ties go to the earliest candidate.
/// Each loop runs over the registry's candidates, which it bounds by MAX_SERVERS.
library ServerSelection {
    /// @notice Index of the server closest to (x, y).
    function nearest(
        PackedServer[] calldata servers,
        int32 x,
        int32 y
    ) internal pure returns (uint256 best) {
        uint256 bestDistance = type(uint256).max;
        for (uint256 i = 0; i < servers.length; ++i) {
            uint256 distance = servers[i].distanceSquared(x, y);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = i;
            }
        }
    }

    /// @notice Index of the server with the largest computing capacity.
    function maxCapacity(PackedServer[] calldata servers) internal pure returns (uint256 best) {
        uint256 bestCapacity = 0;
        for (uint256 i = 0; i < servers.length; ++i) {
            uint256 capacity = servers[i].capacityMcps();
            if (capacity > bestCapacity) {
                bestCapacity = capacity;
                best = i;
            }
        }
    }

    /// @notice Sum of the servers' capacities, megacycles per second.
    function totalCapacity(PackedServer[] calldata servers) internal pure returns (uint256 total) {
        for (uint256 i = 0; i < servers.length; ++i) {
            total += servers[i].capacityMcps();
        }
    }
}
