"""The reputation contract's arithmetic in Python, its report words, and replay from logs.

Mirrors contracts/ReputationManager.sol exactly (fixed point, SCALE = 1000, truncating
division), so tests compare on-chain scores with it and anyone can rebuild every score from the
event log alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

SCALE = 1_000
MAX_TASK_ID = (1 << 64) - 1
_U32 = (1 << 32) - 1
# The report word as contracts/libraries/PackedReport.sol lays it out: the node index in bits
# 0..31, then each field at its offset (tests/sim/test_word_layouts.py checks that these are
# the Solidity constants).
REPORT_TASK_ID_OFFSET = 32
REPORT_EXECUTION_TIME_OFFSET = 96
REPORT_TIME_CONSTRAINT_OFFSET = 128
REPORT_SUCCEEDED_OFFSET = 160


@dataclass(frozen=True)
class ScoreParameters:
    """Deployment choices of the contract (the paper's: w = 0.3, initial = reset = 0.5), and
    the bound on one party's influence: its net change to one node's score per period."""

    weight: int = 300
    initial_score: int = 500
    reset_score: int = 500
    # 500 of 1,000 a day: one reporter cannot take a node from the top to below the market's
    # 400 in a day, and a single-reporter FRESCO replay never reaches it (its largest net
    # change per node and unit, measured over the quick replay, is 500: from 500 to 0).
    max_influence: int = 500
    influence_period_s: int = 86_400


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
            | (self.task_id << REPORT_TASK_ID_OFFSET)
            | (execution << REPORT_EXECUTION_TIME_OFFSET)
            | (self.time_constraint_us << REPORT_TIME_CONSTRAINT_OFFSET)
            | (int(self.succeeded) << REPORT_SUCCEEDED_OFFSET)
        )

    @classmethod
    def unpacked(cls, word: int) -> Report:
        return cls(
            node_index=word & _U32,
            task_id=(word >> REPORT_TASK_ID_OFFSET) & MAX_TASK_ID,
            execution_time_us=(word >> REPORT_EXECUTION_TIME_OFFSET) & _U32,
            time_constraint_us=(word >> REPORT_TIME_CONSTRAINT_OFFSET) & _U32,
            succeeded=bool((word >> REPORT_SUCCEEDED_OFFSET) & 1),
        )


def to_us(seconds: float) -> int:
    """Seconds as the whole microseconds reports carry."""
    return round(seconds * 1e6)


def incentive(execution_time_us: int, time_constraint_us: int, succeeded: bool) -> int:
    """I on the SCALE: (Tc - Texec) / Tc for a success within the constraint, else 0."""
    execution = min(execution_time_us, _U32)
    if not succeeded or execution > time_constraint_us:
        return 0
    return (time_constraint_us - execution) * SCALE // time_constraint_us


def next_score(score: int, incentive_: int, weight: int) -> int:
    """R <- ((SCALE - w) R + w I) / SCALE, truncated, as the contract computes it."""
    return ((SCALE - weight) * score + weight * incentive_) // SCALE


# Whose reports a ScoreBook driven directly counts, when nobody says: one reporter.
ONE_PARTY = "the reporter"


@dataclass
class ScoreBook:
    """Scores as the contract keeps them, rebuilt from its events (or driven directly)."""

    parameters: ScoreParameters = field(default_factory=ScoreParameters)
    indices: dict[str, int] = field(default_factory=dict)  # lower-case address -> index
    scores: list[int] = field(default_factory=list)  # by index
    active: set[int] = field(default_factory=set)
    # (party, period, node index) -> the party's net change to that score in that period
    influence: dict[tuple[str, int, int], int] = field(default_factory=dict)

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

    def apply(self, report: Report, party: str = ONE_PARTY, period: int = 0) -> int:
        """The report's step, bounded as the contract bounds it: the party's net change to
        the node's score in `period` stays within max_influence."""
        value = incentive(report.execution_time_us, report.time_constraint_us, report.succeeded)
        index = report.node_index
        score = self.scores[index]
        wanted = next_score(score, value, self.parameters.weight) - score
        key = (party.lower(), period, index)
        before = self.influence.get(key, 0)
        bound = self.parameters.max_influence
        after = max(-bound, min(bound, before + wanted))
        self.influence[key] = after
        self.scores[index] = score + after - before
        return self.scores[index]

    def score(self, node: str) -> int:
        return self.scores[self.indices[node.lower()]]


@dataclass(frozen=True)
class ScoreStep:
    """One change of one node's score, as the logs tell it."""

    block_number: int
    cause: str  # the event: NodeRegistered, ReputationReset, ReputationsUpdated, OutcomeRecorded
    source: str  # who caused it: the reporter, the outcome source contract, or the admin
    report: Report | None  # the report that moved the score, if a report did
    score: int  # the score after the step


_SCORE_EVENTS = (
    "NodeRegistered",
    "NodeUnregistered",
    "ReputationReset",
    "ReputationsUpdated",
    "OutcomeRecorded",
)


def _replay(contract: Any, book: ScoreBook, start_block: int) -> Iterator[tuple[int, ScoreStep]]:
    """Applies the contract's logs to `book` in log order, yielding (node index, step) for
    every step that set one node's score."""
    logs: list[Any] = []
    for name in _SCORE_EVENTS:
        logs.extend(getattr(contract, name).range(start_block, 0))
    for log in sorted(logs, key=lambda log: (log.block_number, log.log_index)):
        name = log.event_name
        if name == "NodeRegistered":
            index = book.register(str(log.node), int(log.index))
            yield index, ScoreStep(log.block_number, name, str(log.node), None, book.scores[index])
        elif name == "NodeUnregistered":
            book.unregister(str(log.node))
        elif name == "ReputationReset":
            book.reset(str(log.node))
            index = book.indices[str(log.node).lower()]
            yield index, ScoreStep(log.block_number, name, str(log.by), None, book.scores[index])
        else:
            # A reporter's batch, or one outcome the DMEC registry or the market closed
            # itself (its times in seconds of block time) on behalf of a party.
            batch = name == "ReputationsUpdated"
            words = log.reports if batch else [log.report]
            source = str(log.reporter if batch else log.source)
            party = source if batch else str(log.party)
            for word in words:
                report = Report.unpacked(int(word))
                score = book.apply(report, party, int(log.period))
                yield report.node_index, ScoreStep(log.block_number, name, source, report, score)


def replay_scores(contract: Any, parameters: ScoreParameters, start_block: int = 0) -> ScoreBook:
    """Every score, rebuilt from the contract's logs alone (no storage reads), in log order."""
    book = ScoreBook(parameters)
    for _ in _replay(contract, book, start_block):
        pass
    return book


def score_history(
    contract: Any, parameters: ScoreParameters, node: str, start_block: int = 0
) -> list[ScoreStep]:
    """Every change of `node`'s score, from the logs alone (from `start_block`, the contract's
    deployment, on): registration, reports, resets."""
    book = ScoreBook(parameters)
    key = node.lower()
    return [
        step
        for index, step in _replay(contract, book, start_block)
        if book.indices.get(key) == index
    ]


def scores_after(
    nodes: Sequence[str], reports: Iterable[Report], parameters: ScoreParameters | None = None
) -> list[int]:
    """The contract's scores of `nodes` (registered in this order, from the initial score)
    after `reports` of one reporter in one period: what the chain must hold once it counted
    exactly these."""
    book = ScoreBook(parameters or ScoreParameters())
    for node in nodes:
        book.register(node)
    for report in reports:
        book.apply(report)
    return [book.score(node) for node in nodes]


def kth_highest(scores: Iterable[int], k: int) -> int:
    """The contract's kthHighestScore over given scores: 0 when there are fewer than k."""
    ordered = sorted(scores, reverse=True)
    return ordered[k - 1] if len(ordered) >= k else 0
