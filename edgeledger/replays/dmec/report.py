"""A DMEC replay's rows as its reader wants them: gas summarised over repetitions, CSVs, plots and
summary.md, and the headline for the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.dmec.policies import Policy
from edgeledger.replays.dmec.settings import PAPER, DmecReplayConfig
from edgeledger.reports import (
    below_the_paper,
    markdown_table,
    new_figure,
    preset_of,
    save_figure,
    write_csv,
)
from edgeledger.stages import code_commit


def summarize_gas_vs_tasks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    summary = []
    for policy in Policy:
        for n in sorted({r["tasks"] for r in rows}):
            values = [
                r["relay_gas"] for r in rows if r["policy"] == policy.label and r["tasks"] == n
            ]
            summary.append(
                {
                    "policy": policy.label,
                    "tasks": n,
                    "mean_gas": float(np.mean(values)),
                    "std_gas": float(np.std(values)),
                    "runs": len(values),
                }
            )
    return summary


def plot_gas_vs_tasks(summary: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = new_figure()
    for policy in Policy:
        points = [r for r in summary if r["policy"] == policy.label]
        axes.errorbar(
            [r["tasks"] for r in points],
            [r["mean_gas"] / 1e6 for r in points],
            yerr=[r["std_gas"] / 1e6 for r in points],
            marker="o",
            capsize=3,
            label=policy.label,
        )
    axes.set_xlabel("offloaded tasks n (1 drone, 3 MEC servers)")
    axes.set_ylabel("gas of the relays, millions")
    axes.set_title("Gas per offloading policy (cf. DMEC Fig. 4)")
    axes.legend()
    return save_figure(figure, path)


def plot_gas_vs_servers(rows: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = new_figure()
    for policy in Policy:
        points = [r for r in rows if r["policy"] == policy.label]
        axes.plot(
            [r["servers"] for r in points],
            [r["mean_gas"] for r in points],
            marker="o",
            label=policy.label,
        )
    axes.set_xlabel("active MEC servers m")
    axes.set_ylabel("gas of one submitTask")
    axes.set_title("Policy evaluation cost versus servers")
    axes.legend()
    return save_figure(figure, path)


def plot_latency(rows: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = new_figure()
    axes.bar([r["task"] for r in rows], [r["relay_wait_s"] for r in rows], label="relay mined")
    axes.bar(
        [r["task"] for r in rows],
        [r["end_to_end_s"] - r["relay_wait_s"] for r in rows],
        bottom=[r["relay_wait_s"] for r in rows],
        label="compute + result mined",
    )
    block = rows[0]["block_time_s"] if rows else 0
    axes.set_xlabel("task")
    axes.set_ylabel("seconds")
    axes.set_title(f"Submit-to-result latency, {block:g} s blocks")
    axes.legend()
    return save_figure(figure, path)


def per_server_increment(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Least-squares slope of relay gas per added server, per policy."""
    slopes = {}
    for policy in Policy:
        points = [r for r in rows if r["policy"] == policy.label]
        x = np.array([r["servers"] for r in points], dtype=float)
        y = np.array([r["mean_gas"] for r in points], dtype=float)
        slopes[policy.label] = float(np.polyfit(x, y, 1)[0]) if len(points) > 1 else float("nan")
    return slopes


DMEC_SIZES = {
    "task_counts": "task counts",
    "repetitions": "repetitions",
    "server_counts": "server counts",
    "tasks_per_server_count": "tasks per server count",
    "latency_tasks": "latency tasks",
}


def render_summary(
    config: DmecReplayConfig,
    tasks_summary: list[dict[str, Any]],
    servers_rows: list[dict[str, Any]],
    latency_rows: list[dict[str, Any]],
    audit_text: str,
) -> str:
    n_max = max(config.task_counts)
    at_max = [r for r in tasks_summary if r["tasks"] == n_max]
    slopes = per_server_increment(servers_rows)
    end_to_end = [r["end_to_end_s"] for r in latency_rows]
    lines = [
        "# DMEC replay",
        "",
        f"Code {code_commit()}; seed {config.seed}; {config.repetitions} repetitions; "
        f"tasks {list(config.task_counts)};"
        f" servers {list(config.server_counts)}; latency on {config.block_time_s:g} s blocks.",
        "",
        f"## Gas for n = {n_max} tasks, 1 drone, 3 servers (mean ± std over repetitions)",
        "",
        markdown_table(
            ["policy", "gas for n tasks", "std", "gas per task"],
            [
                [
                    r["policy"],
                    f"{r['mean_gas']:,.0f}",
                    f"{r['std_gas']:,.0f}",
                    f"{r['mean_gas'] / n_max:,.0f}",
                ]
                for r in at_max
            ],
        ),
        "",
        "Gas grows linearly in n for every policy, as in the paper's Fig. 4 (gas_vs_tasks.png).",
        "",
        "## Gas of one task versus servers",
        "",
        markdown_table(
            ["policy", "gas added per server (fit)"],
            [[label, f"{slope:,.0f}"] for label, slope in slopes.items()],
        ),
        "",
        "## Latency, submit to result",
        "",
        (
            f"{len(end_to_end)} tasks: mean {np.mean(end_to_end):.2f} s,"
            f" max {np.max(end_to_end):.2f} s with {config.block_time_s:g} s blocks"
            " (two transactions per task)."
            if end_to_end
            else "no tasks"
        ),
        "",
        "## Audit of one device, from events alone",
        "",
        "```",
        audit_text,
        "```",
        "",
        below_the_paper(config, PAPER, DMEC_SIZES),
    ]
    return "\n".join(lines)


def write_report(
    out_dir: Path,
    config: DmecReplayConfig,
    tasks_rows: list[dict[str, Any]],
    servers_rows: list[dict[str, Any]],
    latency_rows: list[dict[str, Any]],
    audit_text: str,
) -> dict[str, Any]:
    """CSVs, PNGs and summary.md in `out_dir`; returns the headline: gas per relayed task of
    each policy at the largest n."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made = {"commit": code_commit(), "seed": config.seed, "preset": preset_of(config, PAPER)}
    write_csv(out_dir / "gas_vs_tasks.csv", tasks_rows, made)
    write_csv(out_dir / "gas_vs_servers.csv", servers_rows, made)
    write_csv(out_dir / "latency.csv", latency_rows, made)
    tasks_summary = summarize_gas_vs_tasks(tasks_rows)
    plot_gas_vs_tasks(tasks_summary, out_dir / "gas_vs_tasks.png")
    plot_gas_vs_servers(servers_rows, out_dir / "gas_vs_servers.png")
    plot_latency(latency_rows, out_dir / "latency.png")
    (out_dir / "summary.md").write_text(
        render_summary(config, tasks_summary, servers_rows, latency_rows, audit_text)
    )
    n = max(config.task_counts)
    return {
        f"gas per task at n={n}": {
            r["policy"]: round(r["mean_gas"] / n) for r in tasks_summary if r["tasks"] == n
        }
    }
