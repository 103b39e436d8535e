"""The BlockEdge break-even as measured (edgeledger/replays/blockedge/break_even.py) and the
summary's verdict on it against the paper's AP = 0.01 (report.py)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgeledger.blockedge.market import break_even_abnormality
from edgeledger.replays.blockedge.break_even import (
    BreakEven,
    measured_break_even,
    zero_crossings,
)
from edgeledger.replays.blockedge.report import BREAK_EVEN_WIDTH, paper_agreement

INCENTIVE = 10


def point(deposit: int, ap: float, rounds: int, slashed: int) -> dict[str, Any]:
    """A balance row whose rounds each paid the incentive or cost the deposit, by verdict."""
    balance = INCENTIVE * (rounds - slashed) - deposit * slashed
    return {
        "deposit_ether": deposit,
        "abnormality": ap,
        "rounds": rounds,
        "cheats": slashed,
        "slashed": slashed,
        "balance_ether": float(balance),
    }


def test_measured__where_every_point_drew_its_expected_cheats__is_the_analytic_break_even() -> None:
    rows = [
        point(d, ap, 2_000, round(2_000 * ap)) for d in (1_000, 3_000) for ap in (0, 0.01, 0.05)
    ]

    found = measured_break_even(rows, INCENTIVE, resamples=500, seed=1)

    assert [p.deposit_ether for p in found] == [1_000, 3_000]
    for p in found:
        assert p.expected == break_even_abnormality(INCENTIVE, p.deposit_ether)
        assert p.measured == pytest.approx(p.expected, rel=1e-9)
        assert p.low < p.measured < p.high


def test_measured__more_rounds_narrow_the_interval_and_the_same_seed_repeats_it() -> None:
    def found(rounds: int, seed: int) -> BreakEven:
        rows = [point(1_000, ap, rounds, round(rounds * ap)) for ap in (0, 0.01, 0.02, 0.05)]
        return measured_break_even(rows, INCENTIVE, resamples=1_000, seed=seed)[0]

    assert found(400, seed=3) == found(400, seed=3)
    assert found(400, seed=3) != found(400, seed=4)
    assert found(4_000, seed=3).width < found(400, seed=3).width / 2


def test_measured__a_stakeholder_never_slashed_has_no_break_even() -> None:
    rows = [point(1_000, ap, 20, 0) for ap in (0, 0.02)]

    (found,) = measured_break_even(rows, INCENTIVE, resamples=100, seed=1)

    assert found.measured == found.high == found.width == math.inf


def test_measured__one_ap_point_is_refused() -> None:
    with pytest.raises(ValueError, match="two AP points"):
        measured_break_even([point(1_000, 0.01, 100, 1)], INCENTIVE, resamples=10, seed=1)


@given(
    st.floats(min_value=0.1, max_value=100),
    st.floats(min_value=-5_000, max_value=-1),
    # AP points a thousandth apart at least, as a replay's are.
    st.lists(st.integers(min_value=0, max_value=500), min_size=2, max_size=6, unique=True),
)
def test_zero_crossings__of_points_on_a_falling_line_is_its_root(
    intercept: float, slope: float, thousandths: list[int]
) -> None:
    x = np.array(thousandths) / 1_000
    assert zero_crossings(x, intercept + slope * x) == pytest.approx(-intercept / slope)


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (0.008, 0.0115, "inside the measured interval: agrees"),
        (0.011, 0.0145, "outside the measured interval"),
        (0.004, 0.004 + BREAK_EVEN_WIDTH, "too wide to place the break-even"),
        (0.004, math.inf, "too wide"),
        (math.inf, math.inf, "cannot say"),
    ],
)
def test_agreement__follows_the_interval(low: float, high: float, verdict: str) -> None:
    found = [BreakEven(1_000, 0.0099, low + 0.001, low, high)]

    assert verdict in paper_agreement(found)
