"""A scenario's rows as its reader wants them: the share of tasks each policy sent to bad servers,
CSVs, plots, the audit of one bad server and summary.md, and the headline for the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgeledger.replays.scenario.experiment import MAX_REASSIGNMENTS
from edgeledger.replays.scenario.population import Population
from edgeledger.replays.scenario.settings import POLICY_LABELS, ScenarioConfig
from edgeledger.reports import markdown_table, new_figure, save_figure, write_csv
from edgeledger.stages import code_commit


def bad_shares(populations: list[Population]) -> dict[str, tuple[int, int]]:
    """Per policy: (tasks first assigned while some server was bad, of which to a bad one)."""
    shares: dict[str, tuple[int, int]] = {label: (0, 0) for label in POLICY_LABELS.values()}
    for population in populations:
        first_bad = min(population.bad_from.values())
        for row in population.assignments:
            if row["round"] < first_bad:
                continue
            tasks, to_bad = shares[row["policy"]]
            shares[row["policy"]] = (tasks + 1, to_bad + int(row["bad_now"]))
    return shares


def _plot_scores(population: Population, path: Path) -> None:
    figure, axes = new_figure(7.2, 4.4)
    rounds = sorted({row["round"] for row in population.scores})
    for server in population.servers:
        series = [r["score"] for r in population.scores if r["server"] == server.address]
        bad_at = population.bad_from.get(server.address)
        color = "tab:red" if bad_at is not None else "tab:green"
        label = f"{server.address[:8]}… " + (
            f"bad from round {bad_at}" if bad_at is not None else "good"
        )
        axes.plot(rounds, series, color=color, marker=".", label=label, alpha=0.8)
        if bad_at is not None:
            axes.axvline(bad_at, color=color, linestyle=":", alpha=0.5)
    minimum = population.deployment.parameters.min_trusted_score
    axes.axhline(minimum, color="black", linestyle="--", linewidth=1, label=f"trusted ≥ {minimum}")
    axes.set_xlabel("round")
    axes.set_ylabel("reputation score (of 1,000)")
    axes.set_title("One identity: DMEC, FRESCO and market outcomes feed one reputation")
    axes.legend(fontsize=7, loc="lower left")
    save_figure(figure, path)


def _plot_shares(
    populations: list[Population], shares: dict[str, tuple[int, int]], path: Path
) -> None:
    figure, axes = new_figure(7.2, 4.0)
    labels = list(shares)
    totals = [to_bad / tasks if tasks else 0.0 for tasks, to_bad in shares.values()]
    axes.bar(labels, totals, color=["tab:gray"] * (len(labels) - 1) + ["tab:blue"], alpha=0.7)
    for i, population in enumerate(populations):
        per_world = bad_shares([population])
        points = [b / t if t else 0.0 for t, b in per_world.values()]
        axes.scatter(
            labels, points, color="black", s=12, zorder=3, label="one world" if i == 0 else None
        )
    axes.set_ylabel("share of tasks sent to bad servers")
    axes.set_title("After the first server went bad (all worlds)")
    axes.legend(fontsize=8)
    save_figure(figure, path)


def _summary(
    config: ScenarioConfig, populations: list[Population], shares: dict[str, tuple[int, int]]
) -> str:
    rows = [
        (label, tasks, to_bad, f"{to_bad / tasks:.3f}" if tasks else "-")
        for label, (tasks, to_bad) in shares.items()
    ]
    stuck = {label: 0 for label in POLICY_LABELS.values()}
    for population in populations:
        for row in population.stuck_tasks:
            stuck[row["policy"]] += 1
    final = []
    for i, population in enumerate(populations):
        last = [r for r in population.scores if r["round"] == config.rounds - 1]
        bad = [r["score"] for r in last if r["goes_bad_at"] != ""]
        good = [r["score"] for r in last if r["goes_bad_at"] == ""]
        slashed = sum(1 for r in population.market if r["slashed"] is True)
        final.append((i, min(good), max(bad), len(population.market), slashed))
    return "\n".join(
        [
            "# One edge, one identity: scenario replay",
            "",
            f"Code {code_commit()}; {config.worlds} worlds × {config.rounds} rounds; "
            f"{config.servers} servers, of which "
            f"{config.bad_servers} ({config.bad_pick}) go bad from round {config.first_bad_round} "
            "on; "
            f"{config.devices_per_policy} IoT devices per policy; seed {config.seed}.",
            "",
            "## Tasks sent to servers that had gone bad",
            "",
            "Counted from the first round a server was bad, first assignments only (a silent "
            "server's task is then reassigned after the timeout).",
            "",
            markdown_table(["policy", "tasks", "to bad servers", "share"], rows),
            "",
            "## Devices stuck",
            "",
            f"A task still unanswered after {MAX_REASSIGNMENTS} reassignments (the registry "
            "leaves out only the server that just failed, so a policy can bounce a task between "
            "two silent servers) keeps its device from sending any further task.",
            "",
            markdown_table(["policy", "devices stuck"], list(stuck.items())),
            "",
            "## Final scores",
            "",
            markdown_table(
                ["world", "lowest good", "highest bad", "market requests", "slashed"], final
            ),
            "",
            "Plots: reputation.png (population 0), bad_share.png. Audit of a bad server: "
            "audit_bad_server.txt.",
            "",
        ]
    )


def write_report(
    out: Path, config: ScenarioConfig, populations: list[Population], audit: str
) -> dict[str, Any]:
    """CSVs, plots, the audit of one bad server and summary.md in `out`; returns the headline:
    per policy, the share of its tasks sent to bad servers."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("assignments", "scores", "market", "stuck_tasks"):
        rows = [{"world": i} | row for i, p in enumerate(populations) for row in getattr(p, name)]
        write_csv(out / f"{name}.csv", rows)
    shares = bad_shares(populations)
    _plot_scores(populations[0], out / "reputation.png")
    _plot_shares(populations, shares, out / "bad_share.png")
    (out / "audit_bad_server.txt").write_text(audit + "\n")
    (out / "summary.md").write_text(_summary(config, populations, shares))
    return {
        label: round(to_bad / tasks, 3) if tasks else None
        for label, (tasks, to_bad) in shares.items()
    }
