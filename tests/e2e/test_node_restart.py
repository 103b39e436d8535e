"""Faults: the node of a FRESCO replay is killed (SIGKILL, so no dump on exit) in the middle of
the replay's reporting and started again from the state anvil last dumped, which lacks the
latest batches; then the node and the replay's process die together. Every report ends up
counted on the chain exactly once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from edgeledger.chain import AnvilNode
from edgeledger.fresco.applications import built_in
from edgeledger.fresco.client import ReputationClient
from edgeledger.fresco.engines import fresco
from edgeledger.fresco.replay import ChainReputation, deploy_for
from edgeledger.fresco.reputation import scores_after
from edgeledger.fresco.simulator import SimulationConfig, build_world, simulate

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


def test_fresco_replay__survives_its_node_killed_and_restarted_from_the_dump(
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
