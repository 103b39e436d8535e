"""Faults: the node of a FRESCO replay is killed (SIGKILL, so no dump on exit) and started again
from the state anvil last dumped, which lacks the latest transactions.

- The replay itself: it waits for the node and runs the unit it was in again, or, if the node
  does not come back in time, stops in one line and resumes from its journal when run again.
  Either way its rows are those of a replay nobody disturbed.
- The reputation client alone: the node restarts mid-reporting, then the node and the replay's
  process die together; every report ends up counted on the chain exactly once.
- Any CLI's run (`connected`): a node lost or a transaction failed mid-run stops it in one line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from edgeledger.chain import AnvilNode, connected
from edgeledger.deploy import deploy_reputation
from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.applications import built_in
from edgeledger.fresco.chain_link import ChainReputation
from edgeledger.fresco.client import ReputationClient
from edgeledger.fresco.engines import fresco
from edgeledger.fresco.reputation import scores_after
from edgeledger.fresco.simulator import SimulationConfig, build_world, simulate
from edgeledger.replays.fresco.experiment import deploy_for, replay_runs, unit_journal
from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs

DUMP_EVERY_S = 5


def wait_for(condition: Any, what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def after_a_dump(state: Path) -> float:
    """Wait until anvil has just dumped its state (the file changes); the time it did."""
    before = state.stat().st_mtime_ns if state.exists() else 0
    wait_for(lambda: state.exists() and state.stat().st_mtime_ns != before, "a state dump")
    return time.monotonic()


# ---------------------------------------------------------------- the replay

REPLAY = FrescoReplayConfig(
    applications=("mobiar",),
    engines=("FRESCO", "SQ EDGE"),
    runs=2,
    simulation=SimulationConfig(applications=6, towers=8, cells=2),
)
UNITS = REPLAY.runs * len(REPLAY.applications) * len(REPLAY.engines)
# Wall-clock measurements, and how many transactions it took: the rest of a row is the result.
NOT_RESULTS = {"decision_ms_mean", "decision_ms_p50", "batches"}


def results(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in NOT_RESULTS} for row in rows]


@pytest.fixture(scope="module")
def undisturbed() -> list[dict[str, Any]]:
    """The replay's rows on a node nobody touches."""
    return replay_on(AnvilNode(), REPLAY)


def replay_on(node: AnvilNode, config: FrescoReplayConfig, **kwargs: Any) -> Any:
    from ape import accounts, networks

    try:
        with networks.parse_network_choice(node.start().network_choice):
            return replay_runs(list(accounts.test_accounts), config, Inputs.load(config), **kwargs)
    finally:
        node.stop()


@pytest.fixture
def before_flush(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[int, Any]]:
    """`before_flush[n] = hook`: the hook runs just before the replay's n-th flush of reports."""
    hooks: dict[int, Any] = {}
    count = 0
    original = ReputationClient.flush

    def flush(client: ReputationClient) -> int:
        nonlocal count
        count += 1
        if count in hooks:
            hooks.pop(count)()
        return original(client)

    monkeypatch.setattr(ReputationClient, "flush", flush)
    yield hooks
    assert not hooks, "a fault was never injected"


@pytest.fixture
def units_started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many units started (each makes one reputation client), reruns included."""
    started: list[int] = []
    original = ReputationClient.__init__

    def counting(client: ReputationClient, *args: Any, **kwargs: Any) -> None:
        started.append(1)
        original(client, *args, **kwargs)

    monkeypatch.setattr(ReputationClient, "__init__", counting)
    return started


@pytest.fixture
def dumping_node(tmp_path: Path) -> AnvilNode:
    """A node (not started yet) that dumps its state every second, to restart from."""
    return AnvilNode(state_path=tmp_path / "anvil-state.json", state_interval_s=1)


def test_fresco_replay__waits_for_its_restarted_node_and_reruns_the_unit(
    tmp_path: Path,
    dumping_node: AnvilNode,
    before_flush: dict[int, Any],
    units_started: list[int],
    undisturbed: list[dict[str, Any]],
) -> None:
    node = dumping_node
    restarted = threading.Event()

    def kill_then_restart_later() -> None:
        node.kill()
        # The operator restarts it while the replay waits; it loads its last dump.
        threading.Timer(2.0, lambda: (node.start(), restarted.set())).start()

    # The third unit's third application: its reports cannot be sent, the node comes back
    # without some of what the unit had sent (or without its contract).
    per_unit = REPLAY.simulation.applications + 1  # one flush per application, one at the end
    before_flush[2 * per_unit + 3] = kill_then_restart_later
    journal = tmp_path / "units.jsonl"
    rows = replay_on(node, REPLAY, journal_path=journal)

    assert restarted.is_set()
    assert len(units_started) == UNITS + 1  # the third unit ran twice
    assert results(rows) == results(undisturbed)
    assert all(row["score_mismatches"] == 0 for row in rows)
    assert len(unit_journal(journal, REPLAY).done) == UNITS


def test_fresco_replay__resumes_from_its_journal_after_giving_up_on_its_node(
    tmp_path: Path,
    dumping_node: AnvilNode,
    before_flush: dict[int, Any],
    units_started: list[int],
    undisturbed: list[dict[str, Any]],
) -> None:
    node = dumping_node
    journal = tmp_path / "units.jsonl"
    config = replace(REPLAY, node_wait_s=1.0)

    # The node dies for good in the second unit: after its wait, the replay stops in one line
    # naming the unit, with the first unit kept in the journal.
    before_flush[REPLAY.simulation.applications + 1 + 3] = node.kill
    stopped = r"during run 0, MobiAR, SQ EDGE .* run the same command again to resume"
    with pytest.raises(EdgeledgerError, match=stopped):
        replay_on(node, config, journal_path=journal)
    assert list(unit_journal(journal, config).done) == [(0, "MobiAR", "FRESCO")]

    # Started again (from its dump) and the replay run again: the kept unit is not run again.
    units_started.clear()
    rows = replay_on(node, config, journal_path=journal)
    assert len(units_started) == UNITS - 1
    assert results(rows) == results(undisturbed)
    assert len(unit_journal(journal, config).done) == UNITS


# ---------------------------------------------------------------- the client alone


def test_fresco_client__survives_its_node_killed_and_restarted_from_the_dump(
    networks: Any, accounts: Any, tmp_path: Path
) -> None:
    state = tmp_path / "anvil-state.json"
    node = AnvilNode(state_path=state, state_interval_s=DUMP_EVERY_S)
    journal = tmp_path / "reports.jsonl"
    world = build_world(
        built_in("mobiar"), SimulationConfig(applications=30, towers=10, cells=2), 11, None, None
    )
    try:
        with networks.parse_network_choice(node.start().network_choice):
            agent, reporter = accounts[0], accounts[1]
            contract, nodes = deploy_for(world, agent, reporter)

            # The replay queues its reports; the client's thread sends them, starting just
            # after a dump, and the node dies once half are counted, before it dumps again.
            # (The thread starts after the simulation: Z3 once crashed the process while that
            # thread ran beside a decision, see the README.)
            client = ReputationClient(
                contract, reporter, nodes, batch_size=8, flush_interval_s=0.05, queue_path=journal
            )
            simulate(world, fresco(), ChainReputation(client, nodes, background=True), 12)
            reports = client.pending
            dumped_at = after_a_dump(state)
            client.start()
            wait_for(lambda: len(client.counted) >= len(reports) // 2, "half the reports")
            node.kill()
            counted_before_kill = len(client.counted)
            assert time.monotonic() - dumped_at < DUMP_EVERY_S, "too slow: a dump came between"
            client.stop()  # its last flush meets a dead node: everything unsent stays queued
            assert client.last_error is not None and client.pending

            # The node comes back without the batches mined since its dump; the same client
            # notices at its next flush and sends them again.
            node.start()
            restored = int(contract.lastTaskId(reporter))
            assert restored < counted_before_kill
            client.flush()
            assert client.rewound == counted_before_kill - restored
            assert client.pending == [], client.last_error
            assert int(contract.lastTaskId(reporter)) == len(reports)
            on_chain = [int(v) for v in contract.getReputationScores(nodes)]
            assert on_chain == scores_after(nodes, reports)

            # The node and the replay's process die together (the old client is never used
            # again) after 20 more reports went out: a new client takes them back from the
            # journal.
            after_a_dump(state)
            more = [
                client.report(nodes[i % len(nodes)], 9_000, 50_000, i % 3 > 0) for i in range(20)
            ]
            assert client.flush() == 20
            node.kill()
            node.start()
            resumed = ReputationClient(contract, reporter, nodes, queue_path=journal)
            assert resumed.pending == more
            assert resumed.flush() == 20
            everything = [*reports, *more]
            assert int(contract.lastTaskId(reporter)) == len(everything)
            on_chain = [int(v) for v in contract.getReputationScores(nodes)]
            assert on_chain == scores_after(nodes, everything)
            print(
                f"{len(reports)} reports; {counted_before_kill} counted before the kill, "
                f"{restored} of them in the dump; {client.rewound} sent again"
            )
    finally:
        node.stop()


# ---------------------------------------------------------------- any CLI's run


def test_cli_run__a_node_lost_mid_run_is_one_line(dumping_node: AnvilNode) -> None:
    from ape import accounts

    node = dumping_node.start()
    try:
        lost = "stopped answering during the run"
        with pytest.raises(EdgeledgerError, match=lost), connected(node.network_choice):
            accounts.test_accounts[0].transfer(accounts.test_accounts[1], 1)
            node.kill()
            accounts.test_accounts[0].transfer(accounts.test_accounts[1], 1)
    finally:
        node.stop()


def test_cli_run__a_reverted_transaction_is_one_line_and_a_bug_keeps_its_traceback(
    dumping_node: AnvilNode,
) -> None:
    from ape import accounts

    node = dumping_node.start()
    try:
        agent, stranger = accounts.test_accounts[0], accounts.test_accounts[1]
        reverted = r"a transaction failed .*AccessControl"
        with pytest.raises(EdgeledgerError, match=reverted), connected(node.network_choice):
            contract = deploy_reputation(agent)
            contract.registerNode(stranger, sender=stranger)  # not the agent
        with pytest.raises(ZeroDivisionError), connected(node.network_choice):
            _ = 1 / 0
    finally:
        node.stop()
