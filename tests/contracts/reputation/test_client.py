"""The FRESCO client: decisions read a local copy of the scores, reports queue and go in
batches, and no failure, lost receipt or refused node counts a report twice or loses it."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from edgeledger.fresco.client import ReputationClient
from edgeledger.fresco.reputation import scores_after

MS = 1_000


@pytest.fixture
def nodes(reputation: Any, agent: Any, accounts: Any) -> list[str]:
    registered = [accounts[i].address for i in (1, 2, 6)]  # DMEC's servers: one identity
    for node in registered:
        reputation.registerNode(node, sender=agent)
    return registered


def queue_some(client: ReputationClient, nodes: list[str], count: int) -> list[Any]:
    return [
        client.report(nodes[i % len(nodes)], (10 + 7 * i) * MS, 100 * MS, i % 4 != 0)
        for i in range(count)
    ]


def test_report__queues_without_a_transaction(
    reputation: Any, reporter: Any, nodes: list[str]
) -> None:
    client = ReputationClient(reputation, reporter, nodes, batch_size=2)
    queue_some(client, nodes, 5)

    assert len(client.pending) == 5 and client.transactions == 0
    assert list(reputation.getReputationScores(nodes)) == [500, 500, 500]


def test_flush__sends_batches_and_refreshes_the_copy(
    reputation: Any, reporter: Any, nodes: list[str]
) -> None:
    client = ReputationClient(reputation, reporter, nodes, batch_size=2)
    reports = queue_some(client, nodes, 5)

    assert client.flush() == 5

    assert client.transactions == 3 and client.pending == []
    assert list(reputation.getReputationScores(nodes)) == scores_after(nodes, reports)
    assert list(client.scores().values()) == scores_after(nodes, reports)
    assert reputation.lastTaskId(reporter) == reports[-1].task_id


def test_flush__a_failed_send_stays_queued_and_counts_once(
    reputation: Any, reporter: Any, nodes: list[str]
) -> None:
    calls = []

    def flaky(words: list[int]) -> Any:
        calls.append(words)
        if len(calls) == 1:
            raise ConnectionError("node unreachable")
        return reputation.updateNodeReputation(words, sender=reporter)

    client = ReputationClient(reputation, reporter, nodes, transport=flaky)
    reports = queue_some(client, nodes, 4)

    assert client.flush() == 0
    assert len(client.pending) == 4 and client.last_error == "node unreachable"
    assert client.flush() == 4

    assert calls[0] == calls[1]  # the same reports, the same task ids
    assert list(reputation.getReputationScores(nodes)) == scores_after(nodes, reports)


def test_flush__a_lost_receipt_is_not_counted_twice(
    reputation: Any, reporter: Any, nodes: list[str]
) -> None:
    def mined_but_lost(words: list[int]) -> Any:
        reputation.updateNodeReputation(words, sender=reporter)
        raise TimeoutError("no receipt after 120 s")

    client = ReputationClient(reputation, reporter, nodes, transport=mined_but_lost)
    reports = queue_some(client, nodes, 3)

    assert client.flush() == 3  # reconciled from lastTaskId, not re-sent
    client.report(nodes[0], 5 * MS, 100 * MS, True)
    client.transport = client._send  # the connection is back
    assert client.flush() == 1

    assert len(client.counted) == 4
    assert list(reputation.getReputationScores(nodes)) == scores_after(
        nodes, [*reports, client.counted[-1]]
    )


def test_flush__reports_on_a_node_that_left_still_count(
    reputation: Any, agent: Any, reporter: Any, nodes: list[str]
) -> None:
    """Leaving is no escape: what was measured about a node counts after it left."""
    client = ReputationClient(reputation, reporter, nodes)
    reports = queue_some(client, nodes, 6)
    reputation.unregisterNode(nodes[1], sender=agent)

    assert client.flush() == 6

    assert list(reputation.getReputationScores(nodes)) == scores_after(nodes, reports)


def test_flush__a_node_back_from_older_state_gets_the_forgotten_reports_again(
    reputation: Any, reporter: Any, nodes: list[str], chain: Any
) -> None:
    """anvil restarted from its last dump has forgotten the batches mined after it; the client
    notices before it sends more (which would leave a gap for ever) and sends them again."""
    client = ReputationClient(reputation, reporter, nodes, batch_size=2)
    kept = queue_some(client, nodes, 2)
    assert client.flush() == 2
    dump = chain.provider.make_request("evm_snapshot", [])
    forgotten = queue_some(client, nodes, 3)
    assert client.flush() == 3
    assert chain.provider.make_request("evm_revert", [dump])  # the node is back as of its dump
    assert int(reputation.lastTaskId(reporter)) == 2

    later = client.report(nodes[2], 3 * MS, 100 * MS, False)
    assert client.flush() == 4 and client.rewound == 3
    assert client.counted == [*kept, *forgotten, later]
    assert int(reputation.lastTaskId(reporter)) == 6
    assert list(reputation.getReputationScores(nodes)) == scores_after(
        nodes, [*kept, *forgotten, later]
    )


def test_flush__a_dropped_transaction_is_sent_again_with_the_same_nonce(
    reputation: Any, reporter: Any, nodes: list[str], chain: Any
) -> None:
    """The node's pool loses the batch (anvil_dropAllTransactions) before any block holds it:
    the wait for its receipt times out, the batch stays queued, and the next flush sends it
    again with the nonce the dropped one had (nothing was mined, so none was used)."""
    client = ReputationClient(reputation, reporter, nodes, receipt_timeout_s=2)
    reports = queue_some(client, nodes, 3)
    nonce = reporter.nonce
    chain.provider.make_request("evm_setAutomine", [False])
    try:
        dropper = threading.Timer(
            0.5, chain.provider.make_request, ("anvil_dropAllTransactions", [])
        )
        dropper.start()
        assert client.flush() == 0
        dropper.join()
    finally:
        chain.provider.make_request("evm_setAutomine", [True])
    assert client.pending == reports and client.last_error
    assert reporter.nonce == nonce and int(reputation.lastTaskId(reporter)) == 0

    assert client.flush() == 3
    assert client.counted == reports and reporter.nonce == nonce + 1
    assert list(reputation.getReputationScores(nodes)) == scores_after(nodes, reports)


def test_client__continues_above_the_last_counted_id(
    reputation: Any, reporter: Any, nodes: list[str]
) -> None:
    first = ReputationClient(reputation, reporter, nodes)
    queue_some(first, nodes, 3)
    first.flush()

    second = ReputationClient(reputation, reporter, nodes)
    (report,) = queue_some(second, nodes, 1)

    assert report.task_id == 4
    assert second.flush() == 1


def test_background_thread__sends_while_the_caller_goes_on(
    reputation: Any, reporter: Any, nodes: list[str]
) -> None:
    with ReputationClient(reputation, reporter, nodes, batch_size=4, flush_interval_s=0.05) as c:
        reports = queue_some(c, nodes, 10)  # returns at once; the thread sends
    assert c.pending == [] and len(c.counted) == 10
    assert list(reputation.getReputationScores(nodes)) == scores_after(nodes, reports)


def test_threshold__kth_highest_from_the_copy(
    reputation: Any, reporter: Any, nodes: list[str]
) -> None:
    client = ReputationClient(reputation, reporter, nodes)
    client.report(nodes[0], 0, 100 * MS, True)  # -> 650
    client.report(nodes[2], 0, 100 * MS, False)  # -> 350
    client.flush()

    assert client.threshold(nodes, 1) == 650
    assert client.threshold(nodes, 2) == 500
    assert client.threshold(nodes, 3) == reputation.kthHighestScore(nodes, 3) == 350
    assert client.threshold(nodes[:2], 3) == 0


def test_report__refuses_a_stranger_and_a_malformed_report(
    reputation: Any, reporter: Any, nodes: list[str], outsider: Any
) -> None:
    client = ReputationClient(reputation, reporter, nodes)
    with pytest.raises(ValueError, match="not one of this client's nodes"):
        client.report(outsider.address, 1, 100, True)
    with pytest.raises(ValueError, match="time constraint 0"):
        client.report(nodes[0], 1, 0, True)
    assert client.pending == []


def test_queue_file__a_crash_loses_nothing_and_counts_nothing_twice(
    reputation: Any, reporter: Any, nodes: list[str], tmp_path: Any
) -> None:
    """A client sends one batch, then crashes: one batch mined but its receipt never
    settled, three reports never sent. A new client on the same file sends exactly the rest."""
    queue = tmp_path / "reports.jsonl"

    def crash_after_mining(words: list[int]) -> Any:
        reputation.updateNodeReputation(words, sender=reporter)
        raise SystemExit("the process died")  # not an Exception: nothing is reconciled

    crashed = ReputationClient(
        reputation, reporter, nodes, batch_size=2, transport=crash_after_mining, queue_path=queue
    )
    reports = queue_some(crashed, nodes, 5)
    with pytest.raises(SystemExit):
        crashed.flush()
    assert len(crashed.pending) == 5  # in memory: the crash came before settling
    del crashed

    resumed = ReputationClient(reputation, reporter, nodes, batch_size=2, queue_path=queue)

    assert [r.task_id for r in resumed.counted] == [1, 2]  # mined before the crash
    assert [r.task_id for r in resumed.pending] == [3, 4, 5]
    assert resumed.flush() == 3
    later = resumed.report(nodes[0], 5 * MS, 100 * MS, True)
    assert later.task_id == 6 and resumed.flush() == 1
    assert list(reputation.getReputationScores(nodes)) == scores_after(nodes, [*reports, later])
    assert ReputationClient(reputation, reporter, nodes, queue_path=queue).pending == []


def test_queue_file__unsent_reports_survive_and_a_bad_file_is_refused(
    reputation: Any, reporter: Any, nodes: list[str], tmp_path: Any
) -> None:
    queue = tmp_path / "reports.jsonl"
    first = ReputationClient(reputation, reporter, nodes, queue_path=queue)
    reports = queue_some(first, nodes, 3)
    second = ReputationClient(reputation, reporter, nodes, queue_path=queue)  # first died
    assert second.pending == reports
    assert second.report(nodes[1], 1 * MS, 100 * MS, True).task_id == 4

    # A torn last line (the process died inside `report`) was never a report; anything
    # else that is not a journal is refused.
    queue.write_text(queue.read_text() + '{"node_index": 0, "ta')
    assert ReputationClient(reputation, reporter, nodes, queue_path=queue).pending == [
        *reports,
        second.pending[-1],
    ]
    queue.write_text("{not json\n")
    with pytest.raises(ValueError, match="is not a report journal"):
        ReputationClient(reputation, reporter, nodes, queue_path=queue)
