// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOffloadingPolicy} from "../../interfaces/IOffloadingPolicy.sol";
import {PackedServer} from "../libraries/PackedServer.sol";
import {ServerSelection} from "../libraries/ServerSelection.sol";

/// @title Nearest policy: the available server closest to the relaying drone
contract NearestPolicy is IOffloadingPolicy {
    /// @inheritdoc IOffloadingPolicy
    function name() external pure returns (string memory) {
        return "Nearest";
    }

    /// @inheritdoc IOffloadingPolicy
    function selectServer(
        PackedServer[] calldata servers,
        TaskContext calldata task
    ) external pure returns (uint256) {
        return ServerSelection.nearest(servers, task.droneX, task.droneY);
    }
}
