"""A BlockEdge replay's rows as its reader wants them: CSVs, plots and summary.md, and the
headline for the terminal.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.blockedge.market import break_even_abnormality
from edgeledger.replays.blockedge.settings import PAPER, BlockedgeReplayConfig
from edgeledger.reports import (
    below_the_paper,
    markdown_table,
    new_figure,
    preset_of,
    save_figure,
    write_csv,
)
from edgeledger.stages import code_commit


def _cores() -> int:
    return os.cpu_count() or 1


def plot_negotiation(rows: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = new_figure()
    block_times = sorted({r["block_time_s"] for r in rows})
    data = [[r["negotiation_s"] for r in rows if r["block_time_s"] == bt] for bt in block_times]
    axes.boxplot(data)
    axes.set_xticks(range(1, len(block_times) + 1), [f"{bt:g}" for bt in block_times])
    axes.set_xlabel("block time, s")
    axes.set_ylabel("negotiation time, s (request on chain to winner known)")
    axes.set_title("BlockEdge negotiation time")
    return save_figure(figure, path)


def plot_efficiency(rows: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = new_figure()
    counts = sorted({r["stakeholders"] for r in rows})
    means = [np.mean([r["efficiency"] for r in rows if r["stakeholders"] == k]) for k in counts]
    speed = [np.mean([r["speed_up"] for r in rows if r["stakeholders"] == k]) for k in counts]
    axes.plot(counts, means, marker="o", label="efficiency (speed-up / stakeholders)")
    axes.plot(counts, speed, marker="s", label="speed-up")
    axes.set_xlabel(f"collaborating stakeholders (processes; this machine: {_cores()} cores)")
    axes.set_ylabel("ratio to one stakeholder")
    axes.set_title("Collaborative proof of work")
    axes.legend()
    return save_figure(figure, path)


def plot_balance(rows: list[dict[str, Any]], incentive_ether: int, path: Path) -> Path:
    figure, axes = new_figure()
    for deposit in sorted({r["deposit_ether"] for r in rows}):
        points = sorted(
            (r["abnormality"], r["balance_ether"]) for r in rows if r["deposit_ether"] == deposit
        )
        line = axes.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            marker="o",
            label=f"deposit {deposit:,} ether",
        )[0]
        axes.axvline(
            break_even_abnormality(incentive_ether, deposit),
            color=line.get_color(),
            linestyle=":",
            alpha=0.8,
        )
    axes.axhline(0, color="black", linewidth=0.8)
    axes.set_xlabel("abnormality probability AP (dotted: break-even I / (I + deposit))")
    axes.set_ylabel("final balance, ether")
    axes.set_title(f"Stakeholder balance, incentive {incentive_ether} ether a task")
    axes.legend()
    return save_figure(figure, path)


BLOCKEDGE_SIZES = {
    "block_times_s": "block times (s)",
    "negotiation_requests": "requests per block time",
    "stakeholder_counts": "stakeholder counts",
    "efficiency_repetitions": "repetitions per stakeholder count",
    "abnormality": "abnormality rates",
    "rounds": "rounds per balance point",
}


def write_report(
    out_dir: Path,
    config: BlockedgeReplayConfig,
    negotiation: list[dict[str, Any]],
    efficiency_rows: list[dict[str, Any]],
    market_rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """CSVs, PNGs and summary.md in `out_dir`; returns the headline: mean negotiation time per
    block time, and the balance at the largest AP."""
    origin = {"commit": code_commit(), "seed": config.seed, "preset": preset_of(config, PAPER)}
    write_csv(out_dir / "negotiation.csv", negotiation, origin)
    write_csv(out_dir / "efficiency.csv", efficiency_rows, origin)
    write_csv(out_dir / "balance.csv", market_rows, origin)
    plot_negotiation(negotiation, out_dir / "negotiation.png")
    plot_efficiency(efficiency_rows, out_dir / "efficiency.png")
    plot_balance(market_rows, config.incentive_ether, out_dir / "balance.png")

    made = f"Code {code_commit()}; seed {config.seed}. Measured on this run."
    lines = ["# BlockEdge replay", "", made, ""]
    lines += ["## Negotiation time (request on chain to winner known)", ""]
    table = []
    mean_negotiation_s = {}
    for bt in config.block_times_s:
        values = [r["negotiation_s"] for r in negotiation if r["block_time_s"] == bt]
        blocks = [r["blocks"] for r in negotiation if r["block_time_s"] == bt]
        mean_negotiation_s[f"{bt:g} s"] = round(float(np.mean(values)), 2)
        table.append(
            [
                f"{bt:g}",
                len(values),
                f"{np.mean(values):.2f}",
                f"{np.std(values):.2f}",
                f"{np.mean(blocks):.1f}",
            ]
        )
    lines += [markdown_table(["block time s", "requests", "mean s", "std s", "blocks"], table)]
    lines += ["", "## Proof-of-work efficiency", ""]
    table = []
    for k in config.stakeholder_counts:
        picked = [r for r in efficiency_rows if r["stakeholders"] == k]
        table.append(
            [
                k,
                f"{np.mean([r['wall_s'] for r in picked]):.3f}",
                f"{np.mean([r['speed_up'] for r in picked]):.2f}",
                f"{np.mean([r['efficiency'] for r in picked]):.2f}",
            ]
        )
    lines += [markdown_table(["stakeholders", "wall s", "speed-up", "efficiency"], table)]
    lines += [
        "",
        f"This machine has {_cores()} cores: beyond that, processes share them.",
        "",
    ]
    lines += ["## Final balance against abnormality", ""]
    lines += [
        markdown_table(
            ["deposit ether", "AP", "rounds", "cheats", "balance ether", "break-even AP"],
            [
                [
                    r["deposit_ether"],
                    r["abnormality"],
                    r["rounds"],
                    r["cheats"],
                    r["balance_ether"],
                    r["break_even_abnormality"],
                ]
                for r in market_rows
            ],
        )
    ]
    step = 1 / config.rounds
    notes = [
        f"With {config.rounds} rounds a point, a point's share of cheating rounds moves in "
        f"steps of 1/{config.rounds} = {step:.3g}: abnormality rates closer together than that "
        "(the paper's break-even is near AP = 0.01) are not told apart."
    ]
    lines += ["", below_the_paper(config, PAPER, BLOCKEDGE_SIZES, notes)]
    (out_dir / "summary.md").write_text("\n".join(lines) + "\n")
    worst = max(r["abnormality"] for r in market_rows)
    return {
        "negotiation s by block time": mean_negotiation_s,
        f"balance ether at AP {worst:g} by deposit": {
            r["deposit_ether"]: r["balance_ether"] for r in market_rows if r["abnormality"] == worst
        },
    }
