// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOffloadingPolicy} from "./IOffloadingPolicy.sol";
import {IReputationManager} from "./IReputationManager.sol";

/// @title Drone-aided MEC registry (DMEC)
/// @notice Permissioned registry of MEC servers, drones and IoT devices that places every
/// offloaded task on a server by the device's on-chain offloading policy and keeps the audit
/// trail of who touched whose data.
/// @dev Registration order of the paper: the agent admits servers; an admitted server
/// authorizes drones; a drone registers the IoT devices it is the offloading hub of.
/// Wired to a reputation manager (one edge, one identity), the registry admits only servers that
/// are registered nodes there, and turns every task outcome into one reputation outcome: a
/// result within TASK_TIMEOUT_S counts as a success measured by its latency, a later result as
/// a success with no incentive, and a task reassigned after its timeout as a failure of the
/// server that never answered. Each assignment closes once, so each is counted once.
/// A drone is active only while the server that authorized it is (revoking a server revokes
/// its drones, checked where a drone acts, with no loop over them), and a revoked server can
/// no longer answer its tasks. An outcome counts on behalf of the server that authorized the
/// relaying drone: nothing when that server is the assigned one (no score from one's own
/// drones and devices), and that server's influence on a score is bounded by the reputation
/// manager. Neither a failing reputation manager nor a pause stops a task from closing.
/// Storage keeps what the rules need (membership, positions, each device's latest task);
/// the events below are the complete history: whoever reads only the logs can rebuild every
/// registration, move, revocation, assignment, reassignment and result.
interface IDroneMecRegistry {
    /// @notice Membership of a server, drone or device.
    enum Membership {
        None,
        Active,
        Revoked
    }

    /// @notice State of a device's latest task.
    enum TaskState {
        None, // the device never submitted a task
        Assigned, // waiting for the assigned server's result
        Completed, // the assigned server posted the result digest
        Abandoned // the hub closed it unanswered (timed out, or its server was revoked)
    }

    /// @notice One task of a batch.
    struct TaskRequest {
        address device; // the IoT device the task comes from
        uint32 dataKb; // data to offload, kilobytes
        uint32 computeMegacycles; // computation, millions of CPU cycles
        uint16 kind; // application-defined task kind
    }

    /// @notice A server as `getServerInfo` and `getServers` report it.
    struct ServerInfo {
        address account; // the server's address, its identity everywhere in edgeledger
        int32 x; // position, metres
        int32 y; // position, metres
        uint24 capacityMcps; // computing capacity, megacycles per second
        Membership membership; // Active or Revoked
    }

    /// @notice A drone as `getDroneInfo` reports it.
    struct DroneInfo {
        address authorizedBy; // the server that authorized the drone
        int32 x; // current position, metres
        int32 y; // current position, metres
        Membership membership;
    }

    /// @notice A device as `getDeviceInfo` reports it.
    struct DeviceInfo {
        address hub; // the drone that relays the device's tasks
        uint8 policyId; // offloading policy, 0 while none is set
        Membership membership;
        uint32 taskCount; // tasks submitted so far; the latest has this sequence number
        TaskState latestTaskState;
    }

    /// @notice The latest task of a device, as `getTaskInfo` reports it.
    struct TaskInfo {
        uint256 taskId;
        address device;
        address server; // currently assigned server
        uint32 dataKb;
        uint32 computeMegacycles;
        uint16 kind;
        uint32 assignedAt; // block time of the current assignment, seconds
        TaskState state;
    }

    // ---------------------------------------------------------------- events

    /// @notice The agent admitted a MEC server.
    event ServerRegistered(address indexed server, int32 x, int32 y, uint24 capacityMcps);
    /// @notice A server was revoked; it gets no new task.
    event ServerRevoked(address indexed server, address indexed by);
    /// @notice An admitted server authorized a drone.
    event DroneRegistered(address indexed drone, address indexed authorizedBy, int32 x, int32 y);
    /// @notice A drone reported its new position.
    event DroneMoved(address indexed drone, int32 x, int32 y);
    /// @notice A drone was revoked; it can relay no new task.
    event DroneRevoked(address indexed drone, address indexed by);
    /// @notice A drone registered an IoT device it is the hub of.
    event DeviceRegistered(address indexed device, address indexed drone);
    /// @notice A device moved to another hub (`addDroneToDevice`).
    event DeviceMoved(address indexed device, address indexed fromDrone, address indexed toDrone);
    /// @notice A device was revoked; it can submit no new task.
    event DeviceRevoked(address indexed device, address indexed by);
    /// @notice An offloading policy was added to the catalogue.
    event PolicyRegistered(uint8 indexed policyId, address indexed policy, string name);
    /// @notice A drone set the offloading policy of one of its devices.
    event OffloadingPolicySet(address indexed device, uint8 indexed policyId, address indexed drone);
    /// @notice A drone relayed a task of a device and the device's policy assigned it to `server`.
    event TaskSubmitted(
        address indexed device,
        address indexed drone,
        address indexed server,
        uint256 taskId,
        uint32 dataKb,
        uint32 computeMegacycles,
        uint16 kind,
        uint8 policyId
    );
    /// @notice An unanswered task moved from one server to another.
    event TaskReassigned(
        address indexed device,
        address indexed fromServer,
        address indexed toServer,
        uint256 taskId,
        address drone
    );
    /// @notice The hub closed a task that nobody answered; the device may send its next one.
    event TaskAbandoned(
        address indexed device, address indexed server, uint256 taskId, address drone
    );
    /// @notice The assigned server posted the task's result digest.
    event TaskCompleted(
        address indexed device,
        address indexed server,
        uint256 taskId,
        bytes32 resultDigest,
        uint32 latencyS
    );

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a server, drone or device to register is the zero address.
    error ZeroAddress();
    /// @notice Thrown when a registry wired to a reputation manager is deployed without a task
    /// timeout: the timeout is the time constraint of every outcome it reports.
    error ZeroTaskTimeout();
    /// @notice Thrown when, with a reputation manager, the agent admits a server that is not a
    /// registered node there.
    error ServerNotReputationNode(address server);
    /// @notice Thrown when the agent admits a server that is active or was revoked.
    error ServerAlreadyRegistered(address server);
    /// @notice Thrown when a server that is not active acts (authorizes a drone, answers a
    /// task) or is revoked.
    error ServerNotActive(address server);
    /// @notice Thrown when admitting one more server would exceed MAX_SERVERS active ones.
    error TooManyServers(uint256 limit);
    /// @notice Thrown when the agent admits a server with a capacity of zero.
    error ZeroCapacity();
    /// @notice Thrown when a server authorizes a drone that is active or was revoked.
    error DroneAlreadyRegistered(address drone);
    /// @notice Thrown when a drone that is not active (revoked, never registered, or its
    /// server revoked) acts, is revoked, or is named as a device's new hub.
    error DroneNotActive(address drone);
    /// @notice Thrown when someone other than the drone's server or the agent revokes a drone.
    error NotDroneAuthority(address caller, address drone);
    /// @notice Thrown when a drone registers a device that is active or was revoked.
    error DeviceAlreadyRegistered(address device);
    /// @notice Thrown when a device that is not active is given a task, a policy or a new hub,
    /// is revoked, or is asked about (`queryOffloading`).
    error DeviceNotActive(address device);
    /// @notice Thrown when someone other than the device's hub acts for the device or its task.
    error NotDeviceHub(address caller, address device, address hub);
    /// @notice Thrown when someone other than the device's hub or the agent revokes a device.
    error NotDeviceAuthority(address caller, address device);
    /// @notice Thrown when a policy to register (a built-in one too) has no code.
    error PolicyNotContract(address policy);
    /// @notice Thrown when registering one more policy would exceed MAX_POLICIES.
    error TooManyPolicies(uint256 limit);
    /// @notice Thrown when a policy id names no policy of the catalogue.
    error UnknownPolicy(uint8 policyId);
    /// @notice Thrown when a task of a device without an offloading policy is to be placed
    /// (or its placement asked about).
    error OffloadingPolicyNotSet(address device);
    /// @notice Thrown when a policy returns an index outside the candidates it was given.
    error InvalidPolicyChoice(address policy, uint256 index, uint256 candidates);
    /// @notice Thrown when a task is to be placed and no active server is a candidate (for a
    /// reassignment: none but the server it leaves).
    error NoServerAvailable();
    /// @notice Thrown when a device with a task still assigned submits another or changes hub.
    error TaskOutstanding(address device, uint256 taskId);
    /// @notice Thrown when `getTaskInfo` is asked for an id that names no task submitted.
    error UnknownTask(uint256 taskId);
    /// @notice Thrown when `getTaskInfo` is asked for a task that is not its device's latest
    /// (storage keeps only the latest; the events keep every task).
    error TaskNotInStorage(uint256 taskId, uint256 latestTaskId);
    /// @notice Thrown when a task to answer, reassign or abandon is not its device's latest or
    /// no longer waits for a result.
    error TaskNotOutstanding(uint256 taskId);
    /// @notice Thrown when a server other than the task's assigned one submits its result.
    error NotAssignedServer(address caller, uint256 taskId, address assigned);
    /// @notice Thrown when a task is reassigned or abandoned before its timeout while its
    /// server is still active.
    error TaskNotTimedOut(uint256 taskId, uint256 timesOutAt);
    /// @notice Thrown when a batch holds no task.
    error EmptyBatch();
    /// @notice Thrown when a batch holds more than MAX_BATCH tasks.
    error BatchTooLarge(uint256 size, uint256 limit);

    // ---------------------------------------------------------------- registration

    /// @notice Admits a MEC server (agent only); with a reputation manager, only a node
    /// registered there.
    function registerServer(address server, int32 x, int32 y, uint24 capacityMcps) external;

    /// @notice Revokes a server (agent only). Its outstanding tasks may be reassigned at once.
    function revokeServer(address server) external;

    /// @notice Authorizes a drone; the caller must be an active server.
    function registerDrone(address drone, int32 x, int32 y) external;

    /// @notice Reports the calling drone's current position, which Nearest-type policies use.
    function updateDronePosition(int32 x, int32 y) external;

    /// @notice Revokes a drone (its authorizing server or the agent).
    function revokeDrone(address drone) external;

    /// @notice Registers an IoT device with the calling drone as its hub.
    function registerDevice(address device) external;

    /// @notice Moves a device to another hub; the caller must be the device's current hub,
    /// or the agent when that hub is no longer active (an orphaned device). Not while a task
    /// of the device is outstanding: the hub that relayed it is the party of its outcome.
    function addDroneToDevice(address device, address newDrone) external;

    /// @notice Revokes a device (its hub or the agent).
    function revokeDevice(address device) external;

    /// @notice Adds a policy contract to the catalogue (policy admin only).
    /// @return policyId The id drones use in `addOffloadingPolicy`, starting at 1.
    function registerPolicy(IOffloadingPolicy policy) external returns (uint8 policyId);

    /// @notice Sets the policy that places the device's tasks; the caller must be its hub.
    function addOffloadingPolicy(address device, uint8 policyId) external;

    // ---------------------------------------------------------------- tasks

    /// @notice Relays one task of a device; its policy assigns the server.
    /// @dev The caller must be the device's hub, and the device must have no outstanding task.
    /// @return taskId `(device << 96) | sequence`, sequence counting the device's tasks from 1.
    function submitTask(
        address device,
        uint32 dataKb,
        uint32 computeMegacycles,
        uint16 kind
    ) external returns (uint256 taskId);

    /// @notice Relays several tasks, each of a different device of the caller, in one transaction.
    function submitTasks(TaskRequest[] calldata tasks) external returns (uint256[] memory taskIds);

    /// @notice The assigned server posts the digest of the task's result (and, with a
    /// reputation manager, the outcome is counted: latency against TASK_TIMEOUT_S, on behalf
    /// of the server that authorized the device's drone; nothing counts when that is the
    /// assigned server itself). The server must still be active.
    function submitResult(uint256 taskId, bytes32 resultDigest) external;

    /// @notice Moves a task that was not answered within the timeout (or whose server was
    /// revoked) to another server chosen by the device's policy; the caller must be the hub.
    /// After a timeout, and with a reputation manager, the silent server gets a failure, unless
    /// it was revoked before the deadline (the task was taken away, not failed).
    function reassignTask(uint256 taskId) external;

    /// @notice Closes a task that was not answered within the timeout (or whose server was
    /// revoked) without moving it, so the device can send its next task even when no other
    /// server is left; the caller must be the hub, or anyone once the hub is no longer active
    /// (so no revocation freezes a task). After a timeout, with a reputation manager and an
    /// active hub, the silent server gets a failure (none if it was revoked before the deadline).
    function abandonTask(uint256 taskId) external;

    /// @notice Stops new tasks (pauser); results, reassignments and abandonments go on.
    function pause() external;

    /// @notice Lets new tasks in again (pauser).
    function unpause() external;

    // ---------------------------------------------------------------- views

    /// @notice Seconds a server has to answer before its task can be reassigned.
    function TASK_TIMEOUT_S() external view returns (uint32);

    /// @notice The reputation manager outcomes go to; zero when the registry stands alone.
    function REPUTATION() external view returns (IReputationManager);

    /// @notice The hub drone of a device.
    function queryDrone(address device) external view returns (address drone);

    /// @notice The server that a task with these amounts would be assigned to now.
    /// @dev Free to call. The Random policy's answer holds only for the current block's
    /// randomness: the transaction may land in another block.
    function queryOffloading(
        address device,
        uint32 dataKb,
        uint32 computeMegacycles,
        uint16 kind
    ) external view returns (address server);

    /// @notice The device's latest task; earlier tasks are in the event log only.
    function getTaskInfo(uint256 taskId) external view returns (TaskInfo memory);

    function getServerInfo(address server) external view returns (ServerInfo memory);

    /// @notice Active servers, in the order policies see them (newest first).
    function getServers() external view returns (ServerInfo[] memory);

    function serverCount() external view returns (uint256);

    function getDroneInfo(address drone) external view returns (DroneInfo memory);

    function getDeviceInfo(address device) external view returns (DeviceInfo memory);

    function getPolicy(uint8 policyId) external view returns (IOffloadingPolicy);

    function policyCount() external view returns (uint256);
}
