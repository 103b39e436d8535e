"""`ape run dmec`: the DMEC paper's evaluation replayed. The paper's gas experiment (its Fig. 4),
gas versus the number of servers, and end-to-end task latency on a chain with a block time
(experiment.py), then the files a reader looks at (report.py). Its settings are in settings.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgeledger.progress import ProgressCallback, quiet
from edgeledger.replays.dmec.experiment import (
    audit_example,
    gas_versus_servers,
    gas_versus_tasks,
    latency_on_block_time_chain,
)
from edgeledger.replays.dmec.report import write_report
from edgeledger.replays.dmec.settings import PAPER, DmecReplayConfig
from edgeledger.replays.units import UNIT_JOURNAL

__all__ = ["PAPER", "DmecReplayConfig", "run_dmec_replay"]


def run_dmec_replay(
    accounts: list[Any], config: DmecReplayConfig, out_dir: Path, progress: ProgressCallback = quiet
) -> dict[str, Any]:
    """Run the three experiments, write CSV, PNG and summary.md to `out_dir`; returns the
    headline: gas per relayed task of each policy at the largest n."""
    journal_path = out_dir / UNIT_JOURNAL
    tasks_rows = gas_versus_tasks(config, progress, journal_path)
    servers_rows = gas_versus_servers(accounts, config, progress)
    latency_rows = latency_on_block_time_chain(accounts, config, progress)
    audit_text = audit_example(accounts)
    headline = write_report(out_dir, config, tasks_rows, servers_rows, latency_rows, audit_text)
    journal_path.unlink(missing_ok=True)  # every output is written: the next run starts afresh
    return headline
