"""Each replay, on a reduced configuration, gives the same rows as it did at commit 716a251,
before the replays were split into settings, experiment and report (issue 22): the CSVs it writes
are compared, column by column, with those kept in tests/replays/rows/, the columns that are
measured times (and whatever follows from them) aside. The DMEC rows' gas columns were rewritten
once since, when the contracts' packed words got named types (issue 22): the same calls, 300 to
1,700 gas cheaper each; every other column stayed as it was. The FRESCO metrics gained the 95%
interval columns of their means (issue 20), the other columns as they were; every FRESCO row was
rewritten once, when the sites' availability got a time scale of its own instead of the run's
length (issue 20). The BlockEdge balance rows gained the `slashed` column (issue 20), the other
columns as they were.

Every replay runs in a process of its own on a fresh chain (ape's foundry provider, as `make
demo`), so what it reads from the chain (prevrandao, nonces, addresses) does not depend on the
tests that ran before.

    ape test tests/replays -m slow                           # `make test-slow` runs it
    EDGELEDGER_WRITE_ROWS=1 ape test tests/replays -m slow   # rewrites the kept rows (after a
                                                             # change meant to change them)
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edgeledger.fresco.simulator import SimulationConfig
from edgeledger.replays.blockedge import BlockedgeReplayConfig, run_blockedge_replay
from edgeledger.replays.dmec import DmecReplayConfig, run_dmec_replay
from edgeledger.replays.fresco import FrescoReplayConfig, run_fresco_replay
from edgeledger.replays.scenario import ScenarioConfig, run_scenario

KEPT = Path(__file__).parent / "rows"
# The columns that say where a row came from (reports.write_csv), the commit among them: not
# compared, and not kept.
PROVENANCE = ("commit", "seed", "preset", "model", "set")
pytestmark = pytest.mark.slow  # four replays, about 3 minutes: `make test-slow`


@dataclass(frozen=True)
class Reduced:
    """A replay at a size that runs in seconds, and the CSV columns that are not compared."""

    run: Callable[[list[Any], Path], Any]
    # CSV file -> columns left out of the comparison: measured times, what follows from them,
    # and what follows from the chain's prevrandao, which anvil draws at random for each block
    # (the Random policy reads it, and the scores follow the servers it picks).
    left_out: dict[str, frozenset[str]]


REDUCED = {
    "dmec": Reduced(
        lambda accounts, out: run_dmec_replay(
            accounts,
            DmecReplayConfig(
                task_counts=(1, 3),
                repetitions=1,
                server_counts=(3, 4),
                tasks_per_server_count=2,
                latency_tasks=2,
                block_time_s=1.0,
            ),
            out,
        ),
        {"latency.csv": frozenset({"relay_wait_s", "end_to_end_s"})},
    ),
    "fresco": Reduced(
        lambda accounts, out: run_fresco_replay(
            accounts,
            FrescoReplayConfig(
                applications=("mobiar", "intrasafed"),
                runs=2,
                simulation=SimulationConfig(applications=2),
                sweep_sites=(10, 15),
                sweep_decisions=2,
                block_time_s=1.0,
                block_time_applications=1,
            ),
            out,
        ),
        {
            "runs.csv": frozenset({"decision_ms_mean", "decision_ms_p50"}),
            "metrics.csv": frozenset({"decision_ms_mean_mean", "decision_ms_mean_std"}),
            "decision_time.csv": frozenset({"p50_ms", "mean_ms", "p95_ms"}),
            "block_time.csv": frozenset(
                {"p50_ms", "mean_ms", "p95_ms", "simulation_wall_s", "until_counted_wall_s"}
            ),
        },
    ),
    "blockedge": Reduced(
        lambda accounts, out: run_blockedge_replay(
            accounts,
            BlockedgeReplayConfig(
                block_times_s=(1.0,),
                negotiation_requests=2,
                stakeholder_counts=(1, 2),
                efficiency_difficulty_bits=8,
                efficiency_repetitions=1,
                abnormality=(0.0, 0.2),
                rounds=5,
            ),
            out,
        ),
        {
            "negotiation.csv": frozenset({"negotiation_s", "blocks"}),
            "efficiency.csv": frozenset({"wall_s", "speed_up", "efficiency"}),
        },
    ),
    # Seeds 11 and 12. Random's picks vary with anvil's prevrandao, and with them the scores,
    # so who may bid in the market, who wins and whether the winner was bad (a CI run saw a
    # different `slashed`): only the shape of those rows is compared.
    "scenario": Reduced(
        lambda accounts, out: run_scenario(
            accounts,
            ScenarioConfig(
                servers=4,
                bad_servers=1,
                rounds=6,
                first_bad_round=1,
                devices_per_policy=1,
                mobile_tasks_per_round=2,
                market_every=3,
                worlds=2,
                seed=11,
            ),
            out,
            lambda stage, done, total: None,
        ),
        {
            "assignments.csv": frozenset({"server", "bad_now"}),
            "scores.csv": frozenset({"score"}),
            "market.csv": frozenset({"bidders", "winner", "slashed"}),
        },
    ),
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def _keep(rows: list[dict[str, str]], path: Path) -> None:
    """Writes the rows to be kept, without the columns that say where they came from."""
    columns = [column for column in rows[0] if column not in PROVENANCE]
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _same(now: str, before: str) -> bool:
    """Equal text, or numbers equal up to the last bits of a float: a mean or an interval
    computed by numpy can differ in its 16th digit between CPUs (CI saw ...0985 for ...0987),
    since the vectorised sums add in a different order."""
    if now == before:
        return True
    try:
        return math.isclose(float(now), float(before), rel_tol=1e-12, abs_tol=1e-15)
    except ValueError:
        return False


def run_on_own_chain(name: str, out: Path) -> None:
    from ape import accounts, networks

    with networks.parse_network_choice("ethereum:local:foundry"):
        REDUCED[name].run(list(accounts.test_accounts), out)


@pytest.mark.parametrize("name", sorted(REDUCED))
def test_replay__gives_the_rows_it_gave_before_the_split(name: str, tmp_path: Path) -> None:
    subprocess.run([sys.executable, __file__, name, str(tmp_path)], check=True, timeout=600)
    written = sorted(p.name for p in tmp_path.glob("*.csv"))
    if os.environ.get("EDGELEDGER_WRITE_ROWS"):
        shutil.rmtree(KEPT / name, ignore_errors=True)
        (KEPT / name).mkdir(parents=True)
        for file in written:
            _keep(_rows(tmp_path / file), KEPT / name / file)
    kept = sorted(p.name for p in (KEPT / name).glob("*.csv"))
    assert written == kept
    for file in kept:
        left_out = REDUCED[name].left_out.get(file, frozenset())
        now, before = _rows(tmp_path / file), _rows(KEPT / name / file)
        assert len(now) == len(before), file
        # Each paper replay's row says where it came from; FRESCO's also its model and --set.
        told = {"fresco": PROVENANCE, "scenario": ()}.get(name, PROVENANCE[:3])
        assert all(set(told) <= row.keys() for row in now), file
        now = [{k: v for k, v in row.items() if k not in PROVENANCE} for row in now]
        for i, (a, b) in enumerate(zip(now, before, strict=True)):
            assert a.keys() == b.keys(), f"{file} row {i}"
            for column in a.keys() - left_out:
                assert _same(a[column], b[column]), f"{file} row {i} column {column}"


if __name__ == "__main__":
    run_on_own_chain(sys.argv[1], Path(sys.argv[2]))
