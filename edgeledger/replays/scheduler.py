"""A replay's independent units, run where the user asks: one after another in this process, in
`workers` local processes that each take the next unit when done with one, or as Ray tasks
(`--ray`, ray_units.py). Each unit's rows go to the journal as it comes back, so the same command
resumes from there; a unit that fails stops the replay with its line.

A unit is `unit(item) -> rows`: seeded, and it starts or deploys what it needs (a unit never
shares a chain with another), so where it runs changes no row but measured times. `item` is a
tuple of JSON values (it names the unit in the journal)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from edgeledger.processes import die_with_parent
from edgeledger.progress import ProgressCallback, show_chain_logs
from edgeledger.replays.units import Row, UnitJournal, failure_line, in_workers

Unit = Callable[[Any], list[Row]]


def run_units(
    unit: Unit,
    items: list[tuple[Any, ...]],
    stage: str,
    progress: ProgressCallback,
    workers: int = 1,
    ray: str | None = None,
    journal: tuple[Path, str] | None = None,
) -> list[list[Row]]:
    """`unit(item)` for every item; each unit's rows, in the order of `items`. `unit` must pickle
    (a top-level function, or a partial of one) for workers and Ray. `journal` is the journal's
    path and the settings its units belong to (what changes their rows): units it holds are
    not run again, and each one run is added as it finishes."""
    kept = None if journal is None else UnitJournal(*journal, key=_item_of)
    rows: dict[tuple[Any, ...], list[Row]] = {}
    if kept is not None:
        rows.update({item: kept.done[item]["rows"] for item in items if item in kept.done})
    todo = [item for item in items if item not in rows]

    def finished(item: tuple[Any, ...], result: list[Row]) -> None:
        if kept is not None:
            kept.add({"unit": list(item), "rows": result})
        rows[item] = result

    if todo and ray is not None:
        from edgeledger.replays.ray_units import on_ray  # Ray only when asked for

        for done in on_ray(ray, unit, todo, stage, progress):
            finished(done.item, done.result)
    elif todo and workers > 1:
        in_workers(
            partial(_each_unit, unit),
            todo,
            min(workers, len(todo)),
            stage,
            progress,
            each=lambda message: finished(*message),
        )
    else:
        progress(stage, 0, len(todo))
        for n, item in enumerate(todo, start=1):
            finished(item, unit(item))
            progress(stage, n, len(todo))
    return [rows[item] for item in items]


def replay_units(
    unit: Unit,
    items: list[tuple[Any, ...]],
    stage: str,
    progress: ProgressCallback,
    config: Any,
    journal_path: Path | None,
) -> list[Row]:
    """`run_units` for a replay whose settings `config` (a dataclass) say where its units run
    (`workers`, `ray`); the journal, if any, is tagged with the rest of `config`: what changes
    rows. Every unit's rows, in one list."""
    settings = repr(replace(config, workers=1, ray=None))
    rows = run_units(
        unit,
        items,
        stage,
        progress,
        workers=config.workers,
        ray=config.ray,
        journal=None if journal_path is None else (journal_path, settings),
    )
    return [row for unit_rows in rows for row in unit_rows]


def _item_of(entry: Row) -> tuple[Any, ...]:
    return tuple(entry["unit"])


def _each_unit(unit: Unit, items: Iterable[tuple[Any, ...]], results: Any) -> None:
    """A worker process: each unit it takes, its (item, rows); a failure as one line."""
    die_with_parent()
    show_chain_logs(verbose=False)
    try:
        for item in items:
            results.put((item, unit(item)))
    except Exception as error:  # reported to the parent as one line
        results.put(failure_line(error))
