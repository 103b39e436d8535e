"""`ape run fresco --sensitivity`: FRESCO against its own weights and k, as the FRESCO authors'
later code studies them (src/fresco_sensitivity/).

The weights (α response time, β energy, γ price) go over the simplex in steps of 0.2 with
k = 5, then k over K_VALUES with the weights of Table VII. Every point meets the same worlds
(the replay's seeds by run and application), FRESCO alone, with the run's model (`--model`,
`--set`). Outputs: sensitivity.csv (a row per point, application and run), sensitivity.png
(per application: response against α, battery left against β, cost against γ, response and
QoS violations against k) and sensitivity.md (the mean of each point).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.progress import ProgressCallback
from edgeledger.replays.fresco.settings import FrescoReplayConfig
from edgeledger.replays.fresco.variants import local_rows
from edgeledger.replays.scheduler import replay_units
from edgeledger.reports import markdown_table, new_figure, save_figure, write_csv
from edgeledger.stages import code_commit

STEP = 0.2
K_VALUES = (1, 2, 3, 5, 8, 13)
MEASURES = ("response_s", "qos_violation_rate", "battery_lifetime", "cost", "decision_ms_mean")
Point = tuple[float, float, float, int]  # alpha, beta, gamma, k


def points(config: FrescoReplayConfig) -> list[Point]:
    """The weight simplex at k = the run's k, then k over K_VALUES at the run's weights."""
    parameters = config.simulation.parameters
    steps = round(1 / STEP)
    simplex = [
        (a * STEP, b * STEP, round(1 - (a + b) * STEP, 10), parameters.reputation_rank)
        for a in range(steps + 1)
        for b in range(steps + 1 - a)
    ]
    weights = (parameters.alpha, parameters.beta, parameters.gamma)
    ranks = [(*weights, k) for k in K_VALUES if (*weights, k) not in simplex]
    return [(round(a, 10), round(b, 10), g, k) for a, b, g, k in simplex] + ranks


def at_point(config: FrescoReplayConfig, point: Point) -> FrescoReplayConfig:
    alpha, beta, gamma, k = point
    parameters = replace(
        config.simulation.parameters, alpha=alpha, beta=beta, gamma=gamma, reputation_rank=k
    )
    return replace(config, simulation=replace(config.simulation, parameters=parameters))


def sensitivity_unit(
    config: FrescoReplayConfig, item: tuple[float, float, float, int, int, int]
) -> list[dict[str, Any]]:
    """FRESCO at one point on one (application, run)."""
    *point, app_index, run = item
    alpha, beta, gamma, k = point
    (row,) = local_rows(at_point(config, (alpha, beta, gamma, int(k))), app_index, run, ("FRESCO",))
    simplex_k = config.simulation.parameters.reputation_rank
    point_row = {"alpha": alpha, "beta": beta, "gamma": gamma, "k": int(k), "simplex_k": simplex_k}
    return [{**point_row, **row}]


def run_sensitivity(
    config: FrescoReplayConfig, out: Path, progress: ProgressCallback
) -> dict[str, Any]:
    """Every point over `config`'s runs and applications; CSV, plot and table in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    journal = out / "sensitivity-units.jsonl"
    items = [
        (*point, app_index, run)
        for point in points(config)
        for app_index in range(len(config.applications))
        for run in range(config.runs)
    ]
    rows = replay_units(
        partial(sensitivity_unit, config), items, "sensitivity", progress, config, journal
    )
    provenance = {"commit": code_commit(), "seed": config.seed, "model": config.model}
    write_csv(out / "sensitivity.csv", rows, provenance)
    means = point_means(rows)
    (out / "sensitivity.md").write_text(_table(config, means))
    parameters = config.simulation.parameters
    weights = (parameters.alpha, parameters.beta, parameters.gamma)
    _plot(means, out / "sensitivity.png", parameters.reputation_rank, weights)
    journal.unlink(missing_ok=True)
    return {"points": len(points(config)), "rows": len(rows)}


def point_means(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The mean over runs of every measure, per (point, application)."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = (row["alpha"], row["beta"], row["gamma"], row["k"], row["application"])
        groups[key].append(row)
    steps = round(1 / STEP)
    return [
        {
            "alpha": alpha,
            "beta": beta,
            "gamma": gamma,
            "k": k,
            "application": application,
            "on_simplex": k == members[0]["simplex_k"]
            and all(abs(w * steps - round(w * steps)) < 1e-9 for w in (alpha, beta, gamma)),
            "runs": len(members),
            **{m: float(np.mean([r[m] for r in members])) for m in MEASURES},
        }
        for (alpha, beta, gamma, k, application), members in groups.items()
    ]


def _table(config: FrescoReplayConfig, means: list[dict[str, Any]]) -> str:
    table = [
        [
            r["application"],
            f"{r['alpha']:.1f}",
            f"{r['beta']:.1f}",
            f"{r['gamma']:.1f}",
            r["k"],
            f"{r['response_s'] * 1000:.1f}",
            f"{r['qos_violation_rate']:.3f}",
            f"{r['battery_lifetime']:.5f}",
            f"{r['cost']:.2e}",
            f"{r['decision_ms_mean']:.2f}",
        ]
        for r in sorted(means, key=lambda r: (r["application"], r["k"], -r["alpha"], -r["beta"]))
    ]
    return "\n".join(
        [
            f"Code {code_commit()}; model `{config.model}`; seed {config.seed}; {config.runs} "
            f"runs x {config.simulation.applications} applications; FRESCO; means over runs.",
            "",
            markdown_table(
                [
                    "application",
                    "α",
                    "β",
                    "γ",
                    "k",
                    "response (ms)",
                    "QoS violations",
                    "battery left",
                    "cost",
                    "decision (ms)",
                ],
                table,
            ),
            "",
        ]
    )


def _plot(
    means: list[dict[str, Any]],
    path: Path,
    k_of_simplex: int,
    weights: tuple[float, float, float],
) -> Path:
    applications = sorted({r["application"] for r in means})
    figure, _ = new_figure(16.0, 3.6 * len(applications))
    figure.clf()
    grid = figure.subplots(len(applications), 4, squeeze=False)
    simplex = [r for r in means if r["on_simplex"]]
    panels = (
        ("alpha", "beta", "response_s", "response (s)"),
        ("beta", "alpha", "battery_lifetime", "battery left"),
        ("gamma", "alpha", "cost", "cost"),
    )
    for row_axes, application in zip(grid, applications, strict=True):
        mine = [r for r in simplex if r["application"] == application]
        for ax, (x, line, measure, label) in zip(row_axes, panels, strict=False):
            for value in sorted({r[line] for r in mine}):
                curve = sorted((r[x], r[measure]) for r in mine if r[line] == value)
                ax.plot(*zip(*curve, strict=True), marker="o", label=f"{line}={value:.1f}")
            ax.set_xlabel(x)
            ax.set_ylabel(label)
            ax.set_title(f"{application}: {label} against {x} (k={k_of_simplex})", fontsize=9)
            ax.legend(fontsize="xx-small")
        at_weights = sorted(
            (r["k"], r["response_s"], r["qos_violation_rate"])
            for r in means
            if r["application"] == application and (r["alpha"], r["beta"], r["gamma"]) == weights
        )
        ax = row_axes[3]
        ax.ticklabel_format(useOffset=False)
        ks = [k for k, _, _ in at_weights]
        ax.plot(ks, [response for _, response, _ in at_weights], marker="o")
        twin = ax.twinx()
        twin.plot(ks, [v for _, _, v in at_weights], marker="s", color="tab:red")
        ax.set_xlabel("k")
        ax.set_ylabel("response (s), circles")
        twin.set_ylabel("QoS violation rate, squares")
        ax.set_title(f"{application}: against k (α, β, γ = {weights})", fontsize=9)
    return save_figure(figure, path)
