// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DroneMecRegistry} from "../../../contracts/DroneMecRegistry.sol";
import {ReputationManager} from "../../../contracts/ReputationManager.sol";
import {DelayAwarePolicy} from "../../../contracts/policies/DelayAwarePolicy.sol";
import {MaxCapacityPolicy} from "../../../contracts/policies/MaxCapacityPolicy.sol";
import {NearestPolicy} from "../../../contracts/policies/NearestPolicy.sol";
import {RandomPolicy} from "../../../contracts/policies/RandomPolicy.sol";
import {ReputationAwarePolicy} from "../../../contracts/policies/ReputationAwarePolicy.sol";
import {IDroneMecRegistry} from "../../../interfaces/IDroneMecRegistry.sol";
import {IOffloadingPolicy} from "../../../interfaces/IOffloadingPolicy.sol";
import {IReputationManager} from "../../../interfaces/IReputationManager.sol";
import {VM} from "../Vm.sol";
import {ScoreReference} from "./ScoreReference.sol";

/// @title The DMEC registry wired to a reputation manager, driven by forge: the agent,
/// servers, the drones they authorize, devices, and attackers
/// @notice The handler deploys both contracts and the five policies, so it is their admin and
/// agent. Its own records, from its own inputs, say what the registry should hold: servers in
/// list order (newest first), drones and who authorized them, devices, their hubs, policies
/// and latest tasks, and every server's score (ScoreReference: an outcome counts for the
/// server that authorized the relaying drone, never for a server's own drones). It chooses the
/// server itself for Nearest, MaxCapacity and ReputationAware (over Nearest) and checks that
/// Random and DelayAware choose an active candidate. Each step acts on an actor in the right
/// state when there is one, else it prepares one with the earlier steps. Attacks must revert.
contract RegistryHandler {
    using ScoreReference for ScoreReference.Book;

    uint32 internal constant TIMEOUT_S = 60;
    uint16 internal constant MIN_TRUSTED = 400;
    uint8 internal constant NEAREST = 2;
    uint8 internal constant MAX_CAPACITY = 3;
    uint8 internal constant REPUTATION_AWARE = 5;

    DroneMecRegistry public immutable REGISTRY;
    ReputationManager public immutable REPUTATION;
    address public immutable OUTSIDER;

    // Every actor ever made; a step that needs one in a state nobody is in makes a fresh one.
    address[] public servers;
    address[] public drones;
    address[] public devices;

    enum Membership {
        None,
        Active,
        Revoked
    }

    struct Server {
        Membership membership;
        int32 x;
        int32 y;
        uint24 capacity;
        uint40 revokedAt;
    }

    struct Drone {
        Membership membership;
        address authorizedBy;
        int32 x;
        int32 y;
    }

    struct Device {
        Membership membership;
        address hub;
        uint8 policyId;
        uint8 taskState; // IDroneMecRegistry.TaskState
        uint32 taskCount;
        address server;
        uint32 assignedAt;
    }

    mapping(address => Server) internal _servers;
    mapping(address => Drone) internal _drones;
    mapping(address => Device) internal _devices;
    address[] internal _list; // active servers, newest first
    ScoreReference.Book internal _scores;

    uint256 public breaches; // attacks that went through
    uint256 public wrongChoices; // a task placed elsewhere than the reference's choice
    uint256 public stuck; // an outstanding task nobody could close after its timeout

    constructor() {
        REPUTATION = new ReputationManager(300, 500, 500, 500, 86_400, 0);
        _scores.start(300, 500, 86_400);
        IOffloadingPolicy nearest = new NearestPolicy();
        IOffloadingPolicy[4] memory builtIn =
            [IOffloadingPolicy(new RandomPolicy()), nearest, new MaxCapacityPolicy(), new DelayAwarePolicy(2_500)];
        REGISTRY = new DroneMecRegistry(TIMEOUT_S, builtIn, IReputationManager(address(REPUTATION)), 0);
        REGISTRY.registerPolicy(
            new ReputationAwarePolicy(IReputationManager(address(REPUTATION)), nearest, MIN_TRUSTED)
        );
        REPUTATION.grantRole(REPUTATION.OUTCOME_SOURCE_ROLE(), address(REGISTRY));
        OUTSIDER = VM.addr(uint256(keccak256("outsider")));
        for (uint256 i = 0; i < 3; ++i) _newServer();
    }

    // ---------------------------------------------------------------- honest steps

    function admitServer(uint256 seed, int32 x, int32 y, uint24 capacity) external {
        address server = _server(seed, Membership.None);
        _admit(server, x, y, capacity);
    }

    function revokeServer(uint256 seed) external {
        require(_list.length > 1, "the last server stays");
        address server = _server(seed, Membership.Active);
        REGISTRY.revokeServer(server);
        (_servers[server].membership, _servers[server].revokedAt) = (Membership.Revoked, uint40(block.timestamp));
        for (uint256 i = 0; i < _list.length; ++i) {
            if (_list[i] != server) continue;
            for (uint256 j = i; j + 1 < _list.length; ++j) _list[j] = _list[j + 1];
            _list.pop();
            break;
        }
    }

    function authorizeDrone(uint256 seed, int32 x, int32 y) external {
        _authorize(_newDrone(), _activeServer(seed), x, y);
    }

    function moveDrone(uint256 seed, int32 x, int32 y) external {
        address drone = _activeDroneOrNew(seed);
        VM.prank(drone);
        REGISTRY.updateDronePosition(x, y);
        (_drones[drone].x, _drones[drone].y) = (x, y);
    }

    /// @notice Its authorizing server, or the agent, revokes a drone.
    function revokeDrone(uint256 seed, bool byAgent) external {
        address drone = _activeDroneOrNew(seed);
        if (!byAgent) VM.prank(_drones[drone].authorizedBy);
        REGISTRY.revokeDrone(drone);
        _drones[drone].membership = Membership.Revoked;
    }

    function registerDevice(uint256 seed, uint8 policySeed) external {
        _register(_newDevice(), _activeDroneOrNew(seed >> 8), uint8(1 + policySeed % 5));
    }

    /// @notice The hub moves its device to another active drone; the agent re-homes an orphan.
    function moveDevice(uint256 seed, uint256 droneSeed) external {
        address device = _idleDevice(seed);
        address to = _activeDroneOrNew(droneSeed);
        Device storage d = _devices[device];
        if (_isActiveDrone(d.hub)) VM.prank(d.hub);
        REGISTRY.addDroneToDevice(device, to);
        d.hub = to;
    }

    function setPolicy(uint256 seed, uint8 policySeed) external {
        address device = _readyDevice(seed);
        Device storage d = _devices[device];
        uint8 policyId = uint8(1 + policySeed % 5);
        VM.prank(d.hub);
        REGISTRY.addOffloadingPolicy(device, policyId);
        d.policyId = policyId;
    }

    function submitTask(uint256 seed, uint32 dataKb, uint32 computeMegacycles, uint16 kind) external {
        address device = _readyDevice(seed);
        Device storage d = _devices[device];
        address expected = _choice(d.policyId, _drones[d.hub], address(0));
        VM.prank(d.hub);
        uint256 taskId = REGISTRY.submitTask(device, dataKb % 1e6, computeMegacycles % 1e6, kind);
        d.taskCount += 1;
        require(taskId == (uint256(uint160(device)) << 96) | d.taskCount, "task id");
        _assigned(d, taskId, expected);
    }

    /// @notice The assigned server answers, in time or late.
    function answer(uint256 seed, uint256 delay) external {
        address device = _outstanding(seed, true);
        Device storage d = _devices[device];
        VM.warp(block.timestamp + delay % (2 * TIMEOUT_S));
        VM.prank(d.server);
        REGISTRY.submitResult(_latest(device, d), keccak256(abi.encode(seed)));
        d.taskState = uint8(IDroneMecRegistry.TaskState.Completed);
        _count(d.server, d.hub, uint32(block.timestamp) - d.assignedAt, true);
    }

    /// @notice The hub gives a task that timed out (or whose server was revoked) to another
    /// server.
    function reassign(uint256 seed) external {
        address device = _outstanding(seed, false);
        Device storage d = _devices[device];
        require(_isActiveDrone(d.hub), "orphan");
        _waitForTimeout(d);
        address previous = d.server;
        bool timedOut = _failed(d);
        uint32 waited = uint32(block.timestamp) - d.assignedAt;
        address expected = _choice(d.policyId, _drones[d.hub], previous);
        VM.prank(d.hub);
        REGISTRY.reassignTask(_latest(device, d));
        _assigned(d, _latest(device, d), expected);
        if (timedOut) _count(previous, d.hub, waited, false);
    }

    /// @notice No device stays stuck: after its timeout an outstanding task is closed by its
    /// hub, or by anyone when the hub is gone. A refusal counts in `stuck`.
    function abandon(uint256 seed) external {
        address device = _outstanding(seed, false);
        Device storage d = _devices[device];
        _waitForTimeout(d);
        bool hubActive = _isActiveDrone(d.hub);
        bool timedOut = _failed(d);
        uint32 waited = uint32(block.timestamp) - d.assignedAt;
        VM.prank(hubActive ? d.hub : OUTSIDER);
        (bool closed,) =
            address(REGISTRY).call(abi.encodeCall(REGISTRY.abandonTask, (_latest(device, d))));
        if (!closed) {
            stuck += 1;
            return;
        }
        d.taskState = uint8(IDroneMecRegistry.TaskState.Abandoned);
        if (timedOut && hubActive) _count(d.server, d.hub, waited, false);
    }

    function revokeDevice(uint256 seed, bool byAgent) external {
        address device = _device(seed, Membership.Active);
        Device storage d = _devices[device];
        if (!byAgent) {
            require(_drones[d.hub].membership == Membership.Active, "hub revoked");
            VM.prank(d.hub);
        }
        REGISTRY.revokeDevice(device);
        d.membership = Membership.Revoked;
    }

    function wait(uint256 seconds_) external {
        VM.warp(block.timestamp + 1 + seconds_ % (2 * TIMEOUT_S));
    }

    // ---------------------------------------------------------------- attacks: each must fail

    /// @notice An outsider admits a server, authorizes a drone, registers a device, adds a
    /// policy or pauses; a drone submits for a device it is not the hub of; a server answers a
    /// task not assigned to it, or after its revocation; a stranger reassigns or abandons an
    /// active hub's task; a hub moves a device with a task outstanding.
    function attack(uint256 kind, uint256 seed) external {
        kind = kind % 9;
        address attacker = OUTSIDER;
        bytes memory call_;
        address device = devices.length > 0 ? devices[seed % devices.length] : OUTSIDER;
        Device storage d = _devices[device];
        uint256 taskId = _latest(device, d);
        if (kind == 0) {
            call_ = abi.encodeCall(REGISTRY.registerServer, (OUTSIDER, 0, 0, 1));
        } else if (kind == 1) {
            call_ = abi.encodeCall(REGISTRY.registerDrone, (OUTSIDER, 0, 0));
        } else if (kind == 2) {
            call_ = abi.encodeCall(REGISTRY.registerDevice, (OUTSIDER));
        } else if (kind == 3) {
            call_ = seed % 2 == 0 ? abi.encodeCall(REGISTRY.pause, ()) : abi.encodeCall(REGISTRY.registerPolicy, (IOffloadingPolicy(address(REPUTATION))));
        } else if (kind == 4) {
            // A drone that is not the device's hub submits for it.
            require(drones.length > 0, "no drone");
            attacker = drones[seed % drones.length];
            require(attacker != d.hub, "the hub itself");
            call_ = abi.encodeCall(REGISTRY.submitTask, (device, 1, 1, 0));
        } else if (kind == 5) {
            // A server other than the assigned one, or a revoked assigned one, answers.
            attacker = servers[seed % servers.length];
            bool assignedAndActive = attacker == d.server && _servers[attacker].membership == Membership.Active
                && d.taskState == uint8(IDroneMecRegistry.TaskState.Assigned);
            require(!assignedAndActive, "the assigned server");
            call_ = abi.encodeCall(REGISTRY.submitResult, (taskId, bytes32(0)));
        } else if (kind == 6 || kind == 7) {
            require(_isActiveDrone(d.hub), "anyone may close an orphan's task");
            call_ = kind == 6
                ? abi.encodeCall(REGISTRY.reassignTask, (taskId))
                : abi.encodeCall(REGISTRY.abandonTask, (taskId));
        } else {
            require(d.taskState == uint8(IDroneMecRegistry.TaskState.Assigned), "no task out");
            attacker = d.hub;
            call_ = abi.encodeCall(REGISTRY.addDroneToDevice, (device, drones[seed % drones.length]));
        }
        VM.prank(attacker);
        (bool succeeded,) = address(REGISTRY).call(call_);
        if (succeeded) breaches += 1;
    }

    // ---------------------------------------------------------------- views for the invariants

    function serverList() external view returns (address[] memory) {
        return _list;
    }

    function allServers() external view returns (address[] memory) {
        return servers;
    }

    function allDevices() external view returns (address[] memory) {
        return devices;
    }

    function ghostScore(address server) external view returns (uint256) {
        return _scores.score[server];
    }

    function ghostDevice(address device) external view returns (Device memory) {
        return _devices[device];
    }

    // ---------------------------------------------------------------- one step

    function _admit(address server, int32 x, int32 y, uint24 capacity) internal {
        capacity = capacity == 0 ? 1 : capacity;
        REGISTRY.registerServer(server, x, y, capacity);
        _servers[server] = Server(Membership.Active, x, y, capacity, 0);
        _list.push(server);
        for (uint256 i = _list.length - 1; i > 0; --i) _list[i] = _list[i - 1];
        _list[0] = server;
    }

    function _authorize(address drone, address server, int32 x, int32 y) internal {
        VM.prank(server);
        REGISTRY.registerDrone(drone, x, y);
        _drones[drone] = Drone(Membership.Active, server, x, y);
    }

    function _register(address device, address hub, uint8 policyId) internal {
        VM.prank(hub);
        REGISTRY.registerDevice(device);
        VM.prank(hub);
        REGISTRY.addOffloadingPolicy(device, policyId);
        _devices[device] = Device(Membership.Active, hub, policyId, 0, 0, address(0), 0);
    }

    function _assigned(Device storage d, uint256 taskId, address expected) internal {
        IDroneMecRegistry.TaskInfo memory info = REGISTRY.getTaskInfo(taskId);
        bool active = _servers[info.server].membership == Membership.Active;
        if (!active || (expected != address(0) && info.server != expected)) wrongChoices += 1;
        d.server = info.server;
        d.assignedAt = uint32(block.timestamp);
        d.taskState = uint8(IDroneMecRegistry.TaskState.Assigned);
    }

    /// @dev An outcome about `server`, vouched for by the server that authorized `hub`; the
    /// reputation manager ignores a server's own.
    function _count(address server, address hub, uint32 elapsed, bool succeeded) internal {
        address party = _drones[hub].authorizedBy;
        if (party != server) _scores.count(party, server, elapsed, TIMEOUT_S, succeeded);
    }

    /// @dev The assigned server failed the task: it held it, unanswered, to the deadline (a
    /// server revoked before the deadline had it taken away).
    function _failed(Device storage d) internal view returns (bool) {
        uint256 timesOutAt = uint256(d.assignedAt) + TIMEOUT_S;
        Server storage server = _servers[d.server];
        bool held = server.membership == Membership.Active || server.revokedAt >= timesOutAt;
        return block.timestamp >= timesOutAt && held;
    }

    function _waitForTimeout(Device storage d) internal {
        bool serverActive = _servers[d.server].membership == Membership.Active;
        uint256 timesOutAt = uint256(d.assignedAt) + TIMEOUT_S;
        if (serverActive && block.timestamp < timesOutAt) VM.warp(timesOutAt);
    }

    // ---------------------------------------------------------------- the reference's choice

    /// @dev The server the policy must choose among the active ones (`excluded` left out), or
    /// zero where the choice is the policy's own (Random, DelayAware).
    function _choice(uint8 policyId, Drone storage drone, address excluded) internal view returns (address best) {
        address[] memory candidates = new address[](_list.length);
        uint256 n = 0;
        for (uint256 i = 0; i < _list.length; ++i) {
            if (_list[i] != excluded) candidates[n++] = _list[i];
        }
        if (policyId == MAX_CAPACITY) {
            uint256 most = 0;
            for (uint256 i = 0; i < n; ++i) {
                if (_servers[candidates[i]].capacity > most) (best, most) = (candidates[i], _servers[candidates[i]].capacity);
            }
            return best == address(0) && n > 0 ? candidates[0] : best;
        }
        if (policyId == REPUTATION_AWARE) {
            // The trusted ones (score >= MIN_TRUSTED), nearest first; none trusted: the best score.
            uint256 trusted = 0;
            address top = n > 0 ? candidates[0] : address(0);
            for (uint256 i = 0; i < n; ++i) {
                if (_scores.score[candidates[i]] > _scores.score[top]) top = candidates[i];
                if (_scores.score[candidates[i]] >= MIN_TRUSTED) candidates[trusted++] = candidates[i];
            }
            if (trusted == 0) return top;
            n = trusted;
        } else if (policyId != NEAREST) {
            return address(0);
        }
        uint256 closest = type(uint256).max;
        for (uint256 i = 0; i < n; ++i) {
            Server storage s = _servers[candidates[i]];
            int256 dx = int256(s.x) - drone.x;
            int256 dy = int256(s.y) - drone.y;
            uint256 distance = uint256(dx * dx + dy * dy);
            if (distance < closest) (best, closest) = (candidates[i], distance);
        }
    }

    // ---------------------------------------------------------------- finding actors

    function _server(uint256 seed, Membership membership) internal returns (address) {
        for (uint256 i = 0; i < servers.length; ++i) {
            address server = servers[(seed + i) % servers.length];
            if (_servers[server].membership == membership) return server;
        }
        if (membership == Membership.None) return _newServer();
        revert("no server in that state");
    }

    /// @dev An active server; one is admitted if none is.
    function _activeServer(uint256 seed) internal returns (address) {
        if (_list.length > 0) return _list[seed % _list.length];
        address server = _server(seed, Membership.None);
        _admit(server, int32(int256(seed % 1000)), int32(int256((seed >> 16) % 1000)), uint24(1 + seed % 5000));
        return server;
    }

    /// @dev An active drone (of an active server); one is authorized if none is.
    function _activeDroneOrNew(uint256 seed) internal returns (address) {
        for (uint256 i = 0; i < drones.length; ++i) {
            address drone = drones[(seed + i) % drones.length];
            if (_isActiveDrone(drone)) return drone;
        }
        address fresh = _newDrone();
        _authorize(fresh, _activeServer(seed), int32(int256(seed % 1000)), 0);
        return fresh;
    }

    function _device(uint256 seed, Membership membership) internal view returns (address) {
        for (uint256 i = 0; i < devices.length; ++i) {
            address device = devices[(seed + i) % devices.length];
            if (_devices[device].membership == membership) return device;
        }
        revert("no device in that state");
    }

    /// @dev A fresh server, a node of the one identity (as deployment admits them).
    function _newServer() internal returns (address server) {
        server = VM.addr(uint256(keccak256(abi.encode("server", servers.length))));
        servers.push(server);
        REPUTATION.registerNode(server);
        _scores.score[server] = 500;
    }

    function _newDrone() internal returns (address drone) {
        drone = VM.addr(uint256(keccak256(abi.encode("drone", drones.length))));
        drones.push(drone);
    }

    function _newDevice() internal returns (address device) {
        device = VM.addr(uint256(keccak256(abi.encode("device", devices.length))));
        devices.push(device);
    }

    /// @dev An active device with no task outstanding.
    function _idleDevice(uint256 seed) internal view returns (address) {
        for (uint256 i = 0; i < devices.length; ++i) {
            address device = devices[(seed + i) % devices.length];
            Device storage d = _devices[device];
            if (d.membership == Membership.Active && d.taskState != uint8(IDroneMecRegistry.TaskState.Assigned)) {
                return device;
            }
        }
        revert("no idle device");
    }

    /// @dev A device that can take a task now: active, idle, its hub active, a server there;
    /// prepared with the earlier steps if none is.
    function _readyDevice(uint256 seed) internal returns (address) {
        _activeServer(seed);
        for (uint256 i = 0; i < devices.length; ++i) {
            address device = devices[(seed + i) % devices.length];
            Device storage d = _devices[device];
            if (
                d.membership == Membership.Active && _isActiveDrone(d.hub)
                    && d.taskState != uint8(IDroneMecRegistry.TaskState.Assigned)
            ) return device;
        }
        address fresh = _newDevice();
        _register(fresh, _activeDroneOrNew(seed >> 8), uint8(1 + (seed >> 16) % 5));
        return fresh;
    }

    /// @dev A device with a task outstanding (with `answerable`: its server still active),
    /// submitted now if none is.
    function _outstanding(uint256 seed, bool answerable) internal returns (address) {
        for (uint256 i = 0; i < devices.length; ++i) {
            address device = devices[(seed + i) % devices.length];
            Device storage d = _devices[device];
            if (d.taskState != uint8(IDroneMecRegistry.TaskState.Assigned)) continue;
            if (!answerable || _servers[d.server].membership == Membership.Active) return device;
        }
        this.submitTask(seed, uint32(seed >> 32), uint32(seed >> 64), uint16(seed >> 96));
        return _outstanding(seed, answerable);
    }

    function _isActiveDrone(address drone) internal view returns (bool) {
        Drone storage d = _drones[drone];
        return d.membership == Membership.Active && _servers[d.authorizedBy].membership == Membership.Active;
    }

    function _latest(address device, Device storage d) internal view returns (uint256) {
        return (uint256(uint160(device)) << 96) | d.taskCount;
    }
}
