"""The replays' unit scheduler (edgeledger/replays/units.py, `in_workers`): every unit runs once,
and a worker that finishes early takes the next unit instead of waiting (units are not split up
front); a worker's failure stops them all with its line."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from edgeledger.errors import EdgeledgerError
from edgeledger.progress import quiet
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
