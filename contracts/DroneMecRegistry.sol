// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IDroneMecRegistry} from "../interfaces/IDroneMecRegistry.sol";
import {IOffloadingPolicy} from "../interfaces/IOffloadingPolicy.sol";
import {IReputationManager} from "../interfaces/IReputationManager.sol";
import {GuardedCalls} from "./libraries/GuardedCalls.sol";
import {PackedDevice, PackedDeviceLib} from "./libraries/PackedDevice.sol";
import {PackedServer, PackedServerLib} from "./libraries/PackedServer.sol";
import {PackedTask, PackedTaskLib} from "./libraries/PackedTask.sol";
import {TaskId, TaskIdLib} from "./libraries/TaskId.sol";

/// @title Drone-aided MEC registry (DMEC)
/// @notice See IDroneMecRegistry. Storage layout is chosen for gas: every server is one slot
/// (a policy evaluation reads one slot per server), and every device owns two slots (its
/// record and its latest task, a PackedDevice and a PackedTask word) that are written at
/// registration and then rewritten whole, never freshly allocated, by each task. A task
/// therefore costs rewrites of warm-able slots instead of a new 22,100-gas slot, and the event
/// log, which is as tamper-proof as storage, keeps the full history.
contract DroneMecRegistry is IDroneMecRegistry, AccessControlDefaultAdminRules, Pausable {
    // ---------------------------------------------------------------- types

    /// @dev One slot. Servers form a singly linked list through `next`, newest first, so that
    /// admission writes one new slot (the record) and enumeration reads one slot per server.
    struct ServerRecord {
        address next; // the next active server in the list; zero at the tail and once revoked
        int32 x; // position, metres
        int32 y; // position, metres
        uint24 capacityMcps; // megacycles per second; non-zero for every admitted server
        Membership membership;
    }

    /// @dev One slot: the head of the server list, its length and its total capacity (kept
    /// here because admission and revocation rewrite this slot anyway, and DelayAware needs the
    /// sum before it knows which of its two loops to run).
    struct ServerList {
        address head; // newest active server
        uint32 count; // number of active servers, at most MAX_SERVERS
        uint32 totalCapacityMcps; // sum over active servers; < 2^32 as 256 * (2^24 - 1) is
    }

    /// @dev One slot.
    struct DroneRecord {
        address authorizedBy; // the admitted server that authorized the drone
        int32 x; // current position, metres
        int32 y; // current position, metres
        Membership membership;
    }

    // ---------------------------------------------------------------- constants

    /// @notice May admit and revoke MEC servers: the paper's agent.
    bytes32 public constant AGENT_ROLE = keccak256("AGENT_ROLE");
    /// @notice May add offloading policies to the catalogue.
    bytes32 public constant POLICY_ADMIN_ROLE = keccak256("POLICY_ADMIN_ROLE");
    /// @notice May pause and unpause new tasks.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Bound on active servers: every policy evaluation reads all of them.
    uint256 public constant MAX_SERVERS = 256;
    /// @notice Bound on policies: ids are uint8 and 0 means "none".
    uint256 public constant MAX_POLICIES = 255;
    /// @notice Bound on tasks in one `submitTasks` call.
    uint256 public constant MAX_BATCH = 256;
    /// @notice How many policies the constructor registered (ids 1.. of the catalogue).
    uint256 public constant BUILT_IN_POLICIES = 4;

    /// @inheritdoc IDroneMecRegistry
    uint32 public immutable TASK_TIMEOUT_S;
    /// @inheritdoc IDroneMecRegistry
    IReputationManager public immutable REPUTATION;
    /// @dev The policies given at deployment live in code, not storage: every task placed by
    /// one of them saves a 2,100-gas cold storage read. Later policies go to `_policies`.
    IOffloadingPolicy private immutable _POLICY_1;
    IOffloadingPolicy private immutable _POLICY_2;
    IOffloadingPolicy private immutable _POLICY_3;
    IOffloadingPolicy private immutable _POLICY_4;

    // ---------------------------------------------------------------- storage

    ServerList private _serverList;
    mapping(address server => ServerRecord) private _servers;
    /// @dev When each revoked server was revoked: a task taken away before its deadline is not
    /// the server's failure, even when its hub moves it only after the deadline.
    mapping(address server => uint32) private _revokedAt;
    mapping(address drone => DroneRecord) private _drones;
    mapping(address device => PackedDevice) private _devices;
    mapping(address device => PackedTask) private _latestTasks;
    /// @dev A mapping, not an array: a task's policy look-up is then one storage read.
    mapping(uint8 policyId => IOffloadingPolicy) private _policies; // ids above BUILT_IN_POLICIES
    uint8 private _policyCount;

    // ---------------------------------------------------------------- modifiers

    modifier onlyActiveServer() {
        if (_servers[msg.sender].membership != Membership.Active) revert ServerNotActive(msg.sender);
        _;
    }

    modifier onlyActiveDrone() {
        _callerDrone();
        _;
    }

    // ---------------------------------------------------------------- constructor

    /// @param taskTimeoutS Seconds a server has to answer before its task can be reassigned.
    /// @param builtInPolicies The first four policies of the catalogue, ids 1 to 4 (edgeledger
    /// deploys Random, Nearest, MCC and DelayAware).
    /// @param reputation Where task outcomes go (it must grant this registry its
    /// OUTCOME_SOURCE_ROLE); zero for a registry on its own, as in the DMEC paper.
    /// @param adminDelayS How long a handover of the admin role waits (two steps).
    constructor(
        uint32 taskTimeoutS,
        IOffloadingPolicy[BUILT_IN_POLICIES] memory builtInPolicies,
        IReputationManager reputation,
        uint48 adminDelayS
    ) AccessControlDefaultAdminRules(adminDelayS, msg.sender) {
        if (address(reputation) != address(0) && taskTimeoutS == 0) revert ZeroTaskTimeout();
        TASK_TIMEOUT_S = taskTimeoutS;
        REPUTATION = reputation;
        _grantRole(AGENT_ROLE, msg.sender);
        _grantRole(POLICY_ADMIN_ROLE, msg.sender);
        _grantRole(PAUSER_ROLE, msg.sender);
        // Bounded by BUILT_IN_POLICIES.
        for (uint256 i = 0; i < BUILT_IN_POLICIES; ++i) {
            IOffloadingPolicy policy = builtInPolicies[i];
            if (address(policy).code.length == 0) revert PolicyNotContract(address(policy));
            emit PolicyRegistered(uint8(i + 1), address(policy), policy.name());
        }
        _POLICY_1 = builtInPolicies[0];
        _POLICY_2 = builtInPolicies[1];
        _POLICY_3 = builtInPolicies[2];
        _POLICY_4 = builtInPolicies[3];
        _policyCount = uint8(BUILT_IN_POLICIES);
    }

    // ---------------------------------------------------------------- external: registration

    /// @inheritdoc IDroneMecRegistry
    function registerServer(
        address server,
        int32 x,
        int32 y,
        uint24 capacityMcps
    ) external onlyRole(AGENT_ROLE) {
        if (server == address(0)) revert ZeroAddress();
        if (capacityMcps == 0) revert ZeroCapacity();
        if (_servers[server].membership != Membership.None) revert ServerAlreadyRegistered(server);
        if (address(REPUTATION) != address(0) && !REPUTATION.isRegistered(server)) {
            revert ServerNotReputationNode(server);
        }
        ServerList memory list = _serverList;
        if (list.count >= MAX_SERVERS) revert TooManyServers(MAX_SERVERS);

        _servers[server] = ServerRecord({
            next: list.head,
            x: x,
            y: y,
            capacityMcps: capacityMcps,
            membership: Membership.Active
        });
        _serverList = ServerList({
            head: server,
            count: list.count + 1,
            totalCapacityMcps: list.totalCapacityMcps + capacityMcps
        });
        emit ServerRegistered(server, x, y, capacityMcps);
    }

    /// @inheritdoc IDroneMecRegistry
    function revokeServer(address server) external onlyRole(AGENT_ROLE) {
        ServerRecord storage record = _servers[server];
        if (record.membership != Membership.Active) revert ServerNotActive(server);

        ServerList memory list = _serverList;
        if (list.head == server) {
            _serverList.head = record.next;
        } else {
            // Walk to the predecessor; bounded by MAX_SERVERS, and it exists because `server`
            // is active and every active server is on the list.
            address previous = list.head;
            while (_servers[previous].next != server) previous = _servers[previous].next;
            _servers[previous].next = record.next;
        }
        _serverList.count = list.count - 1;
        _serverList.totalCapacityMcps = list.totalCapacityMcps - record.capacityMcps;
        record.next = address(0);
        record.membership = Membership.Revoked;
        _revokedAt[server] = uint32(block.timestamp);
        emit ServerRevoked(server, msg.sender);
    }

    /// @inheritdoc IDroneMecRegistry
    function registerDrone(address drone, int32 x, int32 y) external onlyActiveServer {
        if (drone == address(0)) revert ZeroAddress();
        if (_drones[drone].membership != Membership.None) revert DroneAlreadyRegistered(drone);
        _drones[drone] =
            DroneRecord({authorizedBy: msg.sender, x: x, y: y, membership: Membership.Active});
        emit DroneRegistered(drone, msg.sender, x, y);
    }

    /// @inheritdoc IDroneMecRegistry
    function updateDronePosition(int32 x, int32 y) external onlyActiveDrone {
        DroneRecord storage drone = _drones[msg.sender];
        drone.x = x;
        drone.y = y;
        emit DroneMoved(msg.sender, x, y);
    }

    /// @inheritdoc IDroneMecRegistry
    function revokeDrone(address drone) external {
        DroneRecord storage record = _drones[drone];
        if (record.membership != Membership.Active) revert DroneNotActive(drone);
        if (msg.sender != record.authorizedBy && !hasRole(AGENT_ROLE, msg.sender)) {
            revert NotDroneAuthority(msg.sender, drone);
        }
        record.membership = Membership.Revoked;
        emit DroneRevoked(drone, msg.sender);
    }

    /// @inheritdoc IDroneMecRegistry
    function registerDevice(address device) external onlyActiveDrone {
        if (device == address(0)) revert ZeroAddress();
        if (_devices[device].membership() != Membership.None) revert DeviceAlreadyRegistered(device);
        _devices[device] = PackedDeviceLib.registered(msg.sender);
        // Pre-write the task slot (assignedAt holds the registration time until the first
        // task) so that the device's first task rewrites it for 5,000 gas instead of
        // allocating it for 22,100: registration pays once, every task is equally cheap.
        _latestTasks[device] = PackedTaskLib.pack(address(0), uint32(block.timestamp), 0, 0);
        emit DeviceRegistered(device, msg.sender);
    }

    /// @inheritdoc IDroneMecRegistry
    function addDroneToDevice(address device, address newDrone) external {
        PackedDevice record = _devices[device];
        address hub = record.hub();
        // A device whose hub is gone (revoked, or its server revoked) is an orphan: the agent
        // gives it a new hub. Otherwise only the device's active hub moves it.
        bool orphan = record.membership() == Membership.Active && !_isActiveDrone(hub);
        if (!orphan || !hasRole(AGENT_ROLE, msg.sender)) {
            _callerDrone();
            _activeDeviceOfCaller(device);
        }
        // The hub that relayed a task is the party of its outcome: it cannot change mid-task.
        if (record.taskState() == TaskState.Assigned) {
            revert TaskOutstanding(device, _taskId(device, record.taskCount()));
        }
        _activeDrone(newDrone);
        _devices[device] = record.setHub(newDrone);
        emit DeviceMoved(device, hub, newDrone);
    }

    /// @inheritdoc IDroneMecRegistry
    function revokeDevice(address device) external {
        PackedDevice record = _devices[device];
        if (record.membership() != Membership.Active) revert DeviceNotActive(device);
        if (msg.sender != record.hub() && !hasRole(AGENT_ROLE, msg.sender)) {
            revert NotDeviceAuthority(msg.sender, device);
        }
        _devices[device] = record.setMembership(Membership.Revoked);
        emit DeviceRevoked(device, msg.sender);
    }

    /// @inheritdoc IDroneMecRegistry
    function registerPolicy(
        IOffloadingPolicy policy
    ) external onlyRole(POLICY_ADMIN_ROLE) returns (uint8 policyId) {
        if (address(policy).code.length == 0) revert PolicyNotContract(address(policy));
        if (_policyCount >= MAX_POLICIES) revert TooManyPolicies(MAX_POLICIES);
        policyId = ++_policyCount;
        _policies[policyId] = policy;
        emit PolicyRegistered(policyId, address(policy), policy.name());
    }

    /// @inheritdoc IDroneMecRegistry
    function addOffloadingPolicy(address device, uint8 policyId) external onlyActiveDrone {
        PackedDevice record = _activeDeviceOfCaller(device);
        _policy(policyId);
        _devices[device] = record.setPolicyId(policyId);
        emit OffloadingPolicySet(device, policyId, msg.sender);
    }

    // ---------------------------------------------------------------- external: tasks

    /// @inheritdoc IDroneMecRegistry
    function submitTask(
        address device,
        uint32 dataKb,
        uint32 computeMegacycles,
        uint16 kind
    ) external whenNotPaused returns (uint256 taskId) {
        DroneRecord memory drone = _callerDrone();
        (PackedServer[] memory servers, uint32 totalCapacity) = _candidateServers(address(0));
        taskId = _submitTask(
            drone,
            servers,
            totalCapacity,
            TaskRequest({
                device: device,
                dataKb: dataKb,
                computeMegacycles: computeMegacycles,
                kind: kind
            })
        );
    }

    /// @inheritdoc IDroneMecRegistry
    function submitTasks(
        TaskRequest[] calldata tasks
    ) external whenNotPaused returns (uint256[] memory taskIds) {
        uint256 count = tasks.length;
        if (count == 0) revert EmptyBatch();
        if (count > MAX_BATCH) revert BatchTooLarge(count, MAX_BATCH);
        DroneRecord memory drone = _callerDrone();
        // Read the server list once for the whole batch.
        (PackedServer[] memory servers, uint32 totalCapacity) = _candidateServers(address(0));
        taskIds = new uint256[](count);
        // Bounded by MAX_BATCH.
        for (uint256 i = 0; i < count; ++i) {
            taskIds[i] = _submitTask(drone, servers, totalCapacity, tasks[i]);
        }
    }

    /// @inheritdoc IDroneMecRegistry
    function submitResult(uint256 taskId, bytes32 resultDigest) external {
        (address device, PackedDevice record) = _outstandingTask(taskId);
        PackedTask task = _latestTasks[device];
        if (msg.sender != task.server()) revert NotAssignedServer(msg.sender, taskId, task.server());
        // A revoked server's tasks are taken away from it (the hub reassigns or abandons them).
        if (_servers[msg.sender].membership != Membership.Active) revert ServerNotActive(msg.sender);
        _devices[device] = record.setTaskState(TaskState.Completed);
        uint32 latency = uint32(block.timestamp) - task.assignedAt();
        emit TaskCompleted(device, msg.sender, taskId, resultDigest, latency);
        _recordOutcome(msg.sender, record.hub(), taskId, latency, true);
    }

    /// @inheritdoc IDroneMecRegistry
    function reassignTask(uint256 taskId) external {
        (address device, PackedDevice record) = _outstandingTask(taskId);
        if (msg.sender != record.hub()) revert NotDeviceHub(msg.sender, device, record.hub());
        DroneRecord memory drone = _callerDrone();
        PackedTask task = _latestTasks[device];
        address previous = task.server();
        (bool timedOut, uint32 waited) = _unanswered(taskId, task);
        (PackedServer[] memory servers, uint32 totalCapacity) = _candidateServers(previous);
        address server = _select(
            record.policyId(),
            servers,
            _taskContext(
                taskId,
                drone,
                task.dataKb(),
                task.computeMegacycles(),
                record.taskKind(),
                totalCapacity
            )
        );
        _latestTasks[device] = task.setAssignment(server, uint32(block.timestamp));
        emit TaskReassigned(device, previous, server, taskId, msg.sender);
        // A server revoked before the timeout did not fail the task: it was taken away.
        if (timedOut) _recordOutcome(previous, msg.sender, taskId, waited, false);
    }

    /// @inheritdoc IDroneMecRegistry
    function abandonTask(uint256 taskId) external {
        (address device, PackedDevice record) = _outstandingTask(taskId);
        address hub = record.hub();
        // The hub closes its tasks; a task whose hub is gone (revoked, or its server revoked)
        // may be closed by anyone, so that no revocation can freeze it.
        bool hubActive = _isActiveDrone(hub);
        if (hubActive && msg.sender != hub) revert NotDeviceHub(msg.sender, device, hub);
        PackedTask task = _latestTasks[device];
        address server = task.server();
        (bool timedOut, uint32 waited) = _unanswered(taskId, task);
        _devices[device] = record.setTaskState(TaskState.Abandoned);
        emit TaskAbandoned(device, server, taskId, msg.sender);
        // Without an active hub nobody with a stake vouches for the failure: none counts.
        if (timedOut && hubActive) _recordOutcome(server, hub, taskId, waited, false);
    }

    /// @inheritdoc IDroneMecRegistry
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IDroneMecRegistry
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- external: views

    /// @inheritdoc IDroneMecRegistry
    function queryDrone(address device) external view returns (address) {
        return _devices[device].hub();
    }

    /// @inheritdoc IDroneMecRegistry
    function queryOffloading(
        address device,
        uint32 dataKb,
        uint32 computeMegacycles,
        uint16 kind
    ) external view returns (address) {
        PackedDevice record = _devices[device];
        if (record.membership() != Membership.Active) revert DeviceNotActive(device);
        (PackedServer[] memory servers, uint32 totalCapacity) = _candidateServers(address(0));
        return _select(
            record.policyId(),
            servers,
            _taskContext(
                _taskId(device, record.taskCount() + 1),
                _drones[record.hub()],
                dataKb,
                computeMegacycles,
                kind,
                totalCapacity
            )
        );
    }

    /// @inheritdoc IDroneMecRegistry
    function getTaskInfo(uint256 taskId) external view returns (TaskInfo memory) {
        address device = TaskId.wrap(taskId).device();
        uint32 sequence = TaskId.wrap(taskId).sequence();
        PackedDevice record = _devices[device];
        uint32 count = record.taskCount();
        if (sequence == 0 || sequence > count || taskId != _taskId(device, sequence)) {
            revert UnknownTask(taskId);
        }
        if (sequence != count) revert TaskNotInStorage(taskId, _taskId(device, count));
        PackedTask task = _latestTasks[device];
        return TaskInfo({
            taskId: taskId,
            device: device,
            server: task.server(),
            dataKb: task.dataKb(),
            computeMegacycles: task.computeMegacycles(),
            kind: record.taskKind(),
            assignedAt: task.assignedAt(),
            state: record.taskState()
        });
    }

    /// @inheritdoc IDroneMecRegistry
    function getServerInfo(address server) external view returns (ServerInfo memory) {
        (ServerInfo memory info,) = _serverInfo(server);
        return info;
    }

    /// @inheritdoc IDroneMecRegistry
    function getServers() external view returns (ServerInfo[] memory servers) {
        servers = new ServerInfo[](_serverList.count);
        address cursor = _serverList.head;
        // Bounded by MAX_SERVERS.
        for (uint256 i = 0; i < servers.length; ++i) {
            (servers[i], cursor) = _serverInfo(cursor);
        }
    }

    /// @inheritdoc IDroneMecRegistry
    function serverCount() external view returns (uint256) {
        return _serverList.count;
    }

    /// @inheritdoc IDroneMecRegistry
    function getDroneInfo(address drone) external view returns (DroneInfo memory) {
        DroneRecord memory record = _drones[drone];
        return DroneInfo({
            authorizedBy: record.authorizedBy,
            x: record.x,
            y: record.y,
            membership: record.membership
        });
    }

    /// @inheritdoc IDroneMecRegistry
    function getDeviceInfo(address device) external view returns (DeviceInfo memory) {
        PackedDevice record = _devices[device];
        return DeviceInfo({
            hub: record.hub(),
            policyId: record.policyId(),
            membership: record.membership(),
            taskCount: record.taskCount(),
            latestTaskState: record.taskState()
        });
    }

    /// @inheritdoc IDroneMecRegistry
    function getPolicy(uint8 policyId) external view returns (IOffloadingPolicy) {
        return _policy(policyId);
    }

    /// @inheritdoc IDroneMecRegistry
    function policyCount() external view returns (uint256) {
        return _policyCount;
    }

    // ---------------------------------------------------------------- internal

    /// @dev Places one task: checks, state, event. The caller is the (active) relaying drone.
    /// The device word is read once and written back once: one slot rewrite.
    function _submitTask(
        DroneRecord memory drone,
        PackedServer[] memory servers,
        uint32 totalCapacity,
        TaskRequest memory request
    ) internal returns (uint256 taskId) {
        PackedDevice record = _devices[request.device];
        if (record.membership() != Membership.Active) revert DeviceNotActive(request.device);
        if (record.hub() != msg.sender) revert NotDeviceHub(msg.sender, request.device, record.hub());
        uint32 sequence = record.taskCount();
        if (record.taskState() == TaskState.Assigned) {
            revert TaskOutstanding(request.device, _taskId(request.device, sequence));
        }
        // Unchecked: a uint32 sequence would need 4.3 billion tasks of one device to wrap.
        unchecked {
            ++sequence;
        }
        taskId = _taskId(request.device, sequence);
        uint8 policyId = record.policyId();
        address server = _select(
            policyId,
            servers,
            _taskContext(
                taskId,
                drone,
                request.dataKb,
                request.computeMegacycles,
                request.kind,
                totalCapacity
            )
        );

        _devices[request.device] =
            record.setTaskState(TaskState.Assigned).setTaskCount(sequence).setTaskKind(request.kind);
        _latestTasks[request.device] = PackedTaskLib.pack(
            server, uint32(block.timestamp), request.dataKb, request.computeMegacycles
        );
        emit TaskSubmitted(
            request.device,
            msg.sender,
            server,
            taskId,
            request.dataKb,
            request.computeMegacycles,
            request.kind,
            policyId
        );
    }

    /// @dev One outcome to the reputation manager, if there is one; TASK_TIMEOUT_S is the time
    /// constraint. Called after the state change that closes the assignment, so at most once
    /// per assignment. The party is the server that authorized the device's hub drone (the
    /// reputation manager ignores the outcome when that is `server` itself); the call cannot
    /// stop the step (GuardedCalls).
    function _recordOutcome(
        address server,
        address hub,
        uint256 taskId,
        uint32 elapsedS,
        bool answered
    ) private {
        if (address(REPUTATION) == address(0)) return;
        address party = _drones[hub].authorizedBy;
        GuardedCalls.recordOutcome(
            REPUTATION, server, party, taskId, elapsedS, TASK_TIMEOUT_S, answered
        );
    }

    /// @dev Whether an outstanding task may leave its server: after TASK_TIMEOUT_S, or at once
    /// if the server was revoked (taken away). `timedOut`: the server held it to the deadline
    /// without answering, a failure; a server revoked before the deadline did not fail it,
    /// however late the hub moves it.
    function _unanswered(
        uint256 taskId,
        PackedTask task
    ) private view returns (bool timedOut, uint32 waited) {
        uint256 timesOutAt = uint256(task.assignedAt()) + TASK_TIMEOUT_S;
        address server = task.server();
        bool active = _servers[server].membership == Membership.Active;
        if (active && block.timestamp < timesOutAt) revert TaskNotTimedOut(taskId, timesOutAt);
        timedOut = block.timestamp >= timesOutAt && (active || _revokedAt[server] >= timesOutAt);
        waited = uint32(block.timestamp) - task.assignedAt();
    }

    /// @dev Asks the device's policy for a server among `servers`.
    function _select(
        uint8 policyId,
        PackedServer[] memory servers,
        IOffloadingPolicy.TaskContext memory context
    ) internal view returns (address) {
        if (policyId == 0) revert OffloadingPolicyNotSet(TaskId.wrap(context.taskId).device());
        if (servers.length == 0) revert NoServerAvailable();
        IOffloadingPolicy policy = _policy(policyId);
        uint256 index = policy.selectServer(servers, context);
        if (index >= servers.length) {
            revert InvalidPolicyChoice(address(policy), index, servers.length);
        }
        return servers[index].account();
    }

    /// @dev Active servers in list order, leaving out `excluded` (zero to leave out none).
    /// One storage read per server: a ServerRecord word becomes a PackedServer word by putting
    /// the server's own address where `next` was and clearing the membership byte (the two
    /// layouts agree on x, y and capacity; see PackedServer.sol). The walk is assembly because
    /// every policy evaluation pays it per server (budget: 2,600 gas a server, 2,100 of them
    /// the storage read); the registry tests and the policy tests check its output.
    function _candidateServers(
        address excluded
    ) internal view returns (PackedServer[] memory servers, uint32 totalCapacity) {
        ServerList memory list = _serverList;
        servers = new PackedServer[](list.count);
        totalCapacity = list.totalCapacityMcps;
        address cursor = list.head;
        // Assembly reads no library's constants: copies (folded into the code by the optimizer).
        uint256 mask = PackedServerLib.POSITION_AND_CAPACITY_MASK;
        uint256 nextMask = PackedServerLib.ACCOUNT_MASK; // `next`, where the account goes
        assembly ("memory-safe") {
            let out := add(servers, 0x20)
            // Bounded by MAX_SERVERS: the list holds exactly `count` servers, ending in zero.
            for {} cursor {} {
                // The slot of _servers[cursor], as Solidity lays out mappings.
                mstore(0x00, cursor)
                mstore(0x20, _servers.slot)
                let word := sload(keccak256(0x00, 0x40))
                if iszero(eq(cursor, excluded)) {
                    mstore(out, or(and(word, mask), cursor))
                    out := add(out, 0x20)
                }
                cursor := and(word, nextMask)
            }
            // Shrink the array in place when a server was left out.
            mstore(servers, shr(5, sub(out, add(servers, 0x20))))
        }
        // A left-out active server leaves the total too (its slot is warm from the walk).
        if (servers.length < list.count) totalCapacity -= _servers[excluded].capacityMcps;
    }

    function _taskContext(
        uint256 taskId,
        DroneRecord memory drone,
        uint32 dataKb,
        uint32 computeMegacycles,
        uint16 kind,
        uint32 totalCapacity
    ) internal pure returns (IOffloadingPolicy.TaskContext memory) {
        return IOffloadingPolicy.TaskContext({
            taskId: taskId,
            dataKb: dataKb,
            computeMegacycles: computeMegacycles,
            kind: kind,
            droneX: drone.x,
            droneY: drone.y,
            totalCapacityMcps: totalCapacity
        });
    }

    /// @dev The caller's drone record; reverts unless the caller is an active drone.
    function _callerDrone() internal view returns (DroneRecord memory drone) {
        return _activeDrone(msg.sender);
    }

    /// @dev A drone's record; reverts unless the drone is active (`_isActive`).
    function _activeDrone(address account) internal view returns (DroneRecord memory drone) {
        drone = _drones[account];
        if (!_isActive(drone)) revert DroneNotActive(account);
    }

    function _isActiveDrone(address account) internal view returns (bool) {
        return _isActive(_drones[account]);
    }

    /// @dev Whether a drone is active and so is the server that authorized it (revoking a
    /// server revokes its drones, checked here, where they act).
    function _isActive(DroneRecord memory drone) internal view returns (bool) {
        return drone.membership == Membership.Active
            && _servers[drone.authorizedBy].membership == Membership.Active;
    }

    /// @dev The record of an active device whose hub is the caller.
    function _activeDeviceOfCaller(address device) internal view returns (PackedDevice record) {
        record = _devices[device];
        if (record.membership() != Membership.Active) revert DeviceNotActive(device);
        if (record.hub() != msg.sender) revert NotDeviceHub(msg.sender, device, record.hub());
    }

    /// @dev The device of an outstanding task and its record; reverts unless `taskId` is the
    /// device's latest task and still waits for its result.
    function _outstandingTask(
        uint256 taskId
    ) internal view returns (address device, PackedDevice record) {
        device = TaskId.wrap(taskId).device();
        record = _devices[device];
        if (
            record.taskState() != TaskState.Assigned
                || taskId != _taskId(device, record.taskCount())
        ) revert TaskNotOutstanding(taskId);
    }

    function _policy(uint8 policyId) internal view returns (IOffloadingPolicy policy) {
        if (policyId == 1) return _POLICY_1;
        if (policyId == 2) return _POLICY_2;
        if (policyId == 3) return _POLICY_3;
        if (policyId == 4) return _POLICY_4;
        policy = _policies[policyId];
        if (address(policy) == address(0)) revert UnknownPolicy(policyId);
    }

    function _taskId(address device, uint32 sequence) internal pure returns (uint256) {
        return TaskId.unwrap(TaskIdLib.from(device, sequence));
    }

    // ---------------------------------------------------------------- private

    /// @dev One server as the views report it (`getServerInfo`, `getServers`), and the server
    /// after it in the list (one storage read for both).
    function _serverInfo(address server) private view returns (ServerInfo memory info, address next) {
        ServerRecord storage record = _servers[server];
        info = ServerInfo({
            account: server,
            x: record.x,
            y: record.y,
            capacityMcps: record.capacityMcps,
            membership: record.membership
        });
        next = record.next;
    }
}
