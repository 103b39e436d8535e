"""FRESCO end to end: a short replay against the chain moves the on-chain scores exactly as the
reported outcomes imply, and `ape run fresco` writes its outputs or refuses in one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ape_cli import ape_run, assert_one_line_refusal

from edgeledger.fresco.applications import built_in
from edgeledger.fresco.client import ReputationClient
from edgeledger.fresco.reputation import ScoreParameters, replay_scores
from edgeledger.fresco.simulator import RunResult, SimulationConfig
from edgeledger.fresco.sites import SiteKind
from edgeledger.replays.fresco.experiment import replay_run
from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs

SHORT = FrescoReplayConfig(
    applications=("mobiar",),
    engines=("FRESCO", "SQ EDGE"),
    runs=1,
    simulation=SimulationConfig(applications=4, towers=8, cells=2),
)


def test_replay_run__on_chain_scores_move_as_the_reported_outcomes_imply(accounts: Any) -> None:
    seen: list[tuple[str, str, int]] = []

    def inspect(engine: str, result: RunResult, contract: Any, client: ReputationClient) -> None:
        seen.append((engine, contract.address, client.counted[0].task_id))
        nodes = client.nodes
        on_chain = [int(v) for v in contract.getReputationScores(nodes)]
        # The logs alone rebuild every score.
        book = replay_scores(contract, ScoreParameters())
        assert [book.score(n) for n in nodes] == on_chain
        # One report per remote attempt, all counted, one batch per application.
        assert client.pending == []
        stay_local = sum(not t.offloadable for t in built_in("mobiar").tasks)
        assert len(client.counted) == sum(
            a.attempts - stay_local - sum(p == SiteKind.MOBILE for p in a.placements)
            for a in result.applications
        )
        assert client.transactions == len(result.applications)
        # Scores moved the way the outcomes say.
        for index in range(len(nodes)):
            reports = [r for r in client.counted if r.node_index == index]
            if not reports:
                assert on_chain[index] == 500
            elif all(not r.succeeded for r in reports):
                assert on_chain[index] < 500
        assert any(score != 500 for score in on_chain)

    rows = replay_run(0, SHORT, Inputs.load(SHORT), list(accounts), inspect)
    assert [engine for engine, _, _ in seen] == ["FRESCO", "SQ EDGE"]
    assert [r["score_mismatches"] for r in rows] == [0, 0]
    assert all(r["reports_counted"] > 0 for r in rows)
    # Each engine had a contract of its own, at an address of its own (the node was taken back
    # after the first unit, the deployer's nonce was not), so each counted from task 1.
    assert seen[0][1] != seen[1][1]
    assert [first for _, _, first in seen] == [1, 1]


@pytest.mark.slow  # half a minute; `make test-slow`. tests/replays runs every FRESCO unit too.
def test_ape_run_fresco__writes_tables_plots_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "fresco"
    result = ape_run(
        "fresco",
        *("--runs", "1", "--applications", "2", "--towers", "6", "--cells", "2"),
        *("--app", "mobiar", "--engine", "FRESCO", "--engine", "MDP"),
        *("--sweep-sites", "10,30", "--set", "battery_j=500", "--out", str(out)),
        *("--model", "authors"),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for name in (
        "runs.csv",
        "metrics.csv",
        "distribution.csv",
        "decision_time.csv",
        "block_time.csv",
        "metrics.png",
        "distribution.png",
        "decision_time.png",
        "summary.md",
    ):
        assert (out / name).stat().st_size > 0, name
    assert not (out / "units.jsonl").exists()  # the journal of finished units goes at the end
    summary = (out / "summary.md").read_text()
    assert "MobiAR | FRESCO" in summary and "MobiAR | MDP" in summary
    assert "each engine: 0 mismatches" in summary
    assert "| 4 s |" in summary
    assert "model `authors`" in summary  # and the settings it changed are not listed:
    assert "Changed from the defaults (--set): battery_j=500." in summary
    # One run gives no interval: the claims are judged, and nothing is separated.
    assert "| FRESCO has the best response time | MobiAR | not separated |" in summary
    assert "| MDP has the most QoS violations | MobiAR | not separated |" in summary


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--engine", "Oracle"), "unknown engine(s) ['Oracle']"),
        (("--app", "nowhere.json"), "no application 'nowhere.json'"),
        (("--availability-trace", "missing.avt"), "cannot read availability trace"),
        (("--towers-file", "missing.csv"), "cannot read towers file"),
        (("--cells", "50"), "cells (50) must be between 1 and the towers (40)"),
        (("--sweep-sites", "10,x"), "--sweep-sites wants numbers"),
        (("--set", "battery_j=-1"), "--set battery_j: '-1' is not a number from 10 to 100000"),
        (("--ablation", "--sensitivity"), "--ablation and --sensitivity are two runs"),
    ],
)
def test_ape_run_fresco__refuses_bad_input_in_one_line(args: tuple[str, ...], words: str) -> None:
    assert_one_line_refusal(ape_run("fresco", *args), words)
