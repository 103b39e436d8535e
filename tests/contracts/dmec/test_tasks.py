"""DroneMecRegistry: the task lifecycle (submit, batch, result, timeout, reassignment)."""

from __future__ import annotations

from typing import Any

import ape
from eth_utils import to_checksum_address

from edgeledger.dmec.policies import Policy, task_id

ASSIGNED, COMPLETED = 1, 2
DIGEST = b"\x11" * 32


def fresh_devices(count: int, start: int = 0xD000) -> list[str]:
    return [to_checksum_address("0x" + format(start + i, "040x")) for i in range(count)]


def test_submit_task__nearest_server_gets_it(
    world: dict[str, Any], registry: Any, drone: Any, device: Any, server: Any
) -> None:
    tx = registry.submitTask(device, 20, 600, 7, sender=drone)

    expected_id = task_id(device.address, 1)
    assert tx.return_value == expected_id
    assert tx.events == [
        registry.TaskSubmitted(
            device=device,
            drone=drone,
            server=server,
            taskId=expected_id,
            dataKb=20,
            computeMegacycles=600,
            kind=7,
            policyId=int(Policy.NEAREST),
        )
    ]
    info = registry.getTaskInfo(expected_id)
    assert (
        info.device,
        info.server,
        info.dataKb,
        info.computeMegacycles,
        info.kind,
        info.state,
    ) == (
        device.address,
        server.address,
        20,
        600,
        7,
        ASSIGNED,
    )
    assert info.assignedAt == ape.chain.blocks.head.timestamp
    device_info = registry.getDeviceInfo(device)
    assert (device_info.taskCount, device_info.latestTaskState, device_info.hub) == (
        1,
        ASSIGNED,
        drone.address,
    )


def test_submit_task__second_outstanding_task_reverts(
    world: dict[str, Any], registry: Any, drone: Any, device: Any
) -> None:
    registry.submitTask(device, 1, 1, 0, sender=drone)
    with ape.reverts(registry.TaskOutstanding, device=device, taskId=task_id(device.address, 1)):
        registry.submitTask(device, 1, 1, 0, sender=drone)


def test_submit_task__unregistered_device_reverts(
    world: dict[str, Any], registry: Any, drone: Any, outsider: Any
) -> None:
    with ape.reverts(registry.DeviceNotActive, device=outsider):
        registry.submitTask(outsider, 1, 1, 0, sender=drone)


def test_submit_task__device_of_another_drone_reverts(
    world: dict[str, Any],
    create_drone: Any,
    registry: Any,
    server: Any,
    other_drone: Any,
    drone: Any,
    device: Any,
) -> None:
    create_drone(other_drone, authorized_by=server)
    with ape.reverts(registry.NotDeviceHub, caller=other_drone, device=device, hub=drone):
        registry.submitTask(device, 1, 1, 0, sender=other_drone)


def test_submit_task__unauthorized_drone_reverts(
    world: dict[str, Any], registry: Any, outsider: Any, device: Any
) -> None:
    with ape.reverts(registry.DroneNotActive, drone=outsider):
        registry.submitTask(device, 1, 1, 0, sender=outsider)


def test_submit_task__without_policy_reverts(
    world: dict[str, Any], create_device: Any, registry: Any, drone: Any, accounts: Any
) -> None:
    bare = create_device(accounts[8], hub=drone, policy=None)
    with ape.reverts(registry.OffloadingPolicyNotSet, device=bare):
        registry.submitTask(bare, 1, 1, 0, sender=drone)


def test_submit_task__no_server_left_means_no_drone_left(
    world: dict[str, Any], registry: Any, agent: Any, drone: Any, device: Any
) -> None:
    """A drone is active only while the server that authorized it is, so a task always has
    at least that server to go to; with every server revoked, the drone is out too."""
    for s in world["servers"]:
        registry.revokeServer(s, sender=agent)
    with ape.reverts(registry.DroneNotActive, drone=drone):
        registry.submitTask(device, 1, 1, 0, sender=drone)


def hub_of_the_third_server(world: dict[str, Any], registry: Any, other_drone: Any) -> Any:
    """`other_drone`, authorized by the third server, at the origin, hub of the device: its
    hub survives the revocation of `server` (the first drone's authority) and `other_server`."""
    registry.registerDrone(other_drone, 0, 0, sender=world["servers"][2])
    registry.addDroneToDevice(world["device"], other_drone, sender=world["drone"])
    return other_drone


def test_revoked_server__gets_no_new_task(
    world: dict[str, Any],
    registry: Any,
    agent: Any,
    other_drone: Any,
    device: Any,
    server: Any,
    other_server: Any,
) -> None:
    hub = hub_of_the_third_server(world, registry, other_drone)
    registry.revokeServer(server, sender=agent)  # the nearest one
    tx = registry.submitTask(device, 1, 1, 0, sender=hub)
    assert tx.events[0].server == other_server.address


def test_submit_result__completes_task(
    world: dict[str, Any], registry: Any, drone: Any, device: Any, server: Any, chain: Any
) -> None:
    tid = registry.submitTask(device, 1, 1, 0, sender=drone).return_value
    chain.mine(deltatime=5)
    tx = registry.submitResult(tid, DIGEST, sender=server)
    latency = tx.events[0].latencyS
    assert tx.events == [registry.TaskCompleted(device, server, tid, DIGEST, latency)]
    assert latency >= 5
    assert registry.getTaskInfo(tid).state == COMPLETED
    # The device may submit again; the new task replaces the old one in storage.
    second = registry.submitTask(device, 2, 2, 0, sender=drone).return_value
    assert second == task_id(device.address, 2)
    with ape.reverts(registry.TaskNotInStorage, taskId=tid, latestTaskId=second):
        registry.getTaskInfo(tid)


def test_submit_result__not_assigned_server_reverts(
    world: dict[str, Any], registry: Any, drone: Any, device: Any, server: Any, other_server: Any
) -> None:
    tid = registry.submitTask(device, 1, 1, 0, sender=drone).return_value
    with ape.reverts(registry.NotAssignedServer, caller=other_server, taskId=tid, assigned=server):
        registry.submitResult(tid, DIGEST, sender=other_server)


def test_submit_result__twice_or_unknown_reverts(
    world: dict[str, Any], registry: Any, drone: Any, device: Any, server: Any
) -> None:
    tid = registry.submitTask(device, 1, 1, 0, sender=drone).return_value
    registry.submitResult(tid, DIGEST, sender=server)
    with ape.reverts(registry.TaskNotOutstanding, taskId=tid):
        registry.submitResult(tid, DIGEST, sender=server)
    with ape.reverts(registry.TaskNotOutstanding, taskId=tid + 1):
        registry.submitResult(tid + 1, DIGEST, sender=server)


def test_get_task_info__unknown_ids_revert(
    world: dict[str, Any], registry: Any, drone: Any, device: Any
) -> None:
    registry.submitTask(device, 1, 1, 0, sender=drone)
    for bad in (
        task_id(device.address, 0),
        task_id(device.address, 2),
        task_id(device.address, 1) | (1 << 40),
    ):
        with ape.reverts(registry.UnknownTask, taskId=bad):
            registry.getTaskInfo(bad)


def test_reassign_task__after_timeout_goes_elsewhere(
    world: dict[str, Any], registry: Any, drone: Any, device: Any, server: Any, chain: Any
) -> None:
    tid = registry.submitTask(device, 1, 1, 0, sender=drone).return_value
    timeout = registry.TASK_TIMEOUT_S()
    assigned_at = registry.getTaskInfo(tid).assignedAt
    with ape.reverts(registry.TaskNotTimedOut, taskId=tid, timesOutAt=assigned_at + timeout):
        registry.reassignTask(tid, sender=drone)

    chain.pending_timestamp = assigned_at + timeout
    tx = registry.reassignTask(tid, sender=drone)
    new_server = tx.events[0].toServer
    assert new_server != server.address
    assert tx.events == [registry.TaskReassigned(device, server, new_server, tid, drone)]
    assert registry.getTaskInfo(tid).server == new_server
    # The first server is too late now; the new one answers.
    with ape.reverts(registry.NotAssignedServer, caller=server, taskId=tid, assigned=new_server):
        registry.submitResult(tid, DIGEST, sender=server)
    new_account = next(s for s in world["servers"] if s.address == new_server)
    registry.submitResult(tid, DIGEST, sender=new_account)


def test_reassign_task__revoked_server_needs_no_timeout(
    world: dict[str, Any], registry: Any, agent: Any, other_drone: Any, device: Any, server: Any
) -> None:
    hub = hub_of_the_third_server(world, registry, other_drone)
    tid = registry.submitTask(device, 1, 1, 0, sender=hub).return_value
    registry.revokeServer(server, sender=agent)
    with ape.reverts(registry.ServerNotActive, server=server):
        registry.submitResult(tid, DIGEST, sender=server)  # taken away from it
    tx = registry.reassignTask(tid, sender=hub)
    assert tx.events[0].fromServer == server.address


def test_abandon_task__closes_it_and_frees_the_device(
    world: dict[str, Any], registry: Any, drone: Any, device: Any, chain: Any, outsider: Any
) -> None:
    tid = registry.submitTask(device, 1, 1, 0, sender=drone).return_value
    with ape.reverts(registry.TaskNotTimedOut, taskId=tid):
        registry.abandonTask(tid, sender=drone)
    with ape.reverts(registry.NotDeviceHub, caller=outsider):
        registry.abandonTask(tid, sender=outsider)
    chain.mine(deltatime=61)
    tx = registry.abandonTask(tid, sender=drone)
    assert tx.events == [
        registry.TaskAbandoned(device=device, server=world["servers"][0], taskId=tid, drone=drone)
    ]
    assert registry.getTaskInfo(tid).state == 3  # Abandoned
    with ape.reverts(registry.TaskNotOutstanding, taskId=tid):
        registry.abandonTask(tid, sender=drone)
    registry.submitTask(device, 1, 1, 0, sender=drone)  # free for its next task


def test_pause__stops_new_tasks_only(
    world: dict[str, Any], registry: Any, agent: Any, drone: Any, device: Any, server: Any
) -> None:
    tid = registry.submitTask(device, 1, 1, 0, sender=drone).return_value
    registry.pause(sender=agent)
    with ape.reverts(registry.EnforcedPause):
        registry.submitTask(device, 1, 1, 0, sender=drone)
    with ape.reverts(registry.EnforcedPause):
        registry.submitTasks([(device, 1, 1, 0)], sender=drone)
    registry.submitResult(tid, DIGEST, sender=server)
    registry.unpause(sender=agent)
    registry.submitTask(device, 1, 1, 0, sender=drone)


def test_reassign_task__no_other_server_reverts(
    create_server: Any,
    create_drone: Any,
    create_device: Any,
    registry: Any,
    server: Any,
    drone: Any,
    device: Any,
    chain: Any,
) -> None:
    create_server(server)
    create_drone(drone, authorized_by=server)
    create_device(device, hub=drone)
    tid = registry.submitTask(device, 1, 1, 0, sender=drone).return_value
    chain.mine(deltatime=registry.TASK_TIMEOUT_S() + 1)
    with ape.reverts(registry.NoServerAvailable):
        registry.reassignTask(tid, sender=drone)


def test_reassign_task__not_hub_or_not_outstanding_reverts(
    world: dict[str, Any],
    create_drone: Any,
    registry: Any,
    drone: Any,
    other_drone: Any,
    device: Any,
    server: Any,
) -> None:
    tid = registry.submitTask(device, 1, 1, 0, sender=drone).return_value
    create_drone(other_drone, authorized_by=server)
    with ape.reverts(registry.NotDeviceHub, caller=other_drone, device=device, hub=drone):
        registry.reassignTask(tid, sender=other_drone)
    registry.submitResult(tid, DIGEST, sender=server)
    with ape.reverts(registry.TaskNotOutstanding, taskId=tid):
        registry.reassignTask(tid, sender=drone)


def test_submit_tasks__batch_places_each_task(
    world: dict[str, Any], create_device: Any, registry: Any, drone: Any, server: Any
) -> None:
    devices = fresh_devices(10)
    for d in devices:
        create_device(d, hub=drone)
    tx = registry.submitTasks([(d, 10, 100, 3) for d in devices], sender=drone)
    assert tx.return_value == [task_id(d, 1) for d in devices]
    assert [e.device for e in tx.events] == devices
    assert {e.server for e in tx.events} == {server.address}


def test_submit_tasks__same_device_twice_reverts_whole_batch(
    world: dict[str, Any], registry: Any, drone: Any, device: Any
) -> None:
    with ape.reverts(registry.TaskOutstanding, device=device, taskId=task_id(device.address, 1)):
        registry.submitTasks([(device, 1, 1, 0), (device, 1, 1, 0)], sender=drone)
    assert registry.getDeviceInfo(device).taskCount == 0


def test_submit_tasks__empty_or_oversized_reverts(
    world: dict[str, Any], registry: Any, drone: Any, device: Any
) -> None:
    with ape.reverts(registry.EmptyBatch):
        registry.submitTasks([], sender=drone)
    limit = registry.MAX_BATCH()
    with ape.reverts(registry.BatchTooLarge, size=limit + 1, limit=limit):
        registry.submitTasks([(device, 1, 1, 0)] * (limit + 1), sender=drone)


def test_invalid_policy_choice__is_refused(
    project: Any, world: dict[str, Any], registry: Any, agent: Any, drone: Any, device: Any
) -> None:
    """A policy returning an index outside the candidates cannot misplace a task."""
    broken = project.OutOfRangePolicy.deploy(sender=agent)
    registry.registerPolicy(broken, sender=agent)
    registry.addOffloadingPolicy(device, 5, sender=drone)
    with ape.reverts(registry.InvalidPolicyChoice, policy=broken, index=3, candidates=3):
        registry.submitTask(device, 1, 1, 0, sender=drone)
