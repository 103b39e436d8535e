"""The BlockEdge negotiation as units (edgeledger/replays/blockedge/experiment.py): each unit on
an anvil of its own with the unit's block time; in worker processes they give each request's row
(the Ray test, tests/e2e/test_ray_cluster.py, compares them with a run here), and a journal that
holds them runs none again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from edgeledger.replays.blockedge.experiment import negotiation_times, negotiation_units
from edgeledger.replays.blockedge.settings import BlockedgeReplayConfig

# One second blocks, four requests, two a unit (two units), one posted a block: each unit's
# second request is posted in the block that holds the bids on its first.
CONFIG = BlockedgeReplayConfig(
    block_times_s=(1.0,), negotiation_requests=4, negotiation_chunk=2, negotiation_per_block=1
)
MEASURED = {"negotiation_s", "blocks"}


def results(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in MEASURED} for row in rows]


def test_negotiation_units__split_each_block_time_s_requests_in_chunks() -> None:
    config = replace(
        CONFIG, block_times_s=(1.0, 2.0), negotiation_requests=25, negotiation_chunk=10
    )
    assert negotiation_units(config) == [
        (1.0, 0, 10, 1),
        (1.0, 10, 10, 1),
        (1.0, 20, 5, 1),
        (2.0, 0, 10, 1),
        (2.0, 10, 10, 1),
        (2.0, 20, 5, 1),
    ]


@pytest.mark.slow  # 20 s of 1 s blocks: `make test-slow`
def test_negotiation__in_two_workers_gives_each_request_s_row_and_resumes(
    accounts: Any, tmp_path: Path
) -> None:
    journal = tmp_path / "units.jsonl"
    rows = negotiation_times(replace(CONFIG, workers=2), journal_path=journal)

    # The cheapest of the three bids wins (costs 10, 11 and 12, the same capability).
    assert results(rows) == [
        {"block_time_s": 1.0, "request": i, "winner": str(accounts[2].address)} for i in range(4)
    ]
    # Closed in the first block past a deadline three block times after the request was sent.
    # A busy machine may notice the deadline a block late.
    assert all(3 <= r["blocks"] <= 4 and 2.5 < r["negotiation_s"] < 4.5 for r in rows)
    assert len(journal.read_text().splitlines()) == 2
    # Again, from the journal: the same rows, measured times too, and nothing run.
    assert negotiation_times(replace(CONFIG, workers=2), journal_path=journal) == rows
    assert len(journal.read_text().splitlines()) == 2
