// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PackedServer} from "../contracts/libraries/PackedServer.sol";

/// @title An offloading policy of the drone-aided MEC registry
/// @notice A policy is a contract of its own: the agent registers it with
/// `IDroneMecRegistry.registerPolicy`, a drone assigns it to a device with `addOffloadingPolicy`,
/// and the registry asks it, for every task of that device, which server gets the task. Adding
/// a policy therefore needs no change to the registry.
interface IOffloadingPolicy {
    /// @notice What a policy knows of the task it places.
    struct TaskContext {
        uint256 taskId; // the registry's task id (device address and sequence number)
        uint32 dataKb; // data the task carries to the server, kilobytes
        uint32 computeMegacycles; // computation the task needs, millions of CPU cycles
        uint16 kind; // application-defined task kind
        int32 droneX; // relaying drone's position, metres
        int32 droneY; // relaying drone's position, metres
        uint32 totalCapacityMcps; // sum of the candidates' capacities, megacycles per second
    }

    /// @notice A short human-readable name, such as "Nearest".
    function name() external view returns (string memory);

    /// @notice Picks the server for one task.
    /// @param servers The candidates: admitted, not revoked, never empty, in the registry's order.
    /// @param task The task to place.
    /// @return index Position of the chosen server in `servers`.
    function selectServer(
        PackedServer[] calldata servers,
        TaskContext calldata task
    ) external view returns (uint256 index);
}
