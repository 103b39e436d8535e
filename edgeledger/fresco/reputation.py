"""The reputation contract's arithmetic in Python, its report words, and replay from logs.

Mirrors contracts/ReputationManager.sol exactly (fixed point, SCALE = 1000, truncating
division), so tests compare on-chain scores with it and anyone can rebuild every score from the
event log alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SCALE = 1_000
MAX_TASK_ID = (1 << 64) - 1
_U32 = (1 << 32) - 1


@dataclass(frozen=True)
class ScoreParameters:
    """Deployment choices of the contract (the paper's: w = 0.3, initial = reset = 0.5)."""

    weight: int = 300
    initial_score: int = 500
    reset_score: int = 500


@dataclass(frozen=True)
class Report:
    """One measured task outcome, as a reporter sends it. Nodes go by registration index
    (`getNodeIndex`), which spares the contract a storage read per report."""

    node_index: int
    task_id: int
    execution_time_us: int
    time_constraint_us: int
    succeeded: bool

    def packed(self) -> int:
        """The contract's report word (IReputationManager.packReport)."""
        if not 0 < self.time_constraint_us <= _U32:
            raise ValueError(f"time constraint {self.time_constraint_us} µs is outside 1..{_U32}")
        if not 0 < self.task_id <= MAX_TASK_ID:
            raise ValueError(f"task id {self.task_id} is outside 1..{MAX_TASK_ID}")
        if not 0 <= self.node_index <= _U32:
            raise ValueError(f"node index {self.node_index} is not a uint32")
        execution = min(self.execution_time_us, _U32)  # longer than 71 min: no incentive anyway
        return (
            self.node_index
            | (self.task_id << 32)
            | (execution << 96)
            | (self.time_constraint_us << 128)
            | (int(self.succeeded) << 160)
        )

    @classmethod
    def unpacked(cls, word: int) -> Report:
        return cls(
            node_index=word & _U32,
            task_id=(word >> 32) & MAX_TASK_ID,
            execution_time_us=(word >> 96) & _U32,
            time_constraint_us=(word >> 128) & _U32,
            succeeded=bool((word >> 160) & 1),
        )


def incentive(execution_time_us: int, time_constraint_us: int, succeeded: bool) -> int:
    """I on the SCALE: (Tc - Texec) / Tc for a success within the constraint, else 0."""
    execution = min(execution_time_us, _U32)
    if not succeeded or execution > time_constraint_us:
        return 0
    return (time_constraint_us - execution) * SCALE // time_constraint_us


def next_score(score: int, incentive_: int, weight: int) -> int:
    """R <- ((SCALE - w) R + w I) / SCALE, truncated, as the contract computes it."""
    return ((SCALE - weight) * score + weight * incentive_) // SCALE


@dataclass
class ScoreBook:
    """Scores as the contract keeps them, rebuilt from its events (or driven directly)."""

    parameters: ScoreParameters = field(default_factory=ScoreParameters)
    indices: dict[str, int] = field(default_factory=dict)  # lower-case address -> index
    scores: list[int] = field(default_factory=list)  # by index
    active: set[int] = field(default_factory=set)

    def register(self, node: str, index: int | None = None) -> int:
        key = node.lower()
        if key not in self.indices:
            self.indices[key] = len(self.scores) if index is None else index
            self.scores.append(self.parameters.initial_score)
        self.active.add(self.indices[key])
        return self.indices[key]

    def unregister(self, node: str) -> None:
        self.active.discard(self.indices[node.lower()])

    def reset(self, node: str) -> None:
        self.scores[self.indices[node.lower()]] = self.parameters.reset_score

    def apply(self, report: Report) -> int:
        value = incentive(report.execution_time_us, report.time_constraint_us, report.succeeded)
        index = report.node_index
        self.scores[index] = next_score(self.scores[index], value, self.parameters.weight)
        return self.scores[index]

    def score(self, node: str) -> int:
        return self.scores[self.indices[node.lower()]]


def replay_scores(contract: Any, parameters: ScoreParameters, start_block: int = 0) -> ScoreBook:
    """Every score, rebuilt from the contract's logs alone (no storage reads), in log order."""
    book = ScoreBook(parameters)
    kinds = {
        "NodeRegistered": lambda log: book.register(str(log.node), int(log.index)),
        "NodeUnregistered": lambda log: book.unregister(str(log.node)),
        "ReputationReset": lambda log: book.reset(str(log.node)),
        "ReputationsUpdated": lambda log: [book.apply(Report.unpacked(w)) for w in log.reports],
    }
    logs: list[Any] = []
    for name in kinds:
        logs.extend(getattr(contract, name).range(start_block, 0))
    for log in sorted(logs, key=lambda log: (log.block_number, log.log_index)):
        kinds[log.event_name](log)
    return book


def kth_highest(scores: Iterable[int], k: int) -> int:
    """The contract's kthHighestScore over given scores: 0 when there are fewer than k."""
    ordered = sorted(scores, reverse=True)
    return ordered[k - 1] if len(ordered) >= k else 0
