"""Where a stakeholder's balance crosses zero, as measured: for each deposit, a straight line
fitted (least squares) to the balance per round against AP, where it crosses zero, and a 95%
interval from bootstrap resamples of the rounds.

A round pays the stakeholder the incentive I or costs it the deposit D, by the verdict (the
balance stage checks the market's credit against that after every batch), so resampling a
point's rounds is drawing its slashed count from Binomial(rounds, slashed / rounds). The
expected balance per round, I - AP (I + D), is a straight line in AP: the fit has the right
shape, and it uses every point, not only the two beside the crossing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from edgeledger.blockedge.market import break_even_abnormality


@dataclass(frozen=True)
class BreakEven:
    deposit_ether: int
    expected: float  # I / (I + D): where the expected balance is zero
    # Where the fitted line crosses zero: infinite when it does not fall (the balance never
    # reaches zero), as are the interval's ends when over 2.5% of the resamples do not fall.
    measured: float
    low: float
    high: float

    @property
    def width(self) -> float:
        return math.inf if math.isinf(self.high) else self.high - self.low


def balance_per_round(rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """The points of one deposit, by AP: AP and the measured balance per round (ether)."""
    points = sorted(rows, key=lambda r: r["abnormality"])
    aps = np.array([r["abnormality"] for r in points], dtype=float)
    return aps, np.array([r["balance_ether"] / r["rounds"] for r in points], dtype=float)


def zero_crossings(aps: np.ndarray, balances: np.ndarray) -> np.ndarray:
    """Where the least-squares line through (AP, balance) crosses zero, for each row of
    `balances` (one fit a row); infinite where the line does not fall."""
    x = aps - aps.mean()
    slope = (balances - balances.mean(axis=-1, keepdims=True)) @ x / (x @ x)
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = aps.mean() - balances.mean(axis=-1) / slope
    return np.where(slope < 0, crossing, np.inf)


def measured_break_even(
    rows: list[dict[str, Any]], incentive_ether: int, resamples: int, seed: int
) -> list[BreakEven]:
    """Each deposit's break-even from the balance stage's rows (two AP points or more), with
    a 95% bootstrap interval over `resamples` resamples of the rounds (seeded)."""
    found = []
    for deposit in sorted({r["deposit_ether"] for r in rows}):
        points = sorted(
            (r for r in rows if r["deposit_ether"] == deposit), key=lambda r: r["abnormality"]
        )
        if len({r["abnormality"] for r in points}) < 2:
            raise ValueError(f"deposit {deposit}: a line needs two AP points or more")
        aps, balances = balance_per_round(points)
        rounds = np.array([r["rounds"] for r in points])
        slashed_share = np.array([r["slashed"] for r in points]) / rounds
        rng = np.random.default_rng([seed, deposit])
        slashed = rng.binomial(rounds, slashed_share, size=(resamples, len(points)))
        resampled = (incentive_ether * (rounds - slashed) - deposit * slashed) / rounds
        crossings = zero_crossings(aps, resampled)
        measured = float(zero_crossings(aps, balances[None, :])[0])
        # Quantiles of the resamples themselves, not interpolated: some may be infinite.
        low, high = np.quantile(crossings, [0.025, 0.975], method="inverted_cdf")
        expected = break_even_abnormality(incentive_ether, deposit)
        found.append(BreakEven(deposit, expected, measured, float(low), float(high)))
    return found
