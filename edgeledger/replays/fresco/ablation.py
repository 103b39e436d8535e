"""`ape run fresco --ablation`: what each departure of the FRESCO authors' code is worth.

Two baselines, the `paper` and the `authors` readings, and for every departure of
settings.DEPARTURES two variants: the paper reading with that departure alone, and the authors'
reading without it. Every variant meets the same worlds (the replay's seeds by run and
application), so a departure's effect is a paired difference, run by run, with its 95%
interval. FRESCO and MDP run in each (MDP's reward is one of the departures).

The units run the simulator with the contract's arithmetic in Python (LocalReputation): the
replay checks after every unit that the chain's scores equal it, so the chain would change no
row here, only the time taken.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from pathlib import Path
from typing import Any

from edgeledger.progress import ProgressCallback
from edgeledger.replays.fresco.claims import Interval, interval, paired
from edgeledger.replays.fresco.settings import (
    DEPARTURES,
    FrescoReplayConfig,
    with_departure,
    with_model,
)
from edgeledger.replays.fresco.variants import local_rows
from edgeledger.replays.scheduler import replay_units
from edgeledger.reports import markdown_table, new_figure, save_figure, write_csv
from edgeledger.stages import code_commit

ENGINES = ("FRESCO", "MDP")
MDP_ONLY = ("known_availability", "sigmoid_mdp_reward")  # what only MDP's decisions read
PAPER, AUTHORS = "paper", "authors"


def variants(config: FrescoReplayConfig) -> dict[str, FrescoReplayConfig]:
    """Every variant by name: the two baselines, then `paper + d` and `authors - d` for each
    departure d."""
    paper, authors = with_model(config, PAPER), with_model(config, AUTHORS)
    named = {PAPER: paper, AUTHORS: authors}
    for departure in DEPARTURES:
        named[f"{PAPER} + {departure.name}"] = with_departure(paper, departure.name, True)
        named[f"{AUTHORS} - {departure.name}"] = with_departure(authors, departure.name, False)
    return named


def ablation_unit(config: FrescoReplayConfig, item: tuple[str, int, int]) -> list[dict[str, Any]]:
    """One variant's run of one application: a row per engine."""
    name, app_index, run = item
    rows = local_rows(variants(config)[name], app_index, run, ENGINES)
    return [{"variant": name, **row} for row in rows]


def run_ablation(
    config: FrescoReplayConfig, out: Path, progress: ProgressCallback
) -> dict[str, Any]:
    """Every variant over `config`'s runs and applications; ablation.csv, ablation.md (the
    README's table) and ablation.png in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    journal = out / "ablation-units.jsonl"
    items = [
        (name, app_index, run)
        for name in variants(config)
        for app_index in range(len(config.applications))
        for run in range(config.runs)
    ]
    rows = replay_units(
        partial(ablation_unit, config), items, "ablation", progress, config, journal
    )
    provenance = {"commit": code_commit(), "seed": config.seed}
    write_csv(out / "ablation.csv", rows, provenance)
    effects = departure_effects(rows)
    (out / "ablation.md").write_text(_table(config, rows, effects))
    _plot(effects, out / "ablation.png")
    journal.unlink(missing_ok=True)
    return {"variants": len(variants(config)), "rows": len(rows)}


def _by_run(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[int, float]]:
    values: dict[tuple[str, str, str], dict[int, float]] = defaultdict(dict)
    for row in rows:
        values[(row["variant"], row["application"], row["engine"])][row["run"]] = row["response_s"]
    return values


def departure_effects(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str, str], Interval]:
    """(departure, direction, application, engine) -> the mean response's paired difference
    in seconds: `added` = paper + d minus paper; `removed` = authors minus authors - d (both
    read as what d adds)."""
    values = _by_run(rows)
    applications = sorted({row["application"] for row in rows})
    effects = {}
    for departure in DEPARTURES:
        for application in applications:
            for engine in ENGINES:
                base = values[(PAPER, application, engine)]
                full = values[(AUTHORS, application, engine)]
                added = values[(f"{PAPER} + {departure.name}", application, engine)]
                without = values[(f"{AUTHORS} - {departure.name}", application, engine)]
                effects[(departure.name, "added", application, engine)] = paired(added, base)
                effects[(departure.name, "removed", application, engine)] = paired(full, without)
    return effects


def _ms(effect: Interval) -> str:
    if effect.high - effect.low < 0.0005:
        return f"{effect.mean * 1000:+.1f}"
    return f"{effect.mean * 1000:+.1f} [{effect.low * 1000:+.1f}, {effect.high * 1000:+.1f}]"


def _table(
    config: FrescoReplayConfig,
    rows: list[dict[str, Any]],
    effects: dict[tuple[str, str, str, str], Interval],
) -> str:
    values = _by_run(rows)
    applications = sorted({row["application"] for row in rows})
    baseline = [
        [
            model,
            *(
                f"{interval(values[(model, app, engine)].values()).mean * 1000:.1f}"
                for app in applications
                for engine in ENGINES
            ),
        ]
        for model in (PAPER, AUTHORS)
    ]
    table = []
    for departure in DEPARTURES:
        engine = "MDP" if departure.name in MDP_ONLY else "FRESCO"
        cells = [
            f"{_ms(effects[(departure.name, 'added', app, engine)])} / "
            f"{_ms(effects[(departure.name, 'removed', app, engine)])}"
            for app in applications
        ]
        table.append([f"`{departure.name}`", departure.paper, departure.authors, engine, *cells])
    return "\n".join(
        [
            f"Code {code_commit()}; seed {config.seed}; {config.runs} runs x "
            f"{config.simulation.applications} applications; mean response per application, ms.",
            "",
            markdown_table(
                ["model", *(f"{app} {engine}" for app in applications for engine in ENGINES)],
                baseline,
            ),
            "",
            "What each departure adds to the mean response, ms [95% interval, paired by run]: "
            "to the paper reading / in the authors' reading.",
            "",
            markdown_table(["departure", "paper", "authors' code", "engine", *applications], table),
            "",
        ]
    )


def _plot(effects: dict[tuple[str, str, str, str], Interval], path: Path) -> Path:
    names = [d.name for d in DEPARTURES]
    applications = sorted({key[2] for key in effects})
    figure, axes = new_figure(8.0, 5.5)
    height = 0.8 / (2 * len(applications))
    for i, application in enumerate(applications):
        for j, direction in enumerate(("added", "removed")):
            offset = (2 * i + j) * height
            means = [effects[(n, direction, application, "FRESCO")].mean * 1000 for n in names]
            label = f"{application}, {'to paper' if direction == 'added' else 'in authors'}"
            axes.barh([k + offset for k in range(len(names))], means, height, label=label)
    axes.set_yticks([k + 0.4 - height / 2 for k in range(len(names))], names)
    axes.invert_yaxis()
    axes.axvline(0, color="black", linewidth=0.5)
    axes.set_xlabel("FRESCO's mean response, ms added by the departure")
    axes.set_xscale("symlog", linthresh=1.0)
    axes.legend(fontsize="x-small")
    return save_figure(figure, path)
