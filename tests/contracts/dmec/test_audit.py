"""The audit trail rebuilt from events alone: registration, a move, tasks, a reassignment."""

from __future__ import annotations

from typing import Any

from edgeledger.dmec.audit import device_history, format_history
from edgeledger.dmec.policies import task_id

FIRST, LATE = b"\x01" * 32, b"\x02" * 32


def test_device_history__every_task_with_its_servers_and_results(
    world: dict[str, Any],
    chain: Any,
    registry: Any,
    drone: Any,
    other_drone: Any,
    device: Any,
    server: Any,
    other_server: Any,
) -> None:
    registry.submitTask(device, 20, 600, 1, sender=drone)
    registry.submitResult(task_id(device.address, 1), FIRST, sender=server)
    registry.registerDrone(other_drone, 480, 480, sender=server)  # nearest: other_server
    registry.addDroneToDevice(device, other_drone, sender=drone)
    registry.submitTask(device, 30, 900, 2, sender=other_drone)
    chain.mine(deltatime=registry.TASK_TIMEOUT_S() + 1)
    moved = registry.reassignTask(task_id(device.address, 2), sender=other_drone)
    reassigned_to = str(moved.events[0].toServer)
    registry.submitResult(task_id(device.address, 2), LATE, sender=reassigned_to)
    registry.submitTask(device, 40, 1_200, 3, sender=other_drone)

    history = device_history(registry, device.address)

    assert [drone_ for _, drone_ in history.registered_by] == [drone.address]
    assert [(old, new) for _, old, new in history.moves] == [(drone.address, other_drone.address)]
    first, second, third = history.tasks
    assert (first.drone, first.servers, first.kind, first.data_kb) == (
        drone.address,
        [server.address],
        1,
        20,
    )
    assert (first.answered_by, first.result_digest) == (server.address, "0x" + FIRST.hex())
    assert second.drone == other_drone.address
    assert second.servers == [other_server.address, reassigned_to]
    assert reassigned_to != other_server.address
    assert len(second.reassigned_at) == 1
    assert second.reassigned_at[0] >= second.submitted_at + registry.TASK_TIMEOUT_S()
    assert (second.answered_by, second.result_digest) == (reassigned_to, "0x" + LATE.hex())
    assert third.completed_at is None and third.compute_megacycles == 1_200

    text = format_history(history)
    assert f"moved at t={history.moves[0][0]} from drone {drone.address}" in text
    assert f"reassigned t={second.reassigned_at[0]} to {reassigned_to}" in text
    assert "no result yet" in text


def test_device_history__other_devices_do_not_leak_in(
    world: dict[str, Any], registry: Any, drone: Any, device: Any, accounts: Any
) -> None:
    neighbour = accounts[7]
    registry.registerDevice(neighbour, sender=drone)
    registry.addOffloadingPolicy(neighbour, 2, sender=drone)
    registry.submitTask(neighbour, 1, 1, 0, sender=drone)

    history = device_history(registry, device.address)

    assert history.tasks == []
    assert "no tasks" in format_history(history)
