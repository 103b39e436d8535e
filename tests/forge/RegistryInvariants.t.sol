// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DroneMecRegistry} from "../../contracts/DroneMecRegistry.sol";
import {IDroneMecRegistry} from "../../interfaces/IDroneMecRegistry.sol";
import {IReputationManager} from "../../interfaces/IReputationManager.sol";
import {RegistryHandler} from "./handlers/RegistryHandler.sol";
import {InvariantTest} from "./Vm.sol";

/// @title The DMEC registry wired to a reputation manager, with its five policies, under the
/// agent, servers, drones, devices and attackers (RegistryHandler). What must hold after every
/// call:
contract RegistryInvariants is InvariantTest {
    RegistryHandler internal handler;
    DroneMecRegistry internal registry;
    IReputationManager internal reputation;

    function setUp() public {
        handler = new RegistryHandler();
        registry = handler.REGISTRY();
        reputation = IReputationManager(address(handler.REPUTATION()));
        bytes4[] memory steps = new bytes4[](15);
        steps[0] = RegistryHandler.admitServer.selector;
        steps[1] = RegistryHandler.revokeServer.selector;
        steps[2] = RegistryHandler.authorizeDrone.selector;
        steps[3] = RegistryHandler.moveDrone.selector;
        steps[4] = RegistryHandler.revokeDrone.selector;
        steps[5] = RegistryHandler.registerDevice.selector;
        steps[6] = RegistryHandler.moveDevice.selector;
        steps[7] = RegistryHandler.setPolicy.selector;
        steps[8] = RegistryHandler.submitTask.selector;
        steps[9] = RegistryHandler.answer.selector;
        steps[10] = RegistryHandler.reassign.selector;
        steps[11] = RegistryHandler.abandon.selector;
        steps[12] = RegistryHandler.revokeDevice.selector;
        steps[13] = RegistryHandler.wait.selector;
        steps[14] = RegistryHandler.attack.selector;
        _target(address(handler), steps);
    }

    /// @notice Every task went to an active server, the one the reference chooses (Nearest,
    /// MaxCapacity, ReputationAware); no device is stuck (an outstanding task can always be
    /// closed after its timeout); no attack went through; servers, devices and latest tasks
    /// are the reference's; every server's score is the reference's (outcomes counted for the
    /// server that authorized the relaying drone, never a server's own).
    function invariant_registryPromises() public view {
        require(handler.breaches() == 0, "an attack went through");
        require(handler.wrongChoices() == 0, "a task went elsewhere than the policy's choice");
        require(handler.stuck() == 0, "a device's task could not be closed");
        address[] memory list = handler.serverList();
        IDroneMecRegistry.ServerInfo[] memory onChain = registry.getServers();
        require(onChain.length == list.length, "server count differs");
        for (uint256 i = 0; i < list.length; ++i) require(onChain[i].account == list[i], "server order differs");
        address[] memory servers = handler.allServers();
        for (uint256 i = 0; i < servers.length; ++i) {
            require(reputation.getReputationScore(servers[i]) == handler.ghostScore(servers[i]), "score differs");
        }
        address[] memory devices = handler.allDevices();
        for (uint256 i = 0; i < devices.length; ++i) _deviceIsTheReferences(devices[i]);
    }

    function _deviceIsTheReferences(address device) internal view {
        RegistryHandler.Device memory ghost = handler.ghostDevice(device);
        IDroneMecRegistry.DeviceInfo memory info = registry.getDeviceInfo(device);
        require(uint8(info.membership) == uint8(ghost.membership), "device membership differs");
        require(info.hub == ghost.hub && info.policyId == ghost.policyId, "hub or policy differs");
        require(info.taskCount == ghost.taskCount, "task count differs");
        require(uint8(info.latestTaskState) == ghost.taskState, "task state differs");
        if (ghost.taskCount == 0) return;
        uint256 taskId = (uint256(uint160(device)) << 96) | ghost.taskCount;
        require(registry.getTaskInfo(taskId).server == ghost.server, "assigned server differs");
    }
}
