"""ReputationManager: every function and every refusal."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import to_checksum_address
from hexbytes import HexBytes

from edgeledger.fresco.reputation import (
    REPORT_SUCCEEDED_OFFSET,
    REPORT_TASK_ID_OFFSET,
    Report,
)

MS = 1_000  # microseconds


def report(
    node_index: int, task_id: int, execution_ms: int, constraint_ms: int = 100, ok: bool = True
) -> int:
    return Report(node_index, task_id, execution_ms * MS, constraint_ms * MS, ok).packed()


def synthetic(i: int) -> str:
    return to_checksum_address("0x" + format(0xA0000 + i, "040x"))


@pytest.fixture
def node(reputation: Any, agent: Any, server: Any) -> Any:
    """`server`, the first node: index 0."""
    reputation.registerNode(server, sender=agent)
    return server


# ---------------------------------------------------------------- deployment


@pytest.mark.parametrize(
    ("weight", "initial", "reset"),
    [(0, 500, 500), (1001, 500, 500), (300, 1001, 500), (300, 500, 1001)],
)
def test_constructor__scores_outside_the_scale_revert(
    project: Any, agent: Any, weight: int, initial: int, reset: int
) -> None:
    with ape.reverts(
        project.ReputationManager.InvalidScoreParameters,
        weight=weight,
        initialScore=initial,
        resetScore=reset,
    ):
        project.ReputationManager.deploy(weight, initial, reset, 500, 86_400, 0, sender=agent)


@pytest.mark.parametrize(("bound", "period"), [(1001, 86_400), (500, 0)])
def test_constructor__influence_bound_outside_the_scale_or_no_period_reverts(
    project: Any, agent: Any, bound: int, period: int
) -> None:
    with ape.reverts(project.ReputationManager.InvalidScoreParameters):
        project.ReputationManager.deploy(300, 500, 500, bound, period, 0, sender=agent)


def test_constructor__parameters_and_roles(reputation: Any, agent: Any, reporter: Any) -> None:
    assert (reputation.SCALE(), reputation.WEIGHT(), reputation.INITIAL_SCORE()) == (1000, 300, 500)
    assert reputation.RESET_SCORE() == 500
    assert reputation.hasRole(reputation.AGENT_ROLE(), agent)
    assert reputation.hasRole(reputation.REPORTER_ROLE(), reporter)
    assert not reputation.hasRole(reputation.REPORTER_ROLE(), agent)


# ---------------------------------------------------------------- membership


def test_register_node__first_node(reputation: Any, agent: Any, server: Any) -> None:
    tx = reputation.registerNode(server, sender=agent)

    assert tx.events == [reputation.NodeRegistered(node=server, index=0)]
    assert reputation.getNodeCount() == 1
    assert reputation.getNode(0) == (server.address, 0, 1, 500)
    assert reputation.getReputationScore(server) == 500


def test_register_node__not_agent_reverts(reputation: Any, outsider: Any, server: Any) -> None:
    with ape.reverts(reputation.AccessControlUnauthorizedAccount, account=outsider):
        reputation.registerNode(server, sender=outsider)


def test_register_node__zero_address_reverts(reputation: Any, agent: Any) -> None:
    with ape.reverts(reputation.ZeroAddress):
        reputation.registerNode("0x" + "00" * 20, sender=agent)


def test_register_node__twice_reverts(reputation: Any, agent: Any, node: Any) -> None:
    with ape.reverts(reputation.NodeAlreadyRegistered, node=node):
        reputation.registerNode(node, sender=agent)


def test_register_node__too_many_reverts(reputation: Any, agent: Any, chain: Any) -> None:
    # Filling 4,096 nodes one transaction at a time is slow; write the list's counters
    # instead (slot 3, after AccessControl's roles and the two slots of its default admin
    # rules: head | registered << 160 | active << 192).
    limit = reputation.MAX_NODES()
    chain.provider.set_storage(reputation.address, 3, HexBytes((limit << 160).to_bytes(32, "big")))
    with ape.reverts(reputation.TooManyNodes, limit=limit):
        reputation.registerNode(synthetic(1), sender=agent)


def test_register_node__comes_back_with_index_and_score(
    reputation: Any, agent: Any, reporter: Any, node: Any, other_server: Any
) -> None:
    reputation.registerNode(other_server, sender=agent)
    reputation.updateNodeReputation([report(0, 1, 90)], sender=reporter)
    lowered = reputation.getReputationScore(node)
    reputation.unregisterNode(node, sender=node)

    tx = reputation.registerNode(node, sender=agent)

    assert tx.events == [reputation.NodeRegistered(node=node, index=0)]
    assert reputation.getReputationScore(node) == lowered < 500
    assert reputation.getNodeCount() == 2


def test_register_nodes__in_the_batch_order(
    reputation: Any, agent: Any, reporter: Any, node: Any
) -> None:
    reputation.updateNodeReputation([report(0, 1, 90)], sender=reporter)
    lowered = reputation.getReputationScore(node)
    reputation.unregisterNode(node, sender=node)
    batch = [synthetic(1), node.address, synthetic(2)]

    tx = reputation.registerNodes(batch, sender=agent)

    assert tx.events == [
        reputation.NodeRegistered(node=synthetic(1), index=1),
        reputation.NodeRegistered(node=node, index=0),  # back with its index and score
        reputation.NodeRegistered(node=synthetic(2), index=2),
    ]
    assert reputation.getReputationScores(batch) == [500, lowered, 500]
    assert reputation.getNodeCount() == 3


def test_register_nodes__not_agent_reverts(reputation: Any, outsider: Any) -> None:
    with ape.reverts(reputation.AccessControlUnauthorizedAccount, account=outsider):
        reputation.registerNodes([synthetic(1)], sender=outsider)


def test_register_nodes__empty_reverts(reputation: Any, agent: Any) -> None:
    with ape.reverts(reputation.EmptyBatch):
        reputation.registerNodes([], sender=agent)


@pytest.mark.parametrize("second", ["same", "registered", "zero"])
def test_register_nodes__all_or_nothing(
    reputation: Any, agent: Any, node: Any, second: str
) -> None:
    """A batch with one node it may not admit admits none of them."""
    refused = {"same": synthetic(1), "registered": node.address, "zero": "0x" + "00" * 20}
    if second == "zero":
        expected = ape.reverts(reputation.ZeroAddress)
    else:
        expected = ape.reverts(reputation.NodeAlreadyRegistered, node=refused[second])
    with expected:
        reputation.registerNodes([synthetic(1), refused[second]], sender=agent)
    assert not reputation.isRegistered(synthetic(1))
    assert reputation.getNodeCount() == 1


def test_register_nodes__too_many_reverts(reputation: Any, agent: Any, chain: Any) -> None:
    # One place left (the counters written as in the registerNode test), two asked.
    limit = reputation.MAX_NODES()
    chain.provider.set_storage(
        reputation.address, 3, HexBytes(((limit - 1) << 160).to_bytes(32, "big"))
    )
    with ape.reverts(reputation.TooManyNodes, limit=limit):
        reputation.registerNodes([synthetic(1), synthetic(2)], sender=agent)
    reputation.registerNodes([synthetic(1)], sender=agent)
    assert reputation.isRegistered(synthetic(1))


@pytest.mark.parametrize("by", ["agent", "node"])
def test_unregister_node__by_agent_or_itself(
    reputation: Any, node: Any, other_server: Any, agent: Any, by: str
) -> None:
    reputation.registerNode(other_server, sender=agent)
    sender = agent if by == "agent" else node

    tx = reputation.unregisterNode(node, sender=sender)

    assert tx.events == [reputation.NodeUnregistered(node=node, by=sender)]
    assert reputation.getNodeCount() == 1
    assert reputation.getNode(0).account == other_server.address
    assert reputation.getReputationScore(node) == 500  # kept on record


def test_unregister_node__by_someone_else_reverts(
    reputation: Any, node: Any, outsider: Any
) -> None:
    with ape.reverts(reputation.NotNodeAuthority, caller=outsider, node=node):
        reputation.unregisterNode(node, sender=outsider)


def test_unregister_node__not_registered_reverts(
    reputation: Any, agent: Any, node: Any, outsider: Any
) -> None:
    with ape.reverts(reputation.NodeNotRegistered, node=outsider):
        reputation.unregisterNode(outsider, sender=agent)
    reputation.unregisterNode(node, sender=agent)
    with ape.reverts(reputation.NodeNotRegistered, node=node):
        reputation.unregisterNode(node, sender=agent)


def test_get_node__registration_order_of_active_nodes(reputation: Any, agent: Any) -> None:
    nodes = [synthetic(i) for i in range(5)]
    for n in nodes:
        reputation.registerNode(n, sender=agent)
    reputation.unregisterNode(nodes[1], sender=agent)

    listed = [reputation.getNode(i) for i in range(reputation.getNodeCount())]

    assert [n.account for n in listed] == [nodes[0], *nodes[2:]]
    assert [n.index for n in listed] == [0, 2, 3, 4]
    with ape.reverts(reputation.NodeIndexOutOfRange, index=4, count=4):
        reputation.getNode(4)


# ---------------------------------------------------------------- reports


def test_update__the_papers_formula(reputation: Any, reporter: Any, node: Any) -> None:
    # I = (100 - 30) / 100 = 0.7 -> R = 0.7 * 0.5 + 0.3 * 0.7 = 0.56
    words = [report(0, 1, 30)]
    tx = reputation.updateNodeReputation(words, sender=reporter)

    assert reputation.getReputationScore(node) == 560
    assert tx.events == [reputation.ReputationsUpdated(reporter=reporter, reports=words)]
    assert reputation.lastTaskId(reporter) == 1


@pytest.mark.parametrize(
    ("execution_ms", "ok"), [(30, False), (101, True), (101, False)], ids=["failed", "late", "both"]
)
def test_update__no_incentive_for_failed_or_late_tasks(
    reputation: Any, reporter: Any, node: Any, execution_ms: int, ok: bool
) -> None:
    reputation.updateNodeReputation([report(0, 1, execution_ms, ok=ok)], sender=reporter)
    assert reputation.getReputationScore(node) == 350  # 0.7 * 0.5 + 0.3 * 0


def test_update__truncates_at_each_step(reputation: Any, reporter: Any, node: Any) -> None:
    # I = 2/3 -> 666 (truncated); R = (700 * 500 + 300 * 666) / 1000 = 549.8 -> 549
    reputation.updateNodeReputation([report(0, 1, 1, constraint_ms=3)], sender=reporter)
    assert reputation.getReputationScore(node) == 549


def test_update__not_reporter_reverts(reputation: Any, agent: Any, node: Any) -> None:
    with ape.reverts(reputation.AccessControlUnauthorizedAccount, account=agent):
        reputation.updateNodeReputation([report(0, 1, 30)], sender=agent)


def test_update__empty_batch_reverts(reputation: Any, reporter: Any) -> None:
    with ape.reverts(reputation.EmptyBatch):
        reputation.updateNodeReputation([], sender=reporter)


def test_update__batch_too_large_reverts(reputation: Any, reporter: Any, node: Any) -> None:
    words = [report(0, i + 1, 30) for i in range(257)]
    with ape.reverts(reputation.BatchTooLarge, size=257, limit=256):
        reputation.updateNodeReputation(words, sender=reporter)


def test_update__replayed_batch_reverts(reputation: Any, reporter: Any, node: Any) -> None:
    words = [report(0, 1, 30), report(0, 2, 40)]
    reputation.updateNodeReputation(words, sender=reporter)
    with ape.reverts(reputation.ReportAlreadyCounted, reporter=reporter, taskId=1, lastCounted=2):
        reputation.updateNodeReputation(words, sender=reporter)


def test_update__duplicate_in_one_batch_reverts(reputation: Any, reporter: Any, node: Any) -> None:
    words = [report(0, 5, 30), report(0, 5, 30)]
    with ape.reverts(reputation.ReportAlreadyCounted, reporter=reporter, taskId=5, lastCounted=5):
        reputation.updateNodeReputation(words, sender=reporter)
    assert reputation.getReputationScore(node) == 500  # all or nothing


def test_update__task_ids_are_per_reporter(
    reputation: Any, agent: Any, reporter: Any, node: Any, outsider: Any
) -> None:
    reputation.grantRole(reputation.REPORTER_ROLE(), outsider, sender=agent)
    reputation.updateNodeReputation([report(0, 1, 30)], sender=reporter)
    reputation.updateNodeReputation([report(0, 1, 30)], sender=outsider)
    assert (reputation.lastTaskId(reporter), reputation.lastTaskId(outsider)) == (1, 1)


def test_update__a_node_never_registered_reverts_one_that_left_is_still_scored(
    reputation: Any, agent: Any, reporter: Any, node: Any, outsider: Any
) -> None:
    with ape.reverts(reputation.NodeIndexNotRegistered, index=1):  # never registered
        reputation.updateNodeReputation([report(1, 1, 30)], sender=reporter)
    reputation.unregisterNode(node, sender=node)
    reputation.updateNodeReputation([report(0, 1, 30, ok=False)], sender=reporter)
    assert reputation.getReputationScore(node) == 350  # leaving is no escape


def test_update__zero_time_constraint_reverts(reputation: Any, reporter: Any, node: Any) -> None:
    # Node 0, task 7, succeeded, no constraint: Report refuses to pack it.
    word = (7 << REPORT_TASK_ID_OFFSET) | (1 << REPORT_SUCCEEDED_OFFSET)
    with ape.reverts(reputation.ZeroTimeConstraint, taskId=7):
        reputation.updateNodeReputation([word], sender=reporter)


def test_update__nodes_in_different_score_words(reputation: Any, agent: Any, reporter: Any) -> None:
    nodes = [synthetic(i) for i in range(20)]  # 16 entries a word: two words
    for n in nodes:
        reputation.registerNode(n, sender=agent)

    reputation.updateNodeReputation([report(17, 1, 0), report(15, 2, 0, ok=False)], sender=reporter)

    scores = reputation.getReputationScores(nodes)
    assert scores[17] == 650 and scores[15] == 350
    assert [s for i, s in enumerate(scores) if i not in (15, 17)] == [500] * 18


# ---------------------------------------------------------------- reset and views


def test_reset__admin_sets_the_reset_score(
    reputation: Any, agent: Any, reporter: Any, node: Any
) -> None:
    reputation.updateNodeReputation([report(0, 1, 0, ok=False)], sender=reporter)

    tx = reputation.resetReputation(node, sender=agent)

    assert tx.events == [reputation.ReputationReset(node=node, by=agent, score=500)]
    assert reputation.getReputationScore(node) == 500


def test_reset__not_admin_reverts(reputation: Any, reporter: Any, node: Any) -> None:
    with ape.reverts(reputation.AccessControlUnauthorizedAccount, account=reporter):
        reputation.resetReputation(node, sender=reporter)


def test_reset__unknown_node_reverts(reputation: Any, agent: Any, outsider: Any) -> None:
    with ape.reverts(reputation.UnknownNode, node=outsider):
        reputation.resetReputation(outsider, sender=agent)


def test_scores__unknown_node_reverts(reputation: Any, node: Any, outsider: Any) -> None:
    with ape.reverts(reputation.UnknownNode, node=outsider):
        reputation.getReputationScore(outsider)
    with ape.reverts(reputation.UnknownNode, node=outsider):
        reputation.getReputationScores([node, outsider])


def test_kth_highest_score(reputation: Any, agent: Any, reporter: Any) -> None:
    nodes = [synthetic(i) for i in range(6)]
    for n in nodes:
        reputation.registerNode(n, sender=agent)
    # Scores 650, 500, 350, 500, 605, 500 (perfect, none, failed, none, I = 0.85, none).
    reputation.updateNodeReputation(
        [report(0, 1, 0), report(2, 2, 0, ok=False), report(4, 3, 15)],
        sender=reporter,
    )

    assert reputation.kthHighestScore(nodes, 1) == 650
    assert reputation.kthHighestScore(nodes, 2) == 605
    assert reputation.kthHighestScore(nodes, 5) == 500
    assert reputation.kthHighestScore(nodes, 6) == 350
    assert reputation.kthHighestScore(nodes[:4], 5) == 0  # fewer than k: everyone passes
    with ape.reverts(reputation.InvalidRank, k=0):
        reputation.kthHighestScore(nodes, 0)


@pytest.mark.parametrize(
    "fields", [(3, 9, 1_234, 108_000, True), (2**32 - 1, 2**64 - 1, 2**32 - 1, 2**32 - 1, False)]
)
def test_pack_report__matches_python(reputation: Any, fields: tuple[Any, ...]) -> None:
    packed = Report(*fields).packed()
    assert reputation.packReport(*fields) == packed
    assert Report.unpacked(packed) == Report(*fields)


def test_get_node_index(reputation: Any, agent: Any, node: Any, outsider: Any) -> None:
    reputation.registerNode(outsider, sender=agent)
    assert (reputation.getNodeIndex(node), reputation.getNodeIndex(outsider)) == (0, 1)
    with ape.reverts(reputation.UnknownNode, node=agent):
        reputation.getNodeIndex(agent)
