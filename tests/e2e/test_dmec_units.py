"""DMEC's gas experiment as units (edgeledger/replays/dmec/experiment.py): each repetition on a
world of its own, so in worker processes, each with an anvil of its own, the rows are those of the
command's chain; a journal that holds a repetition runs it no more."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from edgeledger.replays.dmec.experiment import gas_versus_tasks
from edgeledger.replays.dmec.settings import DmecReplayConfig

CONFIG = DmecReplayConfig(task_counts=(1, 3), repetitions=2)


def test_gas_versus_tasks__in_two_workers_gives_the_rows_of_the_command_s_chain(
    accounts: Any, tmp_path: Path
) -> None:
    here = gas_versus_tasks(CONFIG)
    journal = tmp_path / "units.jsonl"
    in_workers = gas_versus_tasks(replace(CONFIG, workers=2), journal_path=journal)

    assert in_workers == here
    assert [(r["repetition"], r["tasks"]) for r in here[:2]] == [(0, 1), (0, 3)]
    assert {r["repetition"] for r in here} == {0, 1}
    assert all(r["relay_gas"] > 0 and r["result_gas"] > 0 for r in here)
    assert len(journal.read_text().splitlines()) == CONFIG.repetitions
    # Again, from the journal: nothing run, nothing added.
    assert gas_versus_tasks(replace(CONFIG, workers=2), journal_path=journal) == here
    assert len(journal.read_text().splitlines()) == CONFIG.repetitions
