// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOffloadingPolicy} from "../../interfaces/IOffloadingPolicy.sol";
import {PackedServer} from "../libraries/PackedServer.sol";
import {ServerSelection} from "../libraries/ServerSelection.sol";

/// @title DelayAware policy of the DMEC paper
/// @notice With data amount a, mean transmission rate r, computation amount b and mean
/// computing capacity c of the candidates: Nearest when a/r > b/c (transmission dominates),
/// MCC otherwise. Evaluated exactly in integers as a * sum(c) > b * r * m, m candidates, so
/// no division rounds; equality goes to MCC, as the paper's strict ">" says. sum(c) comes with
/// the task (the registry keeps it), so the decision comes first and only one loop runs.
contract DelayAwarePolicy is IOffloadingPolicy {
    /// @notice The mean drone-to-server transmission rate r, kilobytes per second.
    uint32 public immutable MEAN_RATE_KB_PER_S;

    /// @notice Thrown when the mean transmission rate is zero.
    error ZeroRate();

    /// @param meanRateKbPerS The mean transmission rate r, kilobytes per second.
    constructor(uint32 meanRateKbPerS) {
        if (meanRateKbPerS == 0) revert ZeroRate();
        MEAN_RATE_KB_PER_S = meanRateKbPerS;
    }

    /// @inheritdoc IOffloadingPolicy
    function name() external pure returns (string memory) {
        return "DelayAware";
    }

    /// @inheritdoc IOffloadingPolicy
    function selectServer(
        PackedServer[] calldata servers,
        TaskContext calldata task
    ) external view returns (uint256) {
        // a*sum(c) <= 2^32 * 2^32 and b*r*m <= 2^32 * 2^32 * 2^9: no overflow.
        uint256 transmission = uint256(task.dataKb) * task.totalCapacityMcps;
        uint256 computation =
            uint256(task.computeMegacycles) * MEAN_RATE_KB_PER_S * servers.length;
        if (transmission > computation) {
            return ServerSelection.nearest(servers, task.droneX, task.droneY);
        }
        return ServerSelection.maxCapacity(servers);
    }
}
