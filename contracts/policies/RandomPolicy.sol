// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOffloadingPolicy} from "../../interfaces/IOffloadingPolicy.sol";
import {PackedServer} from "../libraries/PackedServer.sol";

/// @title Random policy: a server drawn uniformly, for a drone with no prior knowledge
/// @notice The draw is keccak256(block.prevrandao, taskId) modulo the number of candidates.
/// On-chain randomness is predictable (SWC-120): the drone that submits, and the block producer,
/// can compute the outcome before sending and choose when to send. Use it to spread load over
/// servers that are all trusted; never where a party gains from steering the draw.
contract RandomPolicy is IOffloadingPolicy {
    /// @inheritdoc IOffloadingPolicy
    function name() external pure returns (string memory) {
        return "Random";
    }

    /// @inheritdoc IOffloadingPolicy
    function selectServer(
        PackedServer[] calldata servers,
        TaskContext calldata task
    ) external view returns (uint256) {
        return uint256(keccak256(abi.encode(block.prevrandao, task.taskId))) % servers.length;
    }
}
