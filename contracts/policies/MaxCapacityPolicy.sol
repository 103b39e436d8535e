// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOffloadingPolicy} from "../../interfaces/IOffloadingPolicy.sol";
import {PackedServer} from "../libraries/PackedServer.sol";
import {ServerSelection} from "../libraries/ServerSelection.sol";

/// @title MCC policy: the server with the maximum computing capacity
contract MaxCapacityPolicy is IOffloadingPolicy {
    /// @inheritdoc IOffloadingPolicy
    function name() external pure returns (string memory) {
        return "MCC";
    }

    /// @inheritdoc IOffloadingPolicy
    function selectServer(
        PackedServer[] calldata servers,
        TaskContext calldata
    ) external pure returns (uint256) {
        return ServerSelection.maxCapacity(servers);
    }
}
