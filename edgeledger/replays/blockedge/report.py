"""A BlockEdge replay's rows as its reader wants them: CSVs, plots and summary.md, and the
headline for the terminal.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.blockedge.market import break_even_abnormality
from edgeledger.replays.blockedge.break_even import BreakEven, measured_break_even
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


def expected_balance_ether(row: dict[str, Any], incentive_ether: int) -> float:
    """A point's expected balance: rounds x (I - AP (I + D)), the analytic expectation."""
    deposit, ap = row["deposit_ether"], row["abnormality"]
    return row["rounds"] * (incentive_ether - ap * (incentive_ether + deposit))


def plot_balance(
    rows: list[dict[str, Any]], incentive_ether: int, found: list[BreakEven], path: Path
) -> Path:
    figure, axes = new_figure()
    for point in found:
        picked = sorted(
            (r for r in rows if r["deposit_ether"] == point.deposit_ether),
            key=lambda r: r["abnormality"],
        )
        aps = [r["abnormality"] for r in picked]
        line = axes.plot(
            aps,
            [r["balance_ether"] for r in picked],
            marker="o",
            label=f"deposit {point.deposit_ether:,} ether, measured",
        )[0]
        colour = line.get_color()
        axes.plot(
            aps,
            [expected_balance_ether(r, incentive_ether) for r in picked],
            color=colour,
            linestyle="--",
            alpha=0.7,
        )
        axes.axvline(point.expected, color=colour, linestyle=":", alpha=0.8)
        if np.isfinite(point.width):
            axes.axvspan(point.low, point.high, color=colour, alpha=0.15)
    axes.axhline(0, color="black", linewidth=0.8)
    axes.set_xlabel(
        "abnormality probability AP\n(dashed: expected balance; dotted: its zero, I / (I + D);"
        "\nband: the measured break-even's 95% interval)",
        fontsize="small",
    )
    axes.set_ylabel("final balance, ether")
    axes.set_title(f"Stakeholder balance, incentive {incentive_ether} ether a task")
    axes.legend()
    return save_figure(figure, path)


def balance_section(
    config: BlockedgeReplayConfig, rows: list[dict[str, Any]], found: list[BreakEven]
) -> list[str]:
    """The summary's balance tables: each point against its expectation, then each deposit's
    break-even, measured, against the paper's."""
    incentive = config.incentive_ether
    lines = ["## Final balance against abnormality", ""]
    lines += [
        markdown_table(
            [
                "deposit ether",
                "AP",
                "rounds",
                "cheats",
                "expected cheats",
                "slashed",
                "balance ether",
                "expected ether",
                "gap ether",
            ],
            [
                [
                    r["deposit_ether"],
                    r["abnormality"],
                    r["rounds"],
                    r["cheats"],
                    f"{r['rounds'] * r['abnormality']:g}",
                    r["slashed"],
                    f"{r['balance_ether']:,.0f}",
                    f"{expected_balance_ether(r, incentive):,.0f}",
                    f"{r['balance_ether'] - expected_balance_ether(r, incentive):+,.0f}",
                ]
                for r in rows
            ],
        ),
        "",
        f"Expected: rounds x (I - AP (I + D)) with I = {incentive} ether. Every cheat is "
        "revealed and slashed, and the market pays what its rules say (checked after every "
        "batch), so the gap is (I + D) x (expected cheats - cheats): the draws' luck, which "
        "shrinks against the balance as 1 / sqrt(rounds).",
        "",
        "### Break-even",
        "",
    ]
    table = []
    for point in found:
        table.append(
            [
                f"{point.deposit_ether:,}",
                f"{point.expected:.4f}",
                _ap(point.measured),
                f"{_ap(point.low)} to {_ap(point.high)}",
                _ap(point.width),
                "yes" if point.width < BREAK_EVEN_WIDTH else "no",
            ]
        )
    header = ["deposit ether", "expected AP", "measured AP", "95% interval", "width"]
    lines += [markdown_table([*header, f"narrower than {BREAK_EVEN_WIDTH}"], table), ""]
    lines += [
        "Measured: where a least-squares line through the points crosses zero; the interval "
        f"from {config.resamples:,} bootstrap resamples of the rounds (seed {config.seed}). "
        "The paper reports losses beyond AP = 0.01 at 1,000 ether (expected: "
        f"{BREAK_EVEN_1000:.4f}). {paper_agreement(found)}",
        "",
    ]
    return lines


def _ap(value: float) -> str:
    """An AP or a width; infinite where a line does not fall (the balance never reaches zero)."""
    return f"{value:.4f}" if np.isfinite(value) else "none (the line does not fall)"


# The bar for the break-even's position: a 95% interval narrower than this.
BREAK_EVEN_WIDTH = 0.005
BREAK_EVEN_1000 = break_even_abnormality(10, 1_000)


def paper_agreement(found: list[BreakEven]) -> str:
    """Whether the measured break-even at 1,000 ether agrees with the paper's AP = 0.01."""
    point = next((p for p in found if p.deposit_ether == 1_000), None)
    if point is None or not np.isfinite(point.measured):
        return "This run cannot say where the 1,000 ether break-even is."
    if point.width >= BREAK_EVEN_WIDTH:
        return (
            f"At 1,000 ether the interval ({_ap(point.width)} wide) is too wide to place the "
            "break-even: run more rounds (`--rounds`, the paper preset's 2,000)."
        )
    if point.low <= 0.01 <= point.high:
        return "At 1,000 ether the paper's AP = 0.01 is inside the measured interval: agrees."
    return (
        f"At 1,000 ether the paper's AP = 0.01 is outside the measured interval "
        f"({point.low:.4f} to {point.high:.4f}): differs, by the draws or the market's rules."
    )


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
    found = measured_break_even(market_rows, config.incentive_ether, config.resamples, config.seed)
    plot_balance(market_rows, config.incentive_ether, found, out_dir / "balance.png")

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
    lines += [
        "",
        f"Requests come as a stream, {config.negotiation_per_block} posted a block; blocks: "
        "from the request's block to the close's. The paper averaged its negotiation time "
        "(6.40 s, about one block time) over 2,000 requests.",
    ]
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
    lines += balance_section(config, market_rows, found)
    notes = [
        f"With {config.rounds} rounds a point, a point's share of cheating rounds moves in "
        f"steps of 1/{config.rounds}: the break-even's interval above says what that allows."
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
