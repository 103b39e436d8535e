"""`ape run blockedge`: the BlockEdge paper's evaluation replayed. Negotiation time against the
block time, proof-of-work efficiency against the stakeholders, a stakeholder's balance against
its abnormality (experiment.py), then the files a reader looks at (report.py). Its settings are
in settings.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgeledger.progress import ProgressCallback, quiet
from edgeledger.replays.blockedge.experiment import (
    balance_versus_abnormality,
    efficiency_checked_on_chain,
    negotiation_times,
)
from edgeledger.replays.blockedge.report import write_report
from edgeledger.replays.blockedge.settings import PAPER, BlockedgeReplayConfig
from edgeledger.replays.units import UNIT_JOURNAL

__all__ = ["PAPER", "BlockedgeReplayConfig", "run_blockedge_replay"]


def run_blockedge_replay(
    accounts: list[Any],
    config: BlockedgeReplayConfig,
    out_dir: Path,
    progress: ProgressCallback = quiet,
) -> dict[str, Any]:
    """Run the three experiments, write CSV, PNG and summary.md to `out_dir`; returns the
    headline: mean negotiation time per block time, and the balance at the largest AP."""
    journal_path = out_dir / UNIT_JOURNAL
    negotiation = negotiation_times(config, progress, journal_path)
    market_rows = balance_versus_abnormality(accounts, config, progress)
    efficiency_rows = efficiency_checked_on_chain(accounts, config, progress)
    headline = write_report(out_dir, config, negotiation, efficiency_rows, market_rows)
    journal_path.unlink(missing_ok=True)  # every output is written: the next run starts afresh
    return headline
