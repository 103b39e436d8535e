"""`ape run fresco`: FRESCO's evaluation replayed. Every application x every engine over the
same worlds, with reputation on a deployed ReputationManager (experiment.py); decision time
against the number of sites, and the same decisions on a chain with 4 s blocks, to show they
never wait for one (sweeps.py); then the files a reader looks at (report.py). Its settings are in
settings.py.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from edgeledger.progress import ProgressCallback, quiet
from edgeledger.replays.fresco.experiment import replay_runs, unit_journal
from edgeledger.replays.fresco.report import write_report
from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs
from edgeledger.replays.fresco.sweeps import block_time_comparison, decision_time_sweep
from edgeledger.replays.units import UNIT_JOURNAL

__all__ = ["FrescoReplayConfig", "Inputs", "run_fresco_replay"]


def run_fresco_replay(
    accounts: list[Any],
    config: FrescoReplayConfig,
    out_dir: Path,
    progress: ProgressCallback = quiet,
    inputs: Inputs | None = None,
) -> dict[str, Any]:
    """The whole replay; writes CSVs, PNGs and summary.md to out_dir and returns headline
    figures. `inputs` (loaded from `config` if not given) lets a CLI refuse bad files first."""
    config.check()
    inputs = inputs or Inputs.load(config)
    journal_path = out_dir / UNIT_JOURNAL
    resumed = len(unit_journal(journal_path, config).done)
    started = time.perf_counter()
    rows = replay_runs(accounts, config, inputs, progress, journal_path)
    runs_wall_s = time.perf_counter() - started
    sweep = decision_time_sweep(config, inputs, progress)
    blocks = block_time_comparison(accounts, config, inputs, progress)
    headline = write_report(out_dir, config, rows, sweep, blocks, runs_wall_s, resumed)
    journal_path.unlink()  # every output is written: the next run starts afresh
    return headline
