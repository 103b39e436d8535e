"""The audit trail of a device, rebuilt from the registry's events alone (no storage reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edgeledger.dmec.actors import TASK_KINDS
from edgeledger.events import BlockTimes, logs_about


@dataclass
class TaskHistory:
    """Everything the logs say about one task."""

    task_id: int
    device: str
    drone: str
    kind: int
    data_kb: int
    compute_megacycles: int
    policy_id: int
    submitted_at: int
    servers: list[str] = field(default_factory=list)  # assignment order; the last one is current
    reassigned_at: list[int] = field(default_factory=list)
    completed_at: int | None = None
    result_digest: str | None = None
    answered_by: str | None = None
    abandoned_at: int | None = None  # the hub closed it unanswered


@dataclass
class DeviceHistory:
    device: str
    registered_by: list[tuple[int, str]] = field(default_factory=list)  # (time, drone)
    moves: list[tuple[int, str, str]] = field(default_factory=list)  # (time, from, to)
    tasks: list[TaskHistory] = field(default_factory=list)


def device_history(registry: Any, device: str, start_block: int = 0) -> DeviceHistory:
    """Rebuild the device's registration, moves and every task from events (from
    `start_block`, the registry's deployment, on)."""
    times = BlockTimes()

    def at(log: Any) -> int:
        return times(log.block_number)

    history = DeviceHistory(device=device)
    topics = {"device": device}
    for log in logs_about(registry.DeviceRegistered, topics, start_block):
        history.registered_by.append((at(log), str(log.drone)))
    for log in logs_about(registry.DeviceMoved, topics, start_block):
        history.moves.append((at(log), str(log.fromDrone), str(log.toDrone)))
    tasks: dict[int, TaskHistory] = {}
    for log in logs_about(registry.TaskSubmitted, topics, start_block):
        task = TaskHistory(
            task_id=int(log.taskId),
            device=device,
            drone=str(log.drone),
            kind=int(log.kind),
            data_kb=int(log.dataKb),
            compute_megacycles=int(log.computeMegacycles),
            policy_id=int(log.policyId),
            submitted_at=at(log),
            servers=[str(log.server)],
        )
        tasks[task.task_id] = task
    for log in logs_about(registry.TaskReassigned, topics, start_block):
        task = tasks[int(log.taskId)]
        task.servers.append(str(log.toServer))
        task.reassigned_at.append(at(log))
    for log in logs_about(registry.TaskCompleted, topics, start_block):
        task = tasks[int(log.taskId)]
        task.completed_at = at(log)
        task.result_digest = "0x" + bytes(log.resultDigest).hex()
        task.answered_by = str(log.server)
    for log in logs_about(registry.TaskAbandoned, topics, start_block):
        tasks[int(log.taskId)].abandoned_at = at(log)
    history.tasks = sorted(tasks.values(), key=lambda t: t.task_id)
    return history


def format_history(history: DeviceHistory) -> str:
    """A plain-text report, one block per task."""
    lines = [f"device {history.device}"]
    for when, drone in history.registered_by:
        lines.append(f"  registered at t={when} by drone {drone}")
    for when, old, new in history.moves:
        lines.append(f"  moved at t={when} from drone {old} to drone {new}")
    if not history.tasks:
        lines.append("  no tasks")
    for task in history.tasks:
        kind = TASK_KINDS.get(task.kind, f"kind {task.kind}")
        lines.append(
            f"  task #{task.task_id & 0xFFFFFFFF} ({kind}, {task.data_kb} KB, "
            f"{task.compute_megacycles} Mcycles, policy {task.policy_id})"
        )
        lines.append(
            f"    submitted t={task.submitted_at} via drone {task.drone} to {task.servers[0]}"
        )
        for when, server in zip(task.reassigned_at, task.servers[1:], strict=True):
            lines.append(f"    reassigned t={when} to {server}")
        if task.abandoned_at is not None:
            lines.append(f"    abandoned unanswered t={task.abandoned_at}")
        elif task.completed_at is None:
            lines.append("    no result yet")
        else:
            lines.append(
                f"    result t={task.completed_at} by {task.answered_by}: {task.result_digest}"
            )
    return "\n".join(lines)
