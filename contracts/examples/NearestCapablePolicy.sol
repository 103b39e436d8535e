// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOffloadingPolicy} from "../../interfaces/IOffloadingPolicy.sol";
import {PackedServer} from "../libraries/PackedServer.sol";

/// @title Example policy: the nearest server fast enough for the task
/// @notice Among the servers that compute the task within BUDGET_MS (capacity x budget covers
/// its megacycles), the one nearest to the drone; when none is fast enough, the one with the
/// largest capacity. Ties go to the earliest candidate. Written as a starting point for new
/// policies (examples/new_policy.py deploys, registers and uses it); not deployed by edgeledger.
contract NearestCapablePolicy is IOffloadingPolicy {
    /// @notice How long a server may take to compute a task, milliseconds.
    uint32 public immutable BUDGET_MS;

    /// @notice Thrown when the compute budget is zero.
    error ZeroBudget();

    /// @param budgetMs How long a server may take to compute a task, milliseconds.
    constructor(uint32 budgetMs) {
        if (budgetMs == 0) revert ZeroBudget();
        BUDGET_MS = budgetMs;
    }

    /// @inheritdoc IOffloadingPolicy
    function name() external pure returns (string memory) {
        return "NearestCapable";
    }

    /// @inheritdoc IOffloadingPolicy
    function selectServer(
        PackedServer[] calldata servers,
        TaskContext calldata task
    ) external view returns (uint256) {
        // capacity x budget < 2^24 * 2^32 and megacycles x 1000 < 2^42: no overflow.
        uint256 needed = uint256(task.computeMegacycles) * 1000;
        uint256 nearest = type(uint256).max;
        uint256 nearestDistance = type(uint256).max;
        uint256 largest = 0;
        // Bounded by the registry's MAX_SERVERS, as every policy loop.
        for (uint256 i = 0; i < servers.length; ++i) {
            uint256 capacity = servers[i].capacityMcps();
            if (capacity > servers[largest].capacityMcps()) largest = i;
            if (capacity * BUDGET_MS < needed) continue;
            // int32 coordinates: each difference is below 2^33, its square below 2^66.
            int256 dx = int256(servers[i].x()) - task.droneX;
            int256 dy = int256(servers[i].y()) - task.droneY;
            uint256 distance = uint256(dx * dx + dy * dy);
            if (distance < nearestDistance) {
                nearest = i;
                nearestDistance = distance;
            }
        }
        return nearest == type(uint256).max ? largest : nearest;
    }
}
