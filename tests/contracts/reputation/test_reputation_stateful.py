"""ReputationManager as a state machine over register, unregister, report and reset, against
the Python ScoreBook. Kept: every score equals the reference and stays in [0, SCALE]; a node
that left is still scored; no reporter's net change to a score goes beyond MAX_INFLUENCE in a
period; the node count and each reporter's last task id match; at the end, the logs alone
replay every score. Each example restores a chain snapshot; `make fuzz` runs the long version."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import to_checksum_address
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from edgeledger.fresco.reputation import SCALE, Report, ScoreBook, ScoreParameters, replay_scores

NODES = [to_checksum_address("0x" + format(0xC0000 + i, "040x")) for i in range(6)]
NONE, ACTIVE, UNREGISTERED = 0, 1, 2

outcome = st.tuples(st.integers(0, 150_000), st.integers(1, 100_000), st.booleans())


class ReputationMachine(RuleBasedStateMachine):
    chain: Any
    reputation: Any
    agent: Any
    reporters: list[Any]
    outsider: Any

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.first_block = self.chain.blocks.head.number + 1
        self.book = ScoreBook(ScoreParameters())
        self.membership = dict.fromkeys(NODES, NONE)
        self.last_task = {r.address: int(self.reputation.lastTaskId(r)) for r in self.reporters}

    @rule(node=st.sampled_from(NODES))
    def register(self, node: str) -> None:
        if self.membership[node] == ACTIVE:
            with ape.reverts(self.reputation.NodeAlreadyRegistered, node=node):
                self.reputation.registerNode(node, sender=self.agent)
            return
        tx = self.reputation.registerNode(node, sender=self.agent)
        index = self.book.register(node)
        assert tx.events[0].index == index  # a comeback keeps its index
        self.membership[node] = ACTIVE

    @rule(node=st.sampled_from(NODES), by_agent=st.booleans())
    def unregister(self, node: str, by_agent: bool) -> None:
        sender = self.agent if by_agent else self.outsider
        if self.membership[node] != ACTIVE:
            with ape.reverts(self.reputation.NodeNotRegistered, node=node):
                self.reputation.unregisterNode(node, sender=sender)
        elif not by_agent:
            with ape.reverts(self.reputation.NotNodeAuthority, caller=sender, node=node):
                self.reputation.unregisterNode(node, sender=sender)
        else:
            self.reputation.unregisterNode(node, sender=sender)
            self.book.unregister(node)
            self.membership[node] = UNREGISTERED

    @rule(node=st.sampled_from(NODES))
    def reset(self, node: str) -> None:
        if self.membership[node] == NONE:
            with ape.reverts(self.reputation.UnknownNode, node=node):
                self.reputation.resetReputation(node, sender=self.agent)
            return
        self.reputation.resetReputation(node, sender=self.agent)
        self.book.reset(node)

    @rule(
        reporter=st.integers(0, 1),
        outcomes=st.lists(st.tuples(st.sampled_from(NODES), outcome), min_size=1, max_size=8),
        replay=st.booleans(),
    )
    def report(self, reporter: int, outcomes: list[Any], replay: bool) -> None:
        sender = self.reporters[reporter]
        known = [(n, o) for n, o in outcomes if self.membership[n] != NONE]
        if not known:
            return
        last = self.last_task[sender.address]
        # A replay reuses the last counted id; otherwise ids continue above it.
        start = last if replay and last > 0 else last + 1
        batch = [
            Report(self.book.indices[n.lower()], start + i, *o) for i, (n, o) in enumerate(known)
        ]
        words = [r.packed() for r in batch]
        if start <= last:
            with ape.reverts(self.reputation.ReportAlreadyCounted, taskId=start, lastCounted=last):
                self.reputation.updateNodeReputation(words, sender=sender)
        else:
            # Nodes that left are scored too: leaving is no escape.
            tx = self.reputation.updateNodeReputation(words, sender=sender)
            period = int(tx.events[0].period)
            for r in batch:
                self.book.apply(r, sender.address, period)
            self.last_task[sender.address] = batch[-1].task_id

    @invariant()
    def scores_match_and_stay_on_the_scale(self) -> None:
        known = [n for n in NODES if self.membership[n] != NONE]
        if known:
            on_chain = list(self.reputation.getReputationScores(known))
            assert on_chain == [self.book.score(n) for n in known]
            assert all(0 <= s <= SCALE for s in on_chain)
        active = sum(1 for m in self.membership.values() if m == ACTIVE)
        assert self.reputation.getNodeCount() == active

    @invariant()
    def no_reporter_moves_a_score_beyond_the_bound(self) -> None:
        bound = self.book.parameters.max_influence
        period = int(self.reputation.currentPeriod())
        for reporter in self.reporters:
            for node in (n for n in NODES if self.membership[n] != NONE):
                influence = int(self.reputation.influenceOf(reporter, node))
                key = (reporter.address.lower(), period, self.book.indices[node.lower()])
                assert influence == self.book.influence.get(key, 0)
                assert -bound <= influence <= bound

    def teardown(self) -> None:
        try:
            for r in self.reporters:
                assert self.reputation.lastTaskId(r) == self.last_task[r.address]
            replayed = replay_scores(self.reputation, ScoreParameters(), self.first_block)
            assert replayed.scores == self.book.scores
        finally:
            self.chain.restore(self.snapshot)


def configured(
    chain: Any, reputation: Any, agent: Any, reporter: Any, accounts: Any
) -> type[ReputationMachine]:
    second_reporter = accounts[17]
    reputation.grantRole(reputation.REPORTER_ROLE(), second_reporter, sender=agent)
    ReputationMachine.chain = chain
    ReputationMachine.reputation = reputation
    ReputationMachine.agent = agent
    ReputationMachine.reporters = [reporter, second_reporter]
    ReputationMachine.outsider = accounts[9]
    return ReputationMachine


def test_reputation_state_machine(
    chain: Any, reputation: Any, agent: Any, reporter: Any, accounts: Any, stateful: Any
) -> None:
    stateful(configured(chain, reputation, agent, reporter, accounts), 6, 20)


@pytest.mark.fuzzing
def test_reputation_state_machine__long(
    chain: Any, reputation: Any, agent: Any, reporter: Any, accounts: Any, stateful: Any
) -> None:
    stateful(configured(chain, reputation, agent, reporter, accounts), 60, 40)
