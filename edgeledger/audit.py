"""A server's whole record under one identity, from events alone (no storage reads): its DMEC
tasks, the market requests it won, and every change of its reputation with the report that caused
it. The device trail is in edgeledger/dmec/audit.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edgeledger.events import BlockTimes, logs_about
from edgeledger.fresco.reputation import ScoreParameters, ScoreStep, score_history


@dataclass
class ServerTask:
    """One DMEC task while it was assigned to the server."""

    task_id: int
    device: str
    assigned_at: int
    how: str  # "submitted" or "reassigned" to this server
    # "answered", "moved away" or "abandoned" (timed out or revoked), or "pending"
    outcome: str = "pending"
    closed_at: int | None = None
    latency_s: int | None = None


@dataclass
class MarketWin:
    """A market request the server won."""

    request_id: int
    won_at: int
    finalized_at: int | None = None
    slashed: bool | None = None


@dataclass
class ScoreChange:
    """One step of the server's reputation, with the report behind it (if any)."""

    at: int
    cause: str  # NodeRegistered, ReputationReset, ReputationsUpdated or OutcomeRecorded
    source: str  # reporter, outcome source contract (registry, market) or admin
    score: int
    outcome_id: int | None = None  # the report's task id (low 64 bits of a DMEC task id)
    elapsed: int | None = None  # µs for FRESCO reporters, seconds for the contracts
    time_constraint: int | None = None
    succeeded: bool | None = None


@dataclass
class ServerHistory:
    server: str
    tasks: list[ServerTask] = field(default_factory=list)
    wins: list[MarketWin] = field(default_factory=list)
    reputation: list[ScoreChange] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.tasks or self.wins or self.reputation)


def server_history(
    server: str,
    *,
    registry: Any = None,
    reputation: Any = None,
    market: Any = None,
    scores: ScoreParameters | None = None,
    start_block: int = 0,
) -> ServerHistory:
    """The server's record in each contract given (any may be None), from `start_block` (the
    deployment's first) on."""
    at = BlockTimes()
    history = ServerHistory(server=server)
    if registry is not None:
        history.tasks = _dmec_tasks(registry, server, at, start_block)
    if market is not None:
        wins = {
            int(log.requestId): MarketWin(int(log.requestId), at(log.block_number))
            for log in logs_about(market.BiddingClosed, {"winner": server}, start_block)
        }
        for log in logs_about(market.RequestFinalized, {"winner": server}, start_block):
            win = wins[int(log.requestId)]
            win.finalized_at, win.slashed = at(log.block_number), bool(log.slashed)
        history.wins = sorted(wins.values(), key=lambda w: w.request_id)
    if reputation is not None:
        history.reputation = [
            _score_change(step, at(step.block_number))
            for step in score_history(reputation, scores or ScoreParameters(), server, start_block)
        ]
    return history


def _dmec_tasks(registry: Any, server: str, at: BlockTimes, start_block: int) -> list[ServerTask]:
    """Assignments to `server` in log order; each closes by its answer or by moving away."""
    events: list[tuple[Any, str]] = [
        (log, "submitted")
        for log in logs_about(registry.TaskSubmitted, {"server": server}, start_block)
    ]
    events += [
        (log, "reassigned")
        for log in logs_about(registry.TaskReassigned, {"toServer": server}, start_block)
    ]
    events += [
        (log, "moved away")
        for log in logs_about(registry.TaskReassigned, {"fromServer": server}, start_block)
    ]
    events += [
        (log, "answered")
        for log in logs_about(registry.TaskCompleted, {"server": server}, start_block)
    ]
    events += [
        (log, "abandoned")
        for log in logs_about(registry.TaskAbandoned, {"server": server}, start_block)
    ]
    open_tasks: dict[int, ServerTask] = {}
    tasks: list[ServerTask] = []
    for log, kind in sorted(events, key=lambda e: (e[0].block_number, e[0].log_index)):
        task_id = int(log.taskId)
        if kind in ("submitted", "reassigned"):
            task = ServerTask(task_id, str(log.device), at(log.block_number), kind)
            open_tasks[task_id] = task
            tasks.append(task)
            continue
        task = open_tasks.pop(task_id)
        task.outcome, task.closed_at = kind, at(log.block_number)
        if kind == "answered":
            task.latency_s = int(log.latencyS)
    return tasks


def _score_change(step: ScoreStep, at: int) -> ScoreChange:
    change = ScoreChange(at=at, cause=step.cause, source=step.source, score=step.score)
    if step.report is not None:
        change.outcome_id = step.report.task_id
        change.elapsed = step.report.execution_time_us
        change.time_constraint = step.report.time_constraint_us
        change.succeeded = step.report.succeeded
    return change


def format_server_history(history: ServerHistory, names: dict[str, str] | None = None) -> str:
    """A plain-text report: DMEC tasks, market wins, reputation steps. `names` labels known
    contract addresses (the registry, the market) in the reputation sources."""
    names = {k.lower(): v for k, v in (names or {}).items()}
    lines = [f"server {history.server}"]
    lines.append(f"  DMEC tasks: {len(history.tasks)}")
    for task in history.tasks:
        sequence = task.task_id & 0xFFFFFFFF
        line = f"    task #{sequence} of device {task.device}: {task.how} t={task.assigned_at}"
        if task.outcome == "answered":
            line += f", answered t={task.closed_at} ({task.latency_s} s)"
        elif task.outcome in ("moved away", "abandoned"):
            line += f", {task.outcome} unanswered t={task.closed_at}"
        else:
            line += ", no answer yet"
        lines.append(line)
    lines.append(f"  market requests won: {len(history.wins)}")
    for win in history.wins:
        state = "open" if win.slashed is None else ("slashed" if win.slashed else "refunded")
        lines.append(f"    request {win.request_id}: won t={win.won_at}, {state}")
    lines.append(f"  reputation steps: {len(history.reputation)}")
    for change in history.reputation:
        source = names.get(change.source.lower(), change.source)
        if change.succeeded is None:
            what = change.cause
        else:
            verdict = "success" if change.succeeded else "failure"
            what = (
                f"{verdict} {change.elapsed}/{change.time_constraint} "
                f"(outcome {change.outcome_id}) from {source}"
            )
        lines.append(f"    t={change.at} score {change.score}: {what}")
    return "\n".join(lines)
