// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {DroneMecRegistry} from "../../../contracts/DroneMecRegistry.sol";
import {ReputationManager} from "../../../contracts/ReputationManager.sol";
import {GuardedCalls} from "../../../contracts/libraries/GuardedCalls.sol";
import {DelayAwarePolicy} from "../../../contracts/policies/DelayAwarePolicy.sol";
import {MaxCapacityPolicy} from "../../../contracts/policies/MaxCapacityPolicy.sol";
import {NearestPolicy} from "../../../contracts/policies/NearestPolicy.sol";
import {RandomPolicy} from "../../../contracts/policies/RandomPolicy.sol";
import {OutOfRangePolicy} from "../../../contracts/testing/OutOfRangePolicy.sol";
import {IDroneMecRegistry} from "../../../interfaces/IDroneMecRegistry.sol";
import {IOffloadingPolicy} from "../../../interfaces/IOffloadingPolicy.sol";
import {IReputationManager} from "../../../interfaces/IReputationManager.sol";
import {VM} from "../Vm.sol";
import {EchoPolicy, UnitHelpers} from "./UnitDoubles.sol";

/// @title Unit tests of the DMEC registry: every function, every custom error and branch
/// @notice The fixture: a reputation manager (weight 300, scores from 500, influence bound 500
/// a day) with S1, S2, S3 as nodes; the registry wired to it (timeout 60 s) with Random,
/// Nearest, MCC and DelayAware as ids 1..4; S1 at (0, 0) with 1,000 Mc/s and S2 at (1000, 0)
/// with 3,000 Mc/s admitted; drones DR1 at (900, 0) and DR2 at (-900, 0), both authorized by
/// S1; device DV1 relayed by DR1 with Nearest (so its tasks go to S2, and an outcome about S2
/// counts for S1). Block time starts at T0.
contract RegistryUnits is UnitHelpers {
    uint32 internal constant TIMEOUT = 60;
    uint256 internal constant T0 = 1_000;
    address internal constant S1 = address(0x5001);
    address internal constant S2 = address(0x5002);
    address internal constant S3 = address(0x5003);
    address internal constant S4 = address(0x5004);
    address internal constant DR1 = address(0xD001);
    address internal constant DR2 = address(0xD002);
    address internal constant DR3 = address(0xD003);
    address internal constant DV1 = address(0xE001);
    address internal constant DV2 = address(0xE002);
    address internal constant STRANGER = address(0xBAD);
    bytes32 internal constant DIGEST = keccak256("result");

    ReputationManager internal rep;
    DroneMecRegistry internal reg;
    RandomPolicy internal random;
    NearestPolicy internal nearest;
    MaxCapacityPolicy internal mcc;
    DelayAwarePolicy internal delayAware;

    function setUp() public {
        VM.warp(T0);
        rep = new ReputationManager(300, 500, 500, 500, 86_400, 0);
        rep.registerNode(S1);
        rep.registerNode(S2);
        rep.registerNode(S3);
        random = new RandomPolicy();
        nearest = new NearestPolicy();
        mcc = new MaxCapacityPolicy();
        delayAware = new DelayAwarePolicy(2_500);
        reg = new DroneMecRegistry(TIMEOUT, _builtIn(), IReputationManager(address(rep)), 0);
        rep.grantRole(rep.OUTCOME_SOURCE_ROLE(), address(reg));
        reg.registerServer(S1, 0, 0, 1_000);
        reg.registerServer(S2, 1_000, 0, 3_000);
        VM.prank(S1);
        reg.registerDrone(DR1, 900, 0);
        VM.prank(S1);
        reg.registerDrone(DR2, -900, 0);
        VM.prank(DR1);
        reg.registerDevice(DV1);
        VM.prank(DR1);
        reg.addOffloadingPolicy(DV1, 2);
    }

    // ---------------------------------------------------------------- helpers

    function _builtIn() internal view returns (IOffloadingPolicy[4] memory policies) {
        policies = [IOffloadingPolicy(random), nearest, mcc, delayAware];
    }

    function _id(address device, uint32 sequence) internal pure returns (uint256) {
        return (uint256(uint160(device)) << 96) | sequence;
    }

    function _submit(address drone, address device) internal returns (uint256 taskId) {
        VM.prank(drone);
        taskId = reg.submitTask(device, 100, 200, 7);
    }

    function _err(bytes4 selector, address a) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, a);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    function _state(uint256 taskId) internal view returns (IDroneMecRegistry.TaskState) {
        return reg.getTaskInfo(taskId).state;
    }

    function _serversAre(address[] memory expected) internal view {
        IDroneMecRegistry.ServerInfo[] memory servers = reg.getServers();
        _eq(servers.length, expected.length, "server count");
        _eq(reg.serverCount(), expected.length, "serverCount()");
        for (uint256 i = 0; i < expected.length; ++i) {
            _eqAddr(servers[i].account, expected[i], "server order");
            require(servers[i].membership == IDroneMecRegistry.Membership.Active, "listed server not active");
        }
    }

    function _list(address a) internal pure returns (address[] memory l) {
        l = new address[](1);
        l[0] = a;
    }

    function _list(address a, address b) internal pure returns (address[] memory l) {
        l = new address[](2);
        (l[0], l[1]) = (a, b);
    }

    function _list(address a, address b, address c) internal pure returns (address[] memory l) {
        l = new address[](3);
        (l[0], l[1], l[2]) = (a, b, c);
    }

    function _standalone() internal returns (DroneMecRegistry r) {
        r = new DroneMecRegistry(TIMEOUT, _builtIn(), IReputationManager(address(0)), 0);
    }

    // ---------------------------------------------------------------- constructor and roles

    function test_constructor_wiredRegistryNeedsATimeout() public {
        IOffloadingPolicy[4] memory policies = _builtIn();
        VM.expectRevert(IDroneMecRegistry.ZeroTaskTimeout.selector);
        new DroneMecRegistry(0, policies, IReputationManager(address(rep)), 0);
    }

    function test_constructor_standaloneRegistryTakesAZeroTimeout() public {
        DroneMecRegistry r = new DroneMecRegistry(0, _builtIn(), IReputationManager(address(0)), 0);
        _eq(r.TASK_TIMEOUT_S(), 0, "timeout");
        _eqAddr(address(r.REPUTATION()), address(0), "reputation");
        _eq(r.policyCount(), 4, "policy count");
        _eqAddr(address(r.getPolicy(1)), address(random), "policy 1");
        _eqAddr(address(r.getPolicy(2)), address(nearest), "policy 2");
        _eqAddr(address(r.getPolicy(3)), address(mcc), "policy 3");
        _eqAddr(address(r.getPolicy(4)), address(delayAware), "policy 4");
        _eqAddr(r.defaultAdmin(), address(this), "admin");
    }

    function test_constructor_refusesABuiltInPolicyWithoutCode() public {
        IOffloadingPolicy[4] memory policies = _builtIn();
        policies[2] = IOffloadingPolicy(STRANGER);
        VM.expectRevert(_err(IDroneMecRegistry.PolicyNotContract.selector, STRANGER));
        new DroneMecRegistry(TIMEOUT, policies, IReputationManager(address(rep)), 0);
    }

    function test_constructor_grantsTheDeployerEveryRole() public view {
        require(reg.hasRole(reg.DEFAULT_ADMIN_ROLE(), address(this)), "admin role");
        require(reg.hasRole(reg.AGENT_ROLE(), address(this)), "agent role");
        require(reg.hasRole(reg.POLICY_ADMIN_ROLE(), address(this)), "policy admin role");
        require(reg.hasRole(reg.PAUSER_ROLE(), address(this)), "pauser role");
        require(reg.AGENT_ROLE() == keccak256("AGENT_ROLE"), "agent role id");
        require(reg.POLICY_ADMIN_ROLE() == keccak256("POLICY_ADMIN_ROLE"), "policy admin role id");
        require(reg.PAUSER_ROLE() == keccak256("PAUSER_ROLE"), "pauser role id");
        _eq(reg.MAX_SERVERS(), 256, "MAX_SERVERS");
        _eq(reg.MAX_POLICIES(), 255, "MAX_POLICIES");
        _eq(reg.MAX_BATCH(), 256, "MAX_BATCH");
        _eq(reg.BUILT_IN_POLICIES(), 4, "BUILT_IN_POLICIES");
        _eq(reg.TASK_TIMEOUT_S(), TIMEOUT, "TASK_TIMEOUT_S");
        _eqAddr(address(reg.REPUTATION()), address(rep), "REPUTATION");
        require(!reg.paused(), "paused at deployment");
    }

    function test_roles_theAdminGrantsAndRevokesTheAgent() public {
        bytes32 agent = reg.AGENT_ROLE();
        VM.expectRevert(_unauthorized(STRANGER, bytes32(0)));
        VM.prank(STRANGER);
        reg.grantRole(agent, STRANGER);

        reg.grantRole(agent, STRANGER);
        VM.prank(STRANGER);
        reg.registerServer(S3, 1, 2, 3);
        require(reg.getServerInfo(S3).membership == IDroneMecRegistry.Membership.Active, "granted agent");

        reg.revokeRole(agent, STRANGER);
        VM.expectRevert(_unauthorized(STRANGER, agent));
        VM.prank(STRANGER);
        reg.revokeServer(S3);
    }

    function test_roles_theAdminHandoverTakesTwoStepsAndTheDelay() public {
        DroneMecRegistry r = new DroneMecRegistry(TIMEOUT, _builtIn(), IReputationManager(address(rep)), 100);
        bytes32 admin = r.DEFAULT_ADMIN_ROLE();
        VM.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        r.grantRole(admin, STRANGER);

        r.beginDefaultAdminTransfer(STRANGER);
        VM.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, uint48(T0 + 100)
            )
        );
        VM.prank(STRANGER);
        r.acceptDefaultAdminTransfer();

        VM.warp(T0 + 101);
        VM.prank(STRANGER);
        r.acceptDefaultAdminTransfer();
        _eqAddr(r.defaultAdmin(), STRANGER, "new admin");
        require(!r.hasRole(admin, address(this)), "old admin kept its role");
    }

    // ---------------------------------------------------------------- registerServer

    function test_registerServer_onlyTheAgent() public {
        bytes32 agent = reg.AGENT_ROLE();
        VM.expectRevert(_unauthorized(STRANGER, agent));
        VM.prank(STRANGER);
        reg.registerServer(S3, 0, 0, 1);
    }

    function test_registerServer_refusesZeroAddressAndZeroCapacity() public {
        VM.expectRevert(IDroneMecRegistry.ZeroAddress.selector);
        reg.registerServer(address(0), 0, 0, 1);
        VM.expectRevert(IDroneMecRegistry.ZeroCapacity.selector);
        reg.registerServer(S3, 0, 0, 0);
    }

    function test_registerServer_refusesAServerTwiceEvenOnceRevoked() public {
        VM.expectRevert(_err(IDroneMecRegistry.ServerAlreadyRegistered.selector, S1));
        reg.registerServer(S1, 5, 5, 5);
        reg.revokeServer(S1);
        VM.expectRevert(_err(IDroneMecRegistry.ServerAlreadyRegistered.selector, S1));
        reg.registerServer(S1, 5, 5, 5);
    }

    function test_registerServer_onlyAnActiveReputationNode() public {
        VM.expectRevert(_err(IDroneMecRegistry.ServerNotReputationNode.selector, S4));
        reg.registerServer(S4, 0, 0, 1);
        rep.registerNode(S4);
        rep.unregisterNode(S4);
        VM.expectRevert(_err(IDroneMecRegistry.ServerNotReputationNode.selector, S4));
        reg.registerServer(S4, 0, 0, 1);
        rep.registerNode(S4);
        reg.registerServer(S4, 0, 0, 1);
        require(reg.getServerInfo(S4).membership == IDroneMecRegistry.Membership.Active, "admitted");
    }

    function test_registerServer_recordsTheServerAtTheHeadOfTheList() public {
        reg.registerServer(S3, -7, 9, 500);
        IDroneMecRegistry.ServerInfo memory info = reg.getServerInfo(S3);
        _eqAddr(info.account, S3, "account");
        _eqInt(info.x, -7, "x");
        _eqInt(info.y, 9, "y");
        _eq(info.capacityMcps, 500, "capacity");
        require(info.membership == IDroneMecRegistry.Membership.Active, "membership");
        _serversAre(_list(S3, S2, S1));
        IDroneMecRegistry.ServerInfo[] memory servers = reg.getServers();
        _eqInt(servers[0].x, -7, "listed x");
        _eq(servers[1].capacityMcps, 3_000, "listed capacity");
    }

    function test_registerServer_standaloneRegistryTakesAtMostMaxServers() public {
        DroneMecRegistry r = _standalone();
        for (uint256 i = 0; i < 256; ++i) r.registerServer(address(uint160(0x10000 + i)), int32(int256(i)), 0, 1);
        _eq(r.serverCount(), 256, "server count");
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TooManyServers.selector, uint256(256)));
        r.registerServer(address(0x20000), 0, 0, 1);
        // A revocation frees a place.
        r.revokeServer(address(0x10000));
        r.registerServer(address(0x20000), 0, 0, 1);
        _eq(r.serverCount(), 256, "server count after the swap");
    }

    // ---------------------------------------------------------------- revokeServer

    function test_revokeServer_onlyTheAgent() public {
        bytes32 agent = reg.AGENT_ROLE();
        VM.expectRevert(_unauthorized(STRANGER, agent));
        VM.prank(STRANGER);
        reg.revokeServer(S1);
    }

    function test_revokeServer_onlyAnActiveServer() public {
        VM.expectRevert(_err(IDroneMecRegistry.ServerNotActive.selector, S3));
        reg.revokeServer(S3);
        reg.revokeServer(S1);
        VM.expectRevert(_err(IDroneMecRegistry.ServerNotActive.selector, S1));
        reg.revokeServer(S1);
    }

    function test_revokeServer_unlinksTailMiddleAndHead() public {
        rep.registerNode(S4);
        reg.registerServer(S3, 0, 5, 10);
        reg.registerServer(S4, 0, -5, 20);
        IDroneMecRegistry.ServerInfo[] memory four = reg.getServers();
        _eq(four.length, 4, "four servers");
        _eqAddr(four[2].account, S2, "third");
        _eqAddr(four[3].account, S1, "fourth");

        reg.revokeServer(S1); // the tail: a walk over three links
        _serversAre(_list(S4, S3, S2));
        reg.revokeServer(S3); // the middle
        _serversAre(_list(S4, S2));
        reg.revokeServer(S4); // the head
        _serversAre(_list(S2));
        IDroneMecRegistry.ServerInfo memory info = reg.getServerInfo(S4);
        require(info.membership == IDroneMecRegistry.Membership.Revoked, "revoked");
        _eq(info.capacityMcps, 20, "a revoked server keeps its record");

        // The list's total capacity left with them: only S2's 3,000 remain.
        EchoPolicy echo = new EchoPolicy();
        reg.registerPolicy(echo);
        VM.prank(S2);
        reg.registerDrone(DR3, 7, 8);
        VM.prank(DR3);
        reg.registerDevice(DV2);
        VM.prank(DR3);
        reg.addOffloadingPolicy(DV2, 5);
        uint256[] memory words = new uint256[](1);
        words[0] = _word(S2, 1_000, 0, 3_000);
        VM.expectRevert(abi.encodeWithSelector(EchoPolicy.Echo.selector, words, _id(DV2, 1), 11, 12, 13, 7, 8, 3_000));
        reg.queryOffloading(DV2, 11, 12, 13);
    }

    // ---------------------------------------------------------------- drones

    function test_registerDrone_onlyByAnActiveServer() public {
        VM.expectRevert(_err(IDroneMecRegistry.ServerNotActive.selector, STRANGER));
        VM.prank(STRANGER);
        reg.registerDrone(DR3, 0, 0);
        reg.revokeServer(S2);
        VM.expectRevert(_err(IDroneMecRegistry.ServerNotActive.selector, S2));
        VM.prank(S2);
        reg.registerDrone(DR3, 0, 0);
    }

    function test_registerDrone_refusesZeroAndADroneTwice() public {
        VM.expectRevert(IDroneMecRegistry.ZeroAddress.selector);
        VM.prank(S1);
        reg.registerDrone(address(0), 0, 0);
        VM.expectRevert(_err(IDroneMecRegistry.DroneAlreadyRegistered.selector, DR1));
        VM.prank(S2);
        reg.registerDrone(DR1, 0, 0);
        reg.revokeDrone(DR1);
        VM.expectRevert(_err(IDroneMecRegistry.DroneAlreadyRegistered.selector, DR1));
        VM.prank(S2);
        reg.registerDrone(DR1, 0, 0);
    }

    function test_registerDrone_recordsTheDrone() public {
        VM.prank(S2);
        reg.registerDrone(DR3, -3, 4);
        IDroneMecRegistry.DroneInfo memory info = reg.getDroneInfo(DR3);
        _eqAddr(info.authorizedBy, S2, "authorizedBy");
        _eqInt(info.x, -3, "x");
        _eqInt(info.y, 4, "y");
        require(info.membership == IDroneMecRegistry.Membership.Active, "membership");
        IDroneMecRegistry.DroneInfo memory none = reg.getDroneInfo(STRANGER);
        require(none.membership == IDroneMecRegistry.Membership.None && none.authorizedBy == address(0), "unknown");
    }

    function test_updateDronePosition_movesAnActiveDrone() public {
        VM.prank(DR1);
        reg.updateDronePosition(-10, 20);
        IDroneMecRegistry.DroneInfo memory info = reg.getDroneInfo(DR1);
        _eqInt(info.x, -10, "x");
        _eqInt(info.y, 20, "y");
        // The policy now sees the new position: Nearest picks S1.
        _eqAddr(reg.queryOffloading(DV1, 1, 1, 0), S1, "nearest after the move");
    }

    function test_updateDronePosition_refusesAnInactiveDrone() public {
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, STRANGER));
        VM.prank(STRANGER);
        reg.updateDronePosition(1, 1);
        reg.revokeDrone(DR2);
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, DR2));
        VM.prank(DR2);
        reg.updateDronePosition(1, 1);
        // Revoking a server deactivates its drones.
        reg.revokeServer(S1);
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, DR1));
        VM.prank(DR1);
        reg.updateDronePosition(1, 1);
    }

    function test_revokeDrone_byItsServerOrTheAgent() public {
        VM.prank(S1);
        reg.revokeDrone(DR1);
        require(reg.getDroneInfo(DR1).membership == IDroneMecRegistry.Membership.Revoked, "by its server");
        reg.revokeDrone(DR2);
        require(reg.getDroneInfo(DR2).membership == IDroneMecRegistry.Membership.Revoked, "by the agent");
    }

    function test_revokeDrone_refusals() public {
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, STRANGER));
        reg.revokeDrone(STRANGER);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.NotDroneAuthority.selector, S2, DR1));
        VM.prank(S2);
        reg.revokeDrone(DR1);
        reg.revokeDrone(DR1);
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, DR1));
        reg.revokeDrone(DR1);
    }

    // ---------------------------------------------------------------- devices

    function test_registerDevice_refusals() public {
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, STRANGER));
        VM.prank(STRANGER);
        reg.registerDevice(DV2);
        VM.expectRevert(IDroneMecRegistry.ZeroAddress.selector);
        VM.prank(DR1);
        reg.registerDevice(address(0));
        VM.expectRevert(_err(IDroneMecRegistry.DeviceAlreadyRegistered.selector, DV1));
        VM.prank(DR2);
        reg.registerDevice(DV1);
    }

    function test_registerDevice_recordsTheDevice() public {
        VM.prank(DR2);
        reg.registerDevice(DV2);
        IDroneMecRegistry.DeviceInfo memory info = reg.getDeviceInfo(DV2);
        _eqAddr(info.hub, DR2, "hub");
        _eq(info.policyId, 0, "no policy yet");
        require(info.membership == IDroneMecRegistry.Membership.Active, "membership");
        _eq(info.taskCount, 0, "task count");
        require(info.latestTaskState == IDroneMecRegistry.TaskState.None, "task state");
        _eqAddr(reg.queryDrone(DV2), DR2, "queryDrone");
        _eqAddr(reg.queryDrone(STRANGER), address(0), "queryDrone of nobody");
        require(reg.getDeviceInfo(STRANGER).membership == IDroneMecRegistry.Membership.None, "unknown device");
    }

    function test_addDroneToDevice_theHubMovesItsDevice() public {
        VM.prank(DR1);
        reg.addDroneToDevice(DV1, DR2);
        _eqAddr(reg.queryDrone(DV1), DR2, "new hub");
        // The old hub has no say any more; the new one relays its tasks.
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.NotDeviceHub.selector, DR1, DV1, DR2));
        VM.prank(DR1);
        reg.addDroneToDevice(DV1, DR1);
        uint256 taskId = _submit(DR2, DV1);
        _eqAddr(reg.getTaskInfo(taskId).server, S1, "nearest to DR2");
    }

    function test_addDroneToDevice_refusals() public {
        // The agent, not a drone, cannot move a device whose hub is active.
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, address(this)));
        reg.addDroneToDevice(DV1, DR2);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.NotDeviceHub.selector, DR2, DV1, DR1));
        VM.prank(DR2);
        reg.addDroneToDevice(DV1, DR2);
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, STRANGER));
        VM.prank(DR1);
        reg.addDroneToDevice(DV1, STRANGER);
        VM.expectRevert(_err(IDroneMecRegistry.DeviceNotActive.selector, DV2));
        VM.prank(DR1);
        reg.addDroneToDevice(DV2, DR2);
        // Nor the agent a device that was never registered (no orphan: not active).
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, address(this)));
        reg.addDroneToDevice(DV2, DR2);
        reg.revokeDevice(DV1);
        VM.expectRevert(_err(IDroneMecRegistry.DeviceNotActive.selector, DV1));
        VM.prank(DR1);
        reg.addDroneToDevice(DV1, DR2);
        _eqAddr(reg.queryDrone(DV1), DR1, "hub unchanged");
    }

    function test_addDroneToDevice_notWhileATaskIsOutstanding() public {
        uint256 taskId = _submit(DR1, DV1);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskOutstanding.selector, DV1, taskId));
        VM.prank(DR1);
        reg.addDroneToDevice(DV1, DR2);
        // Not even the agent, once the hub is gone.
        reg.revokeDrone(DR1);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskOutstanding.selector, DV1, taskId));
        reg.addDroneToDevice(DV1, DR2);
    }

    function test_addDroneToDevice_theAgentRehomesTheOrphanOfARevokedDrone() public {
        reg.revokeDrone(DR1);
        // Only the agent: a drone still needs to be the device's hub.
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.NotDeviceHub.selector, DR2, DV1, DR1));
        VM.prank(DR2);
        reg.addDroneToDevice(DV1, DR2);
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, STRANGER));
        VM.prank(STRANGER);
        reg.addDroneToDevice(DV1, DR2);
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, DR1));
        reg.addDroneToDevice(DV1, DR1);
        reg.addDroneToDevice(DV1, DR2);
        _eqAddr(reg.queryDrone(DV1), DR2, "rehomed");
    }

    function test_addDroneToDevice_theAgentRehomesTheOrphanOfARevokedServer() public {
        VM.prank(S2);
        reg.registerDrone(DR3, 0, 0);
        reg.revokeServer(S1); // DR1 and DR2 go with it
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, DR2));
        reg.addDroneToDevice(DV1, DR2);
        reg.addDroneToDevice(DV1, DR3);
        _eqAddr(reg.queryDrone(DV1), DR3, "rehomed");
        uint256 taskId = _submit(DR3, DV1);
        _eqAddr(reg.getTaskInfo(taskId).server, S2, "the only server");
    }

    function test_revokeDevice_byItsHubOrTheAgent() public {
        VM.prank(DR1);
        reg.revokeDevice(DV1);
        require(reg.getDeviceInfo(DV1).membership == IDroneMecRegistry.Membership.Revoked, "by its hub");
        VM.prank(DR1);
        reg.registerDevice(DV2);
        reg.revokeDevice(DV2);
        require(reg.getDeviceInfo(DV2).membership == IDroneMecRegistry.Membership.Revoked, "by the agent");
        VM.expectRevert(_err(IDroneMecRegistry.DeviceNotActive.selector, DV1));
        _submit(DR1, DV1);
    }

    function test_revokeDevice_refusals() public {
        VM.expectRevert(_err(IDroneMecRegistry.DeviceNotActive.selector, DV2));
        reg.revokeDevice(DV2);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.NotDeviceAuthority.selector, DR2, DV1));
        VM.prank(DR2);
        reg.revokeDevice(DV1);
        reg.revokeDevice(DV1);
        VM.expectRevert(_err(IDroneMecRegistry.DeviceNotActive.selector, DV1));
        VM.prank(DR1);
        reg.revokeDevice(DV1);
    }

    // ---------------------------------------------------------------- policies

    function test_registerPolicy_onlyThePolicyAdmin() public {
        bytes32 role = reg.POLICY_ADMIN_ROLE();
        VM.expectRevert(_unauthorized(STRANGER, role));
        VM.prank(STRANGER);
        reg.registerPolicy(nearest);
    }

    function test_registerPolicy_refusesAnAccountWithoutCode() public {
        VM.expectRevert(_err(IDroneMecRegistry.PolicyNotContract.selector, STRANGER));
        reg.registerPolicy(IOffloadingPolicy(STRANGER));
    }

    function test_registerPolicy_numbersFromFive() public {
        OutOfRangePolicy oor = new OutOfRangePolicy();
        _eq(reg.registerPolicy(oor), 5, "first id");
        _eq(reg.policyCount(), 5, "count");
        _eqAddr(address(reg.getPolicy(5)), address(oor), "getPolicy(5)");
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.UnknownPolicy.selector, uint8(6)));
        reg.getPolicy(6);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.UnknownPolicy.selector, uint8(0)));
        reg.getPolicy(0);
    }

    function test_registerPolicy_atMostMaxPolicies() public {
        for (uint256 i = 5; i <= 255; ++i) _eq(reg.registerPolicy(nearest), i, "id");
        _eq(reg.policyCount(), 255, "count");
        _eqAddr(address(reg.getPolicy(255)), address(nearest), "last");
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TooManyPolicies.selector, uint256(255)));
        reg.registerPolicy(nearest);
    }

    function test_addOffloadingPolicy_setsAKnownPolicy() public {
        VM.prank(DR1);
        reg.addOffloadingPolicy(DV1, 3);
        _eq(reg.getDeviceInfo(DV1).policyId, 3, "policy id");
        uint8 id = reg.registerPolicy(mcc);
        VM.prank(DR1);
        reg.addOffloadingPolicy(DV1, id);
        _eq(reg.getDeviceInfo(DV1).policyId, 5, "registered policy id");
        _eqAddr(reg.queryOffloading(DV1, 1, 1, 1), S2, "MCC through the catalogue");
    }

    function test_addOffloadingPolicy_refusals() public {
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.UnknownPolicy.selector, uint8(0)));
        VM.prank(DR1);
        reg.addOffloadingPolicy(DV1, 0);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.UnknownPolicy.selector, uint8(5)));
        VM.prank(DR1);
        reg.addOffloadingPolicy(DV1, 5);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.NotDeviceHub.selector, DR2, DV1, DR1));
        VM.prank(DR2);
        reg.addOffloadingPolicy(DV1, 1);
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, STRANGER));
        VM.prank(STRANGER);
        reg.addOffloadingPolicy(DV1, 1);
        VM.expectRevert(_err(IDroneMecRegistry.DeviceNotActive.selector, DV2));
        VM.prank(DR1);
        reg.addOffloadingPolicy(DV2, 1);
        _eq(reg.getDeviceInfo(DV1).policyId, 2, "policy unchanged");
    }

    // ---------------------------------------------------------------- submitTask

    function test_submitTask_placesTheTaskWithTheDevicesPolicy() public {
        VM.warp(T0 + 5);
        uint256 taskId = _submit(DR1, DV1);
        _eq(taskId, _id(DV1, 1), "task id");
        IDroneMecRegistry.TaskInfo memory info = reg.getTaskInfo(taskId);
        _eq(info.taskId, taskId, "taskId");
        _eqAddr(info.device, DV1, "device");
        _eqAddr(info.server, S2, "Nearest to DR1 is S2");
        _eq(info.dataKb, 100, "dataKb");
        _eq(info.computeMegacycles, 200, "computeMegacycles");
        _eq(info.kind, 7, "kind");
        _eq(info.assignedAt, T0 + 5, "assignedAt");
        require(info.state == IDroneMecRegistry.TaskState.Assigned, "state");
        IDroneMecRegistry.DeviceInfo memory device = reg.getDeviceInfo(DV1);
        _eq(device.taskCount, 1, "task count");
        require(device.latestTaskState == IDroneMecRegistry.TaskState.Assigned, "device task state");
        _eq(device.policyId, 2, "policy kept");
        _eqAddr(device.hub, DR1, "hub kept");
    }

    function test_submitTask_refusals() public {
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, STRANGER));
        _submit(STRANGER, DV1);
        VM.expectRevert(_err(IDroneMecRegistry.DeviceNotActive.selector, DV2));
        _submit(DR1, DV2);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.NotDeviceHub.selector, DR2, DV1, DR1));
        _submit(DR2, DV1);
        VM.prank(DR1);
        reg.registerDevice(DV2);
        VM.expectRevert(_err(IDroneMecRegistry.OffloadingPolicyNotSet.selector, DV2));
        _submit(DR1, DV2);
        _eq(reg.getDeviceInfo(DV2).taskCount, 0, "nothing recorded");
    }

    function test_submitTask_oneOutstandingTaskPerDevice() public {
        uint256 taskId = _submit(DR1, DV1);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskOutstanding.selector, DV1, taskId));
        _submit(DR1, DV1);
    }

    function test_submitTask_refusesAPolicyAnswerOutOfRange() public {
        OutOfRangePolicy oor = new OutOfRangePolicy();
        uint8 id = reg.registerPolicy(oor);
        VM.prank(DR1);
        reg.addOffloadingPolicy(DV1, id);
        VM.expectRevert(
            abi.encodeWithSelector(IDroneMecRegistry.InvalidPolicyChoice.selector, address(oor), uint256(2), uint256(2))
        );
        _submit(DR1, DV1);
    }

    function test_submitTask_givesThePolicyTheCandidatesAndTheContext() public {
        EchoPolicy echo = new EchoPolicy();
        uint8 id = reg.registerPolicy(echo);
        VM.prank(DR1);
        reg.addOffloadingPolicy(DV1, id);
        reg.registerServer(S3, -2_000_000, type(int32).max, type(uint24).max);
        uint256[] memory words = new uint256[](3);
        words[0] = _word(S3, -2_000_000, type(int32).max, type(uint24).max);
        words[1] = _word(S2, 1_000, 0, 3_000);
        words[2] = _word(S1, 0, 0, 1_000);
        uint32 total = uint32(4_000) + type(uint24).max;
        VM.expectRevert(abi.encodeWithSelector(EchoPolicy.Echo.selector, words, _id(DV1, 1), 100, 200, 7, 900, 0, total));
        _submit(DR1, DV1);
    }

    function test_submitTask_eachBuiltInPolicy() public {
        // DR2 at (-900, 0): nearest is S1 (1,000 Mc/s), the largest is S2 (3,000 Mc/s).
        VM.prank(DR2);
        reg.registerDevice(DV2);
        uint8[4] memory ids = [uint8(2), 3, 4, 4];
        address[4] memory expected = [S1, S2, S2, S1];
        // DelayAware: a * 4,000 against b * 2,500 * 2; 100 kB and 200 Mc favour MCC, 10,000 kB Nearest.
        uint32[4] memory data = [uint32(100), 100, 100, 10_000];
        for (uint256 i = 0; i < 4; ++i) {
            VM.prank(DR2);
            reg.addOffloadingPolicy(DV2, ids[i]);
            VM.prank(DR2);
            uint256 taskId = reg.submitTask(DV2, data[i], 200, 1);
            address server = reg.getTaskInfo(taskId).server;
            _eqAddr(server, expected[i], "built-in policy's choice");
            VM.prank(server);
            reg.submitResult(taskId, DIGEST);
        }
        VM.prank(DR2);
        reg.addOffloadingPolicy(DV2, 1);
        VM.prank(DR2);
        uint256 randomTask = reg.submitTask(DV2, 1, 1, 1);
        address drawn = reg.getTaskInfo(randomTask).server;
        uint256 index = uint256(keccak256(abi.encode(block.prevrandao, randomTask))) % 2;
        _eqAddr(drawn, index == 0 ? S2 : S1, "Random's draw over [S2, S1]");
        _eq(randomTask, _id(DV2, 5), "fifth task");
    }

    function test_submitTask_pausedRefusesNewTasks() public {
        reg.pause();
        VM.expectRevert(Pausable.EnforcedPause.selector);
        _submit(DR1, DV1);
        reg.unpause();
        _submit(DR1, DV1);
        _eq(reg.getDeviceInfo(DV1).taskCount, 1, "submitted after unpause");
    }

    // ---------------------------------------------------------------- submitTasks

    function _batch(address a, address b) internal pure returns (IDroneMecRegistry.TaskRequest[] memory tasks) {
        tasks = new IDroneMecRegistry.TaskRequest[](2);
        tasks[0] = IDroneMecRegistry.TaskRequest({device: a, dataKb: 100, computeMegacycles: 200, kind: 7});
        tasks[1] = IDroneMecRegistry.TaskRequest({device: b, dataKb: 5, computeMegacycles: 6, kind: 8});
    }

    function test_submitTasks_placesABatch() public {
        VM.prank(DR1);
        reg.registerDevice(DV2);
        VM.prank(DR1);
        reg.addOffloadingPolicy(DV2, 3);
        IDroneMecRegistry.TaskRequest[] memory tasks = _batch(DV1, DV2);
        VM.prank(DR1);
        uint256[] memory ids = reg.submitTasks(tasks);
        _eq(ids.length, 2, "two ids");
        _eq(ids[0], _id(DV1, 1), "first id");
        _eq(ids[1], _id(DV2, 1), "second id");
        IDroneMecRegistry.TaskInfo memory second = reg.getTaskInfo(ids[1]);
        _eqAddr(second.server, S2, "MCC");
        _eq(second.dataKb, 5, "dataKb");
        _eq(second.computeMegacycles, 6, "computeMegacycles");
        _eq(second.kind, 8, "kind");
        require(reg.getTaskInfo(ids[0]).state == IDroneMecRegistry.TaskState.Assigned, "first assigned");
    }

    function test_submitTasks_refusals() public {
        IDroneMecRegistry.TaskRequest[] memory none = new IDroneMecRegistry.TaskRequest[](0);
        VM.expectRevert(IDroneMecRegistry.EmptyBatch.selector);
        VM.prank(DR1);
        reg.submitTasks(none);
        IDroneMecRegistry.TaskRequest[] memory tooMany = new IDroneMecRegistry.TaskRequest[](257);
        VM.expectRevert(
            abi.encodeWithSelector(IDroneMecRegistry.BatchTooLarge.selector, uint256(257), uint256(256))
        );
        VM.prank(DR1);
        reg.submitTasks(tooMany);
        IDroneMecRegistry.TaskRequest[] memory tasks = _batch(DV1, DV1);
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, STRANGER));
        VM.prank(STRANGER);
        reg.submitTasks(tasks);
        // One device twice: the second is outstanding behind the first, and the batch is undone.
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskOutstanding.selector, DV1, _id(DV1, 1)));
        VM.prank(DR1);
        reg.submitTasks(tasks);
        _eq(reg.getDeviceInfo(DV1).taskCount, 0, "all or nothing");
        reg.pause();
        VM.expectRevert(Pausable.EnforcedPause.selector);
        VM.prank(DR1);
        reg.submitTasks(tasks);
    }

    // ---------------------------------------------------------------- submitResult

    function test_submitResult_completesTheTaskAndScoresTheServerForTheDronesServer() public {
        uint256 taskId = _submit(DR1, DV1);
        VM.warp(T0 + 15);
        VM.prank(S2);
        reg.submitResult(taskId, DIGEST);
        require(_state(taskId) == IDroneMecRegistry.TaskState.Completed, "completed");
        require(reg.getDeviceInfo(DV1).latestTaskState == IDroneMecRegistry.TaskState.Completed, "device state");
        // 15 s of 60: incentive 750, score (700 * 500 + 300 * 750) / 1000 = 575, on S1's account.
        _eq(rep.getReputationScore(S2), 575, "S2's score");
        _eq(rep.getReputationScore(S1), 500, "S1 untouched");
        _eqInt(rep.influenceOf(S1, S2), 75, "S1's influence on S2");
        // The device's next task may go.
        _eq(_submit(DR1, DV1), _id(DV1, 2), "next task");
    }

    function test_submitResult_refusals() public {
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskNotOutstanding.selector, _id(DV1, 1)));
        VM.prank(S2);
        reg.submitResult(_id(DV1, 1), DIGEST);
        uint256 taskId = _submit(DR1, DV1);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.NotAssignedServer.selector, S1, taskId, S2));
        VM.prank(S1);
        reg.submitResult(taskId, DIGEST);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskNotOutstanding.selector, _id(DV1, 2)));
        VM.prank(S2);
        reg.submitResult(_id(DV1, 2), DIGEST);
        VM.prank(S2);
        reg.submitResult(taskId, DIGEST);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskNotOutstanding.selector, taskId));
        VM.prank(S2);
        reg.submitResult(taskId, DIGEST);
    }

    function test_submitResult_refusesARevokedServer() public {
        uint256 taskId = _submit(DR1, DV1);
        reg.revokeServer(S2);
        VM.expectRevert(_err(IDroneMecRegistry.ServerNotActive.selector, S2));
        VM.prank(S2);
        reg.submitResult(taskId, DIGEST);
    }

    function test_submitResult_worksWhilePaused() public {
        uint256 taskId = _submit(DR1, DV1);
        reg.pause();
        VM.prank(S2);
        reg.submitResult(taskId, DIGEST);
        require(_state(taskId) == IDroneMecRegistry.TaskState.Completed, "settled while paused");
    }

    function test_submitResult_closesTheTaskWhenTheReputationManagerRefuses() public {
        rep.revokeRole(rep.OUTCOME_SOURCE_ROLE(), address(reg));
        uint256 taskId = _submit(DR1, DV1);
        VM.prank(S2);
        reg.submitResult(taskId, DIGEST);
        require(_state(taskId) == IDroneMecRegistry.TaskState.Completed, "completed anyway");
        _eq(rep.getReputationScore(S2), 500, "no outcome counted");
    }

    function test_submitResult_withTooLittleGasForTheOutcomeReverts() public {
        uint256 taskId = _submit(DR1, DV1);
        bytes memory call = abi.encodeCall(DroneMecRegistry.submitResult, (taskId, DIGEST));
        VM.prank(S2);
        (bool ok, bytes memory answer) = address(reg).call{gas: 120_000}(call);
        require(!ok, "went through");
        require(bytes4(answer) == GuardedCalls.GasBelowBudget.selector, "not GasBelowBudget");
        require(_state(taskId) == IDroneMecRegistry.TaskState.Assigned, "still outstanding");
    }

    function test_submitResult_standaloneRegistryReportsNowhere() public {
        DroneMecRegistry r = _standalone();
        r.registerServer(S3, 0, 0, 10);
        VM.prank(S3);
        r.registerDrone(DR3, 0, 0);
        VM.prank(DR3);
        r.registerDevice(DV2);
        VM.prank(DR3);
        r.addOffloadingPolicy(DV2, 2);
        VM.prank(DR3);
        uint256 taskId = r.submitTask(DV2, 1, 1, 1);
        VM.prank(S3);
        r.submitResult(taskId, DIGEST);
        require(r.getTaskInfo(taskId).state == IDroneMecRegistry.TaskState.Completed, "completed");
        // A timed-out task is reassigned without any reputation manager either.
        VM.prank(DR3);
        taskId = r.submitTask(DV2, 1, 1, 1);
        VM.warp(T0 + TIMEOUT);
        VM.prank(DR3);
        r.abandonTask(taskId);
        require(r.getTaskInfo(taskId).state == IDroneMecRegistry.TaskState.Abandoned, "abandoned");
    }

    // ---------------------------------------------------------------- reassignTask

    function test_reassignTask_afterTheTimeoutFailsTheSilentServer() public {
        uint256 taskId = _submit(DR1, DV1);
        VM.warp(T0 + TIMEOUT);
        VM.prank(DR1);
        reg.reassignTask(taskId);
        IDroneMecRegistry.TaskInfo memory info = reg.getTaskInfo(taskId);
        _eqAddr(info.server, S1, "moved to the other server");
        _eq(info.assignedAt, T0 + TIMEOUT, "new assignment time");
        require(info.state == IDroneMecRegistry.TaskState.Assigned, "still assigned");
        _eq(info.dataKb, 100, "same task");
        // A failure: (700 * 500) / 1000 = 350.
        _eq(rep.getReputationScore(S2), 350, "S2 failed");
        // S1 answers a task relayed by its own drone: nothing counts.
        VM.prank(S1);
        reg.submitResult(taskId, DIGEST);
        _eq(rep.getReputationScore(S1), 500, "no self-dealing score");
        require(_state(taskId) == IDroneMecRegistry.TaskState.Completed, "completed");
    }

    function test_reassignTask_beforeTheTimeoutOnlyAwayFromARevokedServer() public {
        uint256 taskId = _submit(DR1, DV1);
        VM.warp(T0 + TIMEOUT - 1);
        VM.expectRevert(
            abi.encodeWithSelector(IDroneMecRegistry.TaskNotTimedOut.selector, taskId, T0 + TIMEOUT)
        );
        VM.prank(DR1);
        reg.reassignTask(taskId);
        reg.revokeServer(S2);
        VM.prank(DR1);
        reg.reassignTask(taskId);
        _eqAddr(reg.getTaskInfo(taskId).server, S1, "moved");
        _eq(rep.getReputationScore(S2), 500, "taken away, not failed");
    }

    function test_reassignTask_refusals() public {
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskNotOutstanding.selector, _id(DV1, 1)));
        VM.prank(DR1);
        reg.reassignTask(_id(DV1, 1));
        uint256 taskId = _submit(DR1, DV1);
        VM.warp(T0 + TIMEOUT);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.NotDeviceHub.selector, DR2, DV1, DR1));
        VM.prank(DR2);
        reg.reassignTask(taskId);
        reg.revokeDrone(DR1);
        VM.expectRevert(_err(IDroneMecRegistry.DroneNotActive.selector, DR1));
        VM.prank(DR1);
        reg.reassignTask(taskId);
    }

    function test_reassignTask_withNoOtherServer() public {
        VM.prank(S2);
        reg.registerDrone(DR3, 0, 0);
        VM.prank(DR3);
        reg.registerDevice(DV2);
        VM.prank(DR3);
        reg.addOffloadingPolicy(DV2, 2);
        reg.revokeServer(S1);
        uint256 taskId = _submit(DR3, DV2);
        _eqAddr(reg.getTaskInfo(taskId).server, S2, "the only server");
        VM.warp(T0 + TIMEOUT);
        VM.expectRevert(IDroneMecRegistry.NoServerAvailable.selector);
        VM.prank(DR3);
        reg.reassignTask(taskId);
    }

    function test_reassignTask_leavesTheSilentServerAndItsCapacityOut() public {
        uint256 taskId = _submit(DR1, DV1); // to S2
        EchoPolicy echo = new EchoPolicy();
        uint8 id = reg.registerPolicy(echo);
        VM.prank(DR1);
        reg.addOffloadingPolicy(DV1, id);
        VM.warp(T0 + TIMEOUT);
        uint256[] memory words = new uint256[](1);
        words[0] = _word(S1, 0, 0, 1_000);
        // Active S2 left out of the list and its 3,000 Mc/s out of the total.
        VM.expectRevert(abi.encodeWithSelector(EchoPolicy.Echo.selector, words, taskId, 100, 200, 7, 900, 0, 1_000));
        VM.prank(DR1);
        reg.reassignTask(taskId);
        // Revoked S2 is off the list already: the total is the list's own.
        reg.revokeServer(S2);
        VM.expectRevert(abi.encodeWithSelector(EchoPolicy.Echo.selector, words, taskId, 100, 200, 7, 900, 0, 1_000));
        VM.prank(DR1);
        reg.reassignTask(taskId);
    }

    // ---------------------------------------------------------------- abandonTask

    function test_abandonTask_afterTheTimeoutByTheHubFailsTheServer() public {
        uint256 taskId = _submit(DR1, DV1);
        VM.warp(T0 + TIMEOUT + 30);
        VM.prank(DR1);
        reg.abandonTask(taskId);
        require(_state(taskId) == IDroneMecRegistry.TaskState.Abandoned, "abandoned");
        _eq(rep.getReputationScore(S2), 350, "S2 failed");
        _eq(_submit(DR1, DV1), _id(DV1, 2), "the device is free");
    }

    function test_abandonTask_refusals() public {
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskNotOutstanding.selector, _id(DV1, 1)));
        VM.prank(DR1);
        reg.abandonTask(_id(DV1, 1));
        uint256 taskId = _submit(DR1, DV1);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.NotDeviceHub.selector, DR2, DV1, DR1));
        VM.prank(DR2);
        reg.abandonTask(taskId);
        VM.expectRevert(
            abi.encodeWithSelector(IDroneMecRegistry.TaskNotTimedOut.selector, taskId, T0 + TIMEOUT)
        );
        VM.prank(DR1);
        reg.abandonTask(taskId);
        VM.warp(T0 + TIMEOUT);
        VM.prank(DR1);
        reg.abandonTask(taskId);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskNotOutstanding.selector, taskId));
        VM.prank(DR1);
        reg.abandonTask(taskId);
    }

    function test_abandonTask_atOnceFromARevokedServerWithoutOutcome() public {
        uint256 taskId = _submit(DR1, DV1);
        reg.revokeServer(S2);
        VM.prank(DR1);
        reg.abandonTask(taskId);
        require(_state(taskId) == IDroneMecRegistry.TaskState.Abandoned, "abandoned");
        _eq(rep.getReputationScore(S2), 500, "taken away, not failed");
    }

    function test_abandonTask_anyoneClosesTheTaskOfAGoneHubWithoutOutcome() public {
        uint256 taskId = _submit(DR1, DV1);
        reg.revokeDrone(DR1);
        VM.expectRevert(
            abi.encodeWithSelector(IDroneMecRegistry.TaskNotTimedOut.selector, taskId, T0 + TIMEOUT)
        );
        VM.prank(STRANGER);
        reg.abandonTask(taskId);
        VM.warp(T0 + TIMEOUT);
        VM.prank(STRANGER);
        reg.abandonTask(taskId);
        require(_state(taskId) == IDroneMecRegistry.TaskState.Abandoned, "abandoned");
        _eq(rep.getReputationScore(S2), 500, "nobody vouches: no outcome");
        reg.addDroneToDevice(DV1, DR2);
        _eqAddr(reg.queryDrone(DV1), DR2, "and the device is rehomed");
    }

    // ---------------------------------------------------------------- pause

    function test_pause_onlyThePauser() public {
        bytes32 role = reg.PAUSER_ROLE();
        VM.expectRevert(_unauthorized(STRANGER, role));
        VM.prank(STRANGER);
        reg.pause();
        reg.pause();
        VM.expectRevert(_unauthorized(STRANGER, role));
        VM.prank(STRANGER);
        reg.unpause();
        require(reg.paused(), "still paused");
    }

    function test_pause_togglesOnce() public {
        VM.expectRevert(Pausable.ExpectedPause.selector);
        reg.unpause();
        reg.pause();
        require(reg.paused(), "paused");
        VM.expectRevert(Pausable.EnforcedPause.selector);
        reg.pause();
        reg.unpause();
        require(!reg.paused(), "unpaused");
    }

    // ---------------------------------------------------------------- views

    function test_queryOffloading_answersWithoutState() public {
        _eqAddr(reg.queryOffloading(DV1, 1, 1, 1), S2, "Nearest's choice");
        _eq(reg.getDeviceInfo(DV1).taskCount, 0, "no task recorded");
        VM.expectRevert(_err(IDroneMecRegistry.DeviceNotActive.selector, DV2));
        reg.queryOffloading(DV2, 1, 1, 1);
        VM.prank(DR1);
        reg.registerDevice(DV2);
        VM.expectRevert(_err(IDroneMecRegistry.OffloadingPolicyNotSet.selector, DV2));
        reg.queryOffloading(DV2, 1, 1, 1);
    }

    function test_queryOffloading_withNoServer() public {
        reg.revokeServer(S1);
        reg.revokeServer(S2);
        VM.expectRevert(IDroneMecRegistry.NoServerAvailable.selector);
        reg.queryOffloading(DV1, 1, 1, 1);
        _serversAre(new address[](0));
    }

    function test_getTaskInfo_refusesAnythingButTheLatestTask() public {
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.UnknownTask.selector, _id(DV1, 0)));
        reg.getTaskInfo(_id(DV1, 0));
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.UnknownTask.selector, _id(DV1, 1)));
        reg.getTaskInfo(_id(DV1, 1));
        uint256 first = _submit(DR1, DV1);
        uint256 garbled = first | (uint256(1) << 40);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.UnknownTask.selector, garbled));
        reg.getTaskInfo(garbled);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.UnknownTask.selector, _id(DV1, 2)));
        reg.getTaskInfo(_id(DV1, 2));
        VM.prank(S2);
        reg.submitResult(first, DIGEST);
        uint256 second = _submit(DR1, DV1);
        VM.expectRevert(abi.encodeWithSelector(IDroneMecRegistry.TaskNotInStorage.selector, first, second));
        reg.getTaskInfo(first);
        _eq(reg.getTaskInfo(second).taskId, second, "latest task readable");
    }

    function test_getServerInfo_ofAnUnknownServerIsEmpty() public view {
        IDroneMecRegistry.ServerInfo memory info = reg.getServerInfo(S3);
        _eqAddr(info.account, S3, "account echoed");
        _eq(info.capacityMcps, 0, "no capacity");
        require(info.membership == IDroneMecRegistry.Membership.None, "membership");
        _serversAre(_list(S2, S1));
    }
}
