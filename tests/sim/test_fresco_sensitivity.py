"""FRESCO's weights and k as model parameters, and the `--sensitivity` sweep over them (issue
20): the points, the same rows for the same seed, and weights that change what FRESCO picks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from utils.fresco_worlds import Device, always_up_world

from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.engines import objective, reputation_threshold
from edgeledger.fresco.simulator import LocalReputation, SimulationConfig, simulate
from edgeledger.replays.fresco.sensitivity import K_VALUES, point_means, points, sensitivity_unit
from edgeledger.replays.fresco.settings import FrescoReplayConfig, with_settings

CONFIG = replace(
    FrescoReplayConfig(), simulation=SimulationConfig(applications=3, towers=12, cells=1), runs=1
)


def test_points__the_weight_simplex_at_k_then_k_at_the_runs_weights() -> None:
    swept = points(CONFIG)
    simplex = [p for p in swept if p[3] == 5 and p[:3] != (0.5, 0.4, 0.1)]
    assert len(simplex) == 21  # (α, β, γ) in steps of 0.2 summing to 1
    assert all(sum(p[:3]) == pytest.approx(1.0) and min(p[:3]) >= 0 for p in simplex)
    assert {(1.0, 0.0, 0.0, 5), (0.0, 0.0, 1.0, 5), (0.4, 0.4, 0.2, 5)} <= set(simplex)
    assert [p[3] for p in swept if p[:3] == (0.5, 0.4, 0.1)] == list(K_VALUES)
    assert len(swept) == len(set(swept))
    on_grid = with_settings(CONFIG.simulation, ["alpha=0.4", "beta=0.4", "gamma=0.2"])
    again = points(replace(CONFIG, simulation=on_grid))  # k = 5 at these weights is on the grid
    assert len(again) == 21 + len(K_VALUES) - 1


def test_sensitivity_unit__the_same_rows_for_the_same_seed_and_weights_matter() -> None:
    def unit(point: tuple[float, float, float, int]) -> dict[str, object]:
        (row,) = sensitivity_unit(CONFIG, (*point, 0, 0))  # Intrasafed, run 0
        return {k: v for k, v in row.items() if not k.startswith("decision_ms")}

    fast = unit((1.0, 0.0, 0.0, 5))
    assert fast == unit((1.0, 0.0, 0.0, 5))
    assert (fast["alpha"], fast["k"], fast["application"]) == (1.0, 5, "Intrasafed")
    frugal, cheap = unit((0.0, 1.0, 0.0, 5)), unit((0.0, 0.0, 1.0, 5))
    # Each weight alone wins on its own measure.
    assert fast["response_s"] < frugal["response_s"] < cheap["response_s"]
    assert frugal["battery_lifetime"] > fast["battery_lifetime"]
    assert cheap["cost"] < min(fast["cost"], frugal["cost"])


def test_point_means__average_runs_and_mark_the_simplex() -> None:
    rows = [
        {"alpha": a, "beta": b, "gamma": g, "k": k, "simplex_k": 5, "application": "MobiAR",
         "response_s": r, "qos_violation_rate": 0.0, "battery_lifetime": 1.0, "cost": 0.0,
         "decision_ms_mean": 1.0}
        for a, b, g, k, r in [
            (0.2, 0.4, 0.4, 5, 0.1),
            (0.2, 0.4, 0.4, 5, 0.3),
            (0.5, 0.4, 0.1, 5, 0.2),
            (0.5, 0.4, 0.1, 3, 0.2),
        ]
    ]  # fmt: skip
    means = {(m["alpha"], m["k"]): m for m in point_means(rows)}
    assert means[(0.2, 5)]["response_s"] == pytest.approx(0.2) and means[(0.2, 5)]["runs"] == 2
    assert [means[key]["on_simplex"] for key in [(0.2, 5), (0.5, 5), (0.5, 3)]] == [
        True,
        False,
        False,
    ]


def test_weights_and_k__reach_the_decision() -> None:
    world = always_up_world("mobiar")
    engine = Device()
    simulate(world, engine, LocalReputation(), 1)
    view = next(v for v in engine.views if v.task.offloadable)
    est = view.estimate
    time_only = replace(view.parameters, alpha=1.0, beta=0.0, gamma=0.0)
    assert np.argmin(objective(est, time_only)) == np.argmin(est.response_s)
    energy_only = replace(view.parameters, alpha=0.0, beta=1.0, gamma=0.0)
    assert np.argmin(objective(est, energy_only)) == np.argmin(est.energy_j)
    view.reputation = np.arange(len(view.candidates)) * 100
    ranked = sorted(view.reputation[view.kind != 4].tolist(), reverse=True)
    for k in (1, 3):
        view.parameters = replace(view.parameters, reputation_rank=k)
        assert reputation_threshold(view) == ranked[k - 1]


@pytest.mark.parametrize("text", ["2.5", "0", "nan"])
def test_with_settings__k_is_a_whole_number_from_1(text: str) -> None:
    with pytest.raises(EdgeledgerError, match=rf"--set reputation_rank: '{text}' is not a whole"):
        with_settings(SimulationConfig(), [f"reputation_rank={text}"])
    assert with_settings(SimulationConfig(), ["reputation_rank=3"]).parameters.reputation_rank == 3
