"""A FRESCO replay's rows as its reader wants them: statistics over runs, the offloading
distribution, CSVs, plots and summary.md, and the headline for the terminal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.fresco.engines import Q_SWEEPS
from edgeledger.fresco.simulator import SimulationConfig
from edgeledger.fresco.sites import SiteKind
from edgeledger.replays.fresco.claims import Interval, interval, reach, verdicts
from edgeledger.replays.fresco.settings import FrescoReplayConfig, changed_settings
from edgeledger.replays.fresco.variants import KIND_LABELS
from edgeledger.reports import (
    below_the_paper,
    markdown_table,
    new_figure,
    preset_of,
    save_figure,
    write_csv,
)
from edgeledger.stages import code_commit

METRICS = (
    ("response_s", "response time (s)"),
    ("battery_lifetime", "battery left"),
    ("cost", "cost (units)"),
    ("qos_violation_rate", "QoS violation rate"),
)


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and standard deviation over runs per application, engine and metric; the 95%
    confidence interval of each metric's mean (unbounded for one run)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["application"], row["engine"])].append(row)
    table = []
    for (application, engine), members in groups.items():
        entry: dict[str, Any] = {"application": application, "engine": engine, "runs": len(members)}
        for key in (*(m for m, _ in METRICS), "decision_ms_mean", "failures", "fallbacks"):
            values = np.array([m[key] for m in members], dtype=float)
            entry[f"{key}_mean"] = float(values.mean())
            entry[f"{key}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        for key, _ in METRICS:
            ci = interval(m[key] for m in members)
            entry[f"{key}_ci95_low"], entry[f"{key}_ci95_high"] = ci.low, ci.high
        entry["score_mismatches"] = sum(m["score_mismatches"] for m in members)
        table.append(entry)
    return table


def interval_of(entry: dict[str, Any], key: str) -> Interval:
    """A summary entry's mean of `key` with its 95% confidence interval."""
    return Interval(entry[f"{key}_mean"], entry[f"{key}_ci95_low"], entry[f"{key}_ci95_high"])


def distribution(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Share of offloadable tasks that ended on each site type, per application and engine."""
    groups: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(len(SiteKind)))
    for row in rows:
        groups[(row["application"], row["engine"])] += [row[f"placed_{k}"] for k in KIND_LABELS]
    return [
        {
            "application": a,
            "engine": e,
            **{
                k: float(c / max(1, counts.sum())) for k, c in zip(KIND_LABELS, counts, strict=True)
            },
        }
        for (a, e), counts in groups.items()
    ]


def _headline(
    table: list[dict[str, Any]], sweep: list[dict[str, Any]], blocks: list[dict[str, Any]]
) -> dict[str, Any]:
    lowest = {}
    for application in dict.fromkeys(r["application"] for r in table):
        members = [r for r in table if r["application"] == application]
        best = min(members, key=lambda r: r["qos_violation_rate_mean"])
        lowest[application] = best["engine"]
    fresco_sweep = [r for r in sweep if r["engine"] == "FRESCO"]
    ends = (fresco_sweep[0], fresco_sweep[-1]) if fresco_sweep else ()
    return {
        "fewest QoS violations": lowest,
        "FRESCO decision p50 ms by sites": {r["sites"]: round(r["p50_ms"], 2) for r in ends},
        "decision p50 ms by block time": {r["chain"]: round(r["p50_ms"], 2) for r in blocks},
    }


def _plot_metrics(table: list[dict[str, Any]], path: Path) -> None:
    applications = list(dict.fromkeys(r["application"] for r in table))
    engines = list(dict.fromkeys(r["engine"] for r in table))
    figure, _ = new_figure(12, 7)
    figure.clf()
    width = 0.8 / len(engines)
    for panel, (metric, label) in enumerate(METRICS, start=1):
        axes = figure.add_subplot(2, 2, panel)
        for e, engine in enumerate(engines):
            rows = [
                next(r for r in table if r["application"] == a and r["engine"] == engine)
                for a in applications
            ]
            axes.bar(
                np.arange(len(applications)) + e * width,
                [r[f"{metric}_mean"] for r in rows],
                width,
                yerr=[r[f"{metric}_std"] for r in rows],
                label=engine,
                capsize=2,
            )
        axes.set_xticks(np.arange(len(applications)) + 0.4 - width / 2, applications)
        axes.set_ylabel(label)
        axes.grid(True, axis="y", alpha=0.3)
    figure.axes[0].legend(fontsize=7, ncol=2)
    save_figure(figure, path)


def _plot_distribution(shares: list[dict[str, Any]], path: Path) -> None:
    applications = list(dict.fromkeys(r["application"] for r in shares))
    figure, _ = new_figure(12, 3.8)
    figure.clf()
    for panel, application in enumerate(applications, start=1):
        axes = figure.add_subplot(1, len(applications), panel)
        rows = [r for r in shares if r["application"] == application]
        bottom = np.zeros(len(rows))
        for kind in KIND_LABELS:
            values = np.array([r[kind] for r in rows])
            axes.bar([r["engine"] for r in rows], values, bottom=bottom, label=kind)
            bottom += values
        axes.set_title(application)
        axes.tick_params(axis="x", rotation=60, labelsize=7)
        axes.set_ylim(0, 1)
    figure.axes[0].set_ylabel("share of offloadable tasks")
    figure.axes[-1].legend(fontsize=7)
    save_figure(figure, path)


def _plot_sweep(sweep: list[dict[str, Any]], path: Path) -> None:
    figure, axes = new_figure()
    for engine in dict.fromkeys(r["engine"] for r in sweep):
        rows = [r for r in sweep if r["engine"] == engine]
        axes.plot([r["sites"] for r in rows], [r["p50_ms"] for r in rows], marker="o", label=engine)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("candidate sites")
    axes.set_ylabel("decision time p50 (ms)")
    axes.legend(fontsize=7)
    save_figure(figure, path)


FRESCO_SIZES = {
    "runs": "runs",
    "simulation.applications": "applications per run",
    "sweep_decisions": "decisions per size of the decision-time sweep",
}


def precision(config: FrescoReplayConfig) -> list[str]:
    """What the number of runs means for the intervals the claims are judged on."""
    if config.runs < 2:
        return ["One run gives no confidence interval: no claim can be separated."]
    spread = reach(config.runs)
    return [
        f"{config.runs} runs: the engines meet the same world in each run, so two engines are "
        "compared run by run. Their mean difference is separated from zero when it exceeds "
        f"{spread:.2f} standard deviations of the per-run differences (the 95% interval's "
        "reach)."
    ]


def _summary(
    config: FrescoReplayConfig,
    rows: list[dict[str, Any]],
    table: list[dict[str, Any]],
    shares: list[dict[str, Any]],
    sweep: list[dict[str, Any]],
    blocks: list[dict[str, Any]],
    runs_wall_s: float,
    resumed: int,
) -> str:
    sim = config.simulation
    changed = changed_settings(sim, config.model)

    def pm(row: dict[str, Any], key: str, digits: int) -> str:
        return f"{row[f'{key}_mean']:.{digits}f} ± {row[f'{key}_std']:.{digits}f}"

    metric_rows = [
        [
            r["application"],
            r["engine"],
            str(interval_of(r, "response_s")),
            str(interval_of(r, "qos_violation_rate")),
            pm(r, "battery_lifetime", 4),
            f"{r['cost_mean']:.2e} ± {r['cost_std']:.1e}",
            pm(r, "failures", 1),
            pm(r, "decision_ms_mean", 2),
        ]
        for r in table
    ]
    share_rows = [
        [r["application"], r["engine"], *(f"{r[k]:.2f}" for k in KIND_LABELS)] for r in shares
    ]
    sweep_rows = [
        [r["engine"], r["sites"], f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}"] for r in sweep
    ]
    block_rows = [
        [
            r["chain"],
            r["decisions"],
            f"{r['p50_ms']:.2f}",
            f"{r['mean_ms']:.2f}",
            f"{r['simulation_wall_s']:.1f}",
            f"{r['until_counted_wall_s']:.1f}",
            r["score_mismatches"],
        ]
        for r in blocks
    ]
    mismatches = sum(r["score_mismatches"] for r in table)
    claim_rows = [[v.claim, v.application, v.verdict, v.detail] for v in verdicts(rows, sweep)]
    return "\n".join(
        [
            "# FRESCO replay",
            "",
            f'Code {code_commit()}; model `{config.model}` (README "Two models"); '
            f"{config.runs} runs x {sim.applications} applications in "
            "sequence, "
            f"{sim.towers} towers in {sim.cells} cells (+ cloud + device), seed {config.seed}; "
            f"towers {config.towers_path or 'synthetic'}, availability "
            f"{config.trace_path or 'synthetic (Skype statistics)'}. "
            f"Runs took {runs_wall_s:.0f} s of wall time"
            + (f", after {resumed} units resumed from an earlier attempt." if resumed else ".")
            + (
                " Changed from the defaults (--set): "
                + ", ".join(f"{k}={v:g}" for k, v in changed.items())
                + "."
                if changed
                else ""
            ),
            "",
            "Response time and QoS violations: mean over runs [95% confidence interval]; the "
            "rest: mean ± std over runs. Response time is per application; the QoS violation "
            "rate is the share of applications over their deadline; battery is the share left "
            "after the run; failures are offloading attempts that hit a failed site.",
            "",
            markdown_table(
                [
                    "application",
                    "engine",
                    "response (s) [95% CI]",
                    "QoS violations [95% CI]",
                    "battery left",
                    "cost",
                    "failures",
                    "decision (ms)",
                ],
                metric_rows,
            ),
            "",
            f"On-chain scores checked against the Python mirror of every counted report after "
            f"each engine: {mismatches} mismatches.",
            "",
            "## Against the paper",
            "",
            "Each claim judged from the rows above: it agrees when the named engine's 95% "
            "interval is clear of every other engine's on the claimed side, disagrees when "
            "another engine's interval is clear of it on that side, and is not separated "
            "otherwise (more runs narrow the intervals). Intervals are [low, high] of the mean.",
            "",
            markdown_table(["claim", "application", "verdict", "figures"], claim_rows),
            "",
            "## Offloading distribution (share of offloadable tasks per site type)",
            "",
            markdown_table(["application", "engine", *KIND_LABELS], share_rows),
            "",
            "## Decision time against candidate sites",
            "",
            markdown_table(["engine", "sites", "p50 (ms)", "p95 (ms)"], sweep_rows),
            "",
            f"MDP is left out above {config.mdp_sweep_limit} sites (policy iteration solves an "
            "n x n system per step)"
            + (
                f", Q-learning above {config.q_learning_sweep_limit} ({Q_SWEEPS} sweeps of "
                "n x n sampled moves)."
                if "Q-learning" in config.engines
                else "."
            ),
            "",
            "## The same FRESCO decisions with blocks on demand and with "
            f"{config.block_time_s:g} s blocks",
            "",
            markdown_table(
                [
                    "chain",
                    "decisions",
                    "p50 (ms)",
                    "mean (ms)",
                    "simulation wall (s)",
                    "until all counted (s)",
                    "score mismatches",
                ],
                block_rows,
            ),
            "",
            "With slow blocks the reports go out from the client's background thread: the "
            "decisions read the local score copy and never wait; only the counting does.",
            "",
            "Plots: metrics.png, distribution.png, decision_time.png.",
            "",
            below_the_paper(config, FrescoReplayConfig.paper(), FRESCO_SIZES, precision(config)),
        ]
    )


def provenance(config: FrescoReplayConfig) -> dict[str, Any]:
    """What every CSV row of a FRESCO run says of where it came from: the commit, the seed, the
    sizes' preset, the model and what --set changed from it."""
    sizes = replace(
        config,
        model="paper",
        simulation=replace(
            SimulationConfig(),
            applications=config.simulation.applications,
            towers=config.simulation.towers,
            cells=config.simulation.cells,
        ),
    )
    changed = changed_settings(config.simulation, config.model)
    return {
        "commit": code_commit(),
        "seed": config.seed,
        "preset": preset_of(sizes, FrescoReplayConfig.paper()),
        "model": config.model,
        "set": " ".join(f"{k}={v:g}" for k, v in changed.items()),
    }


def write_report(
    out_dir: Path,
    config: FrescoReplayConfig,
    rows: list[dict[str, Any]],
    sweep: list[dict[str, Any]],
    blocks: list[dict[str, Any]],
    runs_wall_s: float,
    resumed: int,
) -> dict[str, Any]:
    """CSVs, PNGs and summary.md in `out_dir`; returns the headline figures."""
    table = summarise(rows)
    shares = distribution(rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    made = provenance(config)
    write_csv(out_dir / "runs.csv", rows, made)
    write_csv(out_dir / "metrics.csv", table, made)
    write_csv(out_dir / "distribution.csv", shares, made)
    write_csv(out_dir / "decision_time.csv", sweep, made)
    write_csv(out_dir / "block_time.csv", blocks, made)
    _plot_metrics(table, out_dir / "metrics.png")
    _plot_distribution(shares, out_dir / "distribution.png")
    _plot_sweep(sweep, out_dir / "decision_time.png")
    (out_dir / "summary.md").write_text(
        _summary(config, rows, table, shares, sweep, blocks, runs_wall_s, resumed)
    )
    return _headline(table, sweep, blocks)
