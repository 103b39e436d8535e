"""Properties of the reputation scores: the formula's, then the contract's against it."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeledger.fresco.reputation import (
    SCALE,
    Report,
    ScoreBook,
    ScoreParameters,
    incentive,
    next_score,
    replay_scores,
)

NODES = 20  # two score words
ON_CHAIN = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scores = st.integers(min_value=0, max_value=SCALE)
weights = st.integers(min_value=1, max_value=SCALE)
constraints = st.integers(min_value=1, max_value=2**32 - 1)
outcomes = st.tuples(
    st.integers(min_value=0, max_value=2**32 - 1), constraints, st.booleans()
)  # execution µs, constraint µs, succeeded


def synthetic(i: int) -> str:
    return to_checksum_address("0x" + format(0xB0000 + i, "040x"))


# ---------------------------------------------------------------- the formula (pure Python)


@given(score=scores, weight=weights, outcome=outcomes)
def test_formula__scores_stay_on_the_scale(score: int, weight: int, outcome: Any) -> None:
    value = incentive(*outcome)
    assert 0 <= value <= SCALE
    assert 0 <= next_score(score, value, weight) <= SCALE


@given(score=scores, weight=weights, execution=st.integers(0, 2**32 - 1), constraint=constraints)
def test_formula__a_failed_report_never_raises(
    score: int, weight: int, execution: int, constraint: int
) -> None:
    assert next_score(score, incentive(execution, constraint, False), weight) <= score


@given(score=scores, weight=weights, outcome=outcomes)
def test_formula__success_at_or_above_the_score_never_lowers(
    score: int, weight: int, outcome: Any
) -> None:
    """Eq. 25 is a moving average: a successful but slow task (I below R) does lower R, so
    "successful reports never lower a score" holds exactly when I >= R, which covers every
    task that finished at least as far ahead of its deadline as the score says."""
    execution, constraint, _ = outcome
    value = incentive(execution, constraint, True)
    if value >= score:
        assert next_score(score, value, weight) >= score


# ---------------------------------------------------------------- the contract against it


def report_strategy(task_ids: st.SearchStrategy[int]) -> st.SearchStrategy[Report]:
    return st.builds(
        Report,
        node_index=st.integers(0, NODES - 1),
        task_id=task_ids,
        execution_time_us=st.integers(0, 300_000),
        time_constraint_us=st.integers(1, 200_000),
        succeeded=st.booleans(),
    )


def batches_strategy() -> st.SearchStrategy[list[list[Report]]]:
    """Up to three batches; task ids are renumbered to rise strictly afterwards."""
    return st.lists(
        st.lists(report_strategy(st.just(1)), min_size=1, max_size=25), min_size=1, max_size=3
    )


def numbered(batches: list[list[Report]], start: int = 1) -> list[list[Report]]:
    task_id = start - 1
    out = []
    for batch in batches:
        renumbered = []
        for r in batch:
            task_id += 1
            renumbered.append(Report(r.node_index, task_id, *_times(r)))
        out.append(renumbered)
    return out


def _times(r: Report) -> tuple[int, int, bool]:
    return r.execution_time_us, r.time_constraint_us, r.succeeded


@pytest.fixture
def nodes(reputation: Any, agent: Any) -> list[str]:
    """NODES registered nodes, once per test function (each example restores a snapshot)."""
    registered = [synthetic(i) for i in range(NODES)]
    for node in registered:
        reputation.registerNode(node, sender=agent)
    return registered


@ON_CHAIN
@given(batches=batches_strategy())
def test_contract__equals_the_reference(
    chain: Any, reputation: Any, nodes: list[str], reporter: Any, batches: list[list[Report]]
) -> None:
    snapshot = chain.snapshot()
    try:
        book = ScoreBook(ScoreParameters())
        for node in nodes:
            book.register(node)
        for batch in numbered(batches):
            before = list(book.scores)
            reputation.updateNodeReputation([r.packed() for r in batch], sender=reporter)
            for r in batch:
                book.apply(r)
            on_chain = list(reputation.getReputationScores(nodes))
            assert on_chain == book.scores
            assert all(0 <= s <= SCALE for s in on_chain)
            if all(not r.succeeded for r in batch):
                assert all(a <= b for a, b in zip(on_chain, before, strict=True))
            if all(r.succeeded and r.execution_time_us == 0 for r in batch):
                assert all(a >= b for a, b in zip(on_chain, before, strict=True))
        assert replay_scores(reputation, ScoreParameters()).scores == book.scores  # logs alone
    finally:
        chain.restore(snapshot)


@ON_CHAIN
@given(batch=st.lists(report_strategy(st.just(1)), min_size=1, max_size=5), data=st.data())
def test_contract__replays_are_refused(
    chain: Any, reputation: Any, nodes: list[str], reporter: Any, batch: list[Report], data: Any
) -> None:
    snapshot = chain.snapshot()
    try:
        (counted,) = numbered([batch])
        reputation.updateNodeReputation([r.packed() for r in counted], sender=reporter)
        scores = list(reputation.getReputationScores(nodes))
        last = counted[-1].task_id
        # Any later batch that starts at or below the last counted id is refused whole.
        start = data.draw(st.integers(1, last), label="first task id of the replay")
        (replay,) = numbered([batch], start=start)
        with ape.reverts(reputation.ReportAlreadyCounted, reporter=reporter, lastCounted=last):
            reputation.updateNodeReputation([r.packed() for r in replay], sender=reporter)
        assert list(reputation.getReputationScores(nodes)) == scores
    finally:
        chain.restore(snapshot)


@ON_CHAIN
@given(account=st.integers(0, 19), report=report_strategy(st.integers(1, 2**64 - 1)))
def test_contract__non_reporters_are_refused(
    reputation: Any,
    nodes: list[str],
    reporter: Any,
    accounts: Any,
    account: int,
    report: Report,
) -> None:
    sender = accounts[account]
    if sender == reporter:
        return
    # A refused call changes nothing: no snapshot needed.
    with ape.reverts(reputation.AccessControlUnauthorizedAccount, account=sender):
        reputation.updateNodeReputation([report.packed()], sender=sender)
