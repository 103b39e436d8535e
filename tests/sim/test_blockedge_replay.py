"""The BlockEdge replay's experiments on small sizes: what they measure must add up."""

from __future__ import annotations

from typing import Any

import pytest

from edgeledger.blockedge.market import break_even_abnormality
from edgeledger.replays.blockedge.experiment import balance_versus_abnormality, efficiency
from edgeledger.replays.blockedge.settings import BlockedgeReplayConfig

SMALL = BlockedgeReplayConfig(
    abnormality=(0.0, 1.0),
    deposits_ether=(1_000,),
    incentive_ether=10,
    rounds=3,
    stakeholder_counts=(1, 2),
    efficiency_difficulty_bits=10,
    efficiency_repetitions=1,
)


def test_balance__honest_earns_every_incentive_a_cheater_loses_every_deposit_and_incentive(
    accounts: Any,
) -> None:
    rows = balance_versus_abnormality(list(accounts), SMALL)

    honest, cheater = rows
    assert (honest["abnormality"], honest["cheats"], honest["balance_ether"]) == (0.0, 0, 30.0)
    # Every cheat is revealed by the detector and slashed: the deposit is lost and the
    # incentive goes back to the requester.
    assert (cheater["cheats"], cheater["balance_ether"]) == (3, 3 * -1_000)


def test_efficiency__rows_and_ratios() -> None:
    rows = efficiency(SMALL)

    assert [r["stakeholders"] for r in rows] == [1, 2]
    assert rows[0]["speed_up"] == 1.0 and rows[0]["efficiency"] == 1.0
    # Both are rounded to 3 places from the same unrounded speed-up.
    assert rows[1]["efficiency"] == pytest.approx(rows[1]["speed_up"] / 2, abs=1e-3)


def test_break_even__a_slashed_winner_loses_its_deposit_and_the_incentive() -> None:
    assert break_even_abnormality(10, 1_000) == pytest.approx(10 / 1_010)
    ap = break_even_abnormality(10, 1_000)
    assert (1 - ap) * 10 - ap * 1_000 == pytest.approx(0)  # the expected balance per task
