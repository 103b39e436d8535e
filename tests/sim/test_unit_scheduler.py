"""The replays' unit scheduler (edgeledger/replays/units.py, `in_workers`, and
edgeledger/replays/scheduler.py, `run_units`): every unit runs once, and a worker that finishes
early takes the next unit instead of waiting (units are not split up front); a worker's failure
stops them all with its line; finished units are journaled and not run again."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from edgeledger.errors import EdgeledgerError
from edgeledger.progress import quiet
from edgeledger.replays.scheduler import run_units
from edgeledger.replays.units import in_workers


def slow_first(units: Iterable[int], results: Any, last_done: Path) -> None:
    """Unit 0 lasts until the last unit (9) is done; the others are quick. Each result names
    the worker's process."""
    for unit in units:
        if unit == 0:
            deadline = time.monotonic() + 60
            while not last_done.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        if unit == 9:
            last_done.touch()
        results.put((unit, os.getpid()))


def failing(units: Iterable[int], results: Any) -> None:
    for unit in units:
        results.put(f"ValueError: unit {unit} is bad" if unit == 3 else (unit, os.getpid()))


def test_units__taken_as_workers_finish_not_split_up_front(tmp_path: Path) -> None:
    work = partial(slow_first, last_done=tmp_path / "unit 9 done")
    done = in_workers(work, list(range(10)), 2, "units", quiet)

    assert sorted(unit for unit, _ in done) == list(range(10))
    slow_worker = next(pid for unit, pid in done if unit == 0)
    # Split up front, the worker of unit 0 would have four more to run after it; pulled, the
    # other worker took every unit while unit 0 lasted.
    assert sum(pid == slow_worker for _, pid in done) == 1


def test_units__a_worker_s_failure_stops_all_with_its_line() -> None:
    with pytest.raises(EdgeledgerError, match="a worker of 'units' failed: ValueError: unit 3"):
        in_workers(failing, list(range(10)), 2, "units", quiet)


def squares(item: tuple[int, int], ran: Path) -> list[dict[str, Any]]:
    """A unit: the squares of its range; a file per unit run, to count them."""
    first, count = item
    (ran / f"{first}-{os.getpid()}-{time.monotonic_ns()}").touch()
    return [{"n": n, "square": n * n} for n in range(first, first + count)]


def bad_at_four(item: tuple[int, int]) -> list[dict[str, Any]]:
    if item[0] == 4:
        raise ValueError("unit 4 is bad")
    return [{"n": item[0]}]


UNITS = [(first, 2) for first in range(0, 12, 2)]
EXPECTED = [[{"n": n, "square": n * n} for n in (first, first + 1)] for first, _ in UNITS]


@pytest.mark.parametrize("workers", [1, 2])
def test_run_units__gives_each_unit_s_rows_in_order_and_resumes_from_its_journal(
    workers: int, tmp_path: Path
) -> None:
    ran = tmp_path / "ran"
    ran.mkdir()
    journal = (tmp_path / "units.jsonl", "settings A")
    unit = partial(squares, ran=ran)

    assert run_units(unit, UNITS, "units", quiet, workers=workers, journal=journal) == EXPECTED
    assert len(list(ran.iterdir())) == len(UNITS)
    assert len(journal[0].read_text().splitlines()) == len(UNITS)
    in_this_process = {p.name.split("-")[1] for p in ran.iterdir()} == {str(os.getpid())}
    assert in_this_process == (workers == 1)

    # Again: every unit from the journal, none run.
    assert run_units(unit, UNITS, "units", quiet, workers=workers, journal=journal) == EXPECTED
    assert len(list(ran.iterdir())) == len(UNITS)
    # Other settings: the journal's units are not theirs, so every unit runs again.
    other = (journal[0], "settings B")
    assert run_units(unit, UNITS, "units", quiet, workers=workers, journal=other) == EXPECTED
    assert len(list(ran.iterdir())) == 2 * len(UNITS)


def test_run_units__keeps_the_units_finished_before_one_failed(tmp_path: Path) -> None:
    journal = (tmp_path / "units.jsonl", "settings")
    with pytest.raises(ValueError, match="unit 4 is bad"):
        run_units(bad_at_four, UNITS, "units", quiet, journal=journal)
    assert [json.loads(line)["row"]["unit"] for line in journal[0].read_text().splitlines()] == [
        [0, 2],
        [2, 2],
    ]
    with pytest.raises(EdgeledgerError, match="a worker of 'units' failed: ValueError: unit 4"):
        run_units(bad_at_four, UNITS, "units", quiet, workers=2)
