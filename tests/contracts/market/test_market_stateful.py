"""CollaborationMarket, wired to a reputation manager (`deploy_all`), as a state machine with
attackers among the honest: random requests, bids, results, commits, reveals, finalizations,
claims and withdrawals, with time moving in between. The attackers: a Sybil detector (a fresh
address), the requester and the winner reporting on their own request, a requester bidding on
its own request, a colluding node that always says "guilty", a requester that is no node, a
winner that leaves the reputation manager in the middle of its task, and a listed verifier
that turns hostile (reverts, burns its gas, answers nothing or nonsense). Kept:
- the contract's balance equals what it owes: credits, held incentives, deposits and bonds;
- nobody is paid twice: every withdrawal pays exactly the credit, a second claim reverts;
- an honest winner is never slashed and never gets a failure, even when the colluder accuses
  it (fewer than QUORUM colluders) or the verifier fails; a proof-of-work cheater always is
  slashed once a detector reveals;
- a score moves only by an outcome the market recorded for a request whose requester is an
  active node other than the winner, with the scored stakes; the chain's scores equal the
  Python mirror of exactly those outcomes;
- every wei paid in can be withdrawn: after settling everything the balance is zero.
Steps the model cannot accept are still sent; a revert must then leave every balance as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from ape.exceptions import ContractLogicError
from conftest import CHALLENGE, valid_nonce, wrong_nonce
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from edgeledger.blockedge.market import PPM, new_salt, report_commitment
from edgeledger.deploy import Deployment
from edgeledger.ethereum import ETHER
from edgeledger.fresco.reputation import Report, ScoreBook

BIDDING, EXECUTING, VERIFYING, FINALIZED = 1, 2, 3, 4
VERIFIERS = ["ProofOfWork", "Quorum", "Hostile"]
# Detectors by role: two honest nodes, a colluding node, a Sybil (no node), and the two that
# may never report: the request's requester and its winner.
HONEST, COLLUDER, SYBIL, REQUESTER, WINNER = "honest", "colluder", "sybil", "requester", "winner"
DETECTOR_ROLES = [HONEST, HONEST, COLLUDER, SYBIL, REQUESTER, WINNER]


@dataclass
class RequestModel:
    request_id: int
    verifier: str
    requester: Any
    honest_result: bool | None = None  # set when the winner submits
    commits: dict[str, tuple[bool, bytes]] = field(default_factory=dict)
    revealed: set[str] = field(default_factory=set)
    claimed: set[str] = field(default_factory=set)


class MarketMachine(RuleBasedStateMachine):
    chain: Any
    edge: Deployment
    agent: Any
    hostile: Any
    requesters: list[Any]  # two nodes, then one address that is no node
    bidders: list[Any]
    detectors: list[Any]  # honest, honest, colluder, Sybil

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.market = self.edge.market
        self.reputation = self.edge.reputation
        self.verifiers = {**self.edge.verifiers, "Hostile": self.hostile}
        self.requests: list[RequestModel] = []
        self.paid_in = 0
        self.withdrawn = 0
        self.valid_nonce = valid_nonce()
        self.wrong_nonce = wrong_nonce(self.edge.verifiers)
        self.bond = int(self.market.DETECTOR_BOND())
        self.book = ScoreBook(self.edge.parameters.scores)
        for node in self._nodes:
            self.book.register(node.address, int(self.reputation.getNodeIndex(node)))
        self.book.scores = [int(self.reputation.getReputationScore(a)) for a in self._by_index()]

    # ------------------------------------------------------------ helpers

    @property
    def accounts(self) -> list[Any]:
        return [*self.requesters, *self.bidders, *self.detectors]

    @property
    def _nodes(self) -> list[Any]:
        return [*self.requesters[:2], *self.bidders, *self.detectors[:3]]

    def _by_index(self) -> list[str]:
        order = sorted(self.book.indices.items(), key=lambda item: item[1])
        return [address for address, _ in order]

    def _try(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        """Send; a refusal must change nothing (checked by the balance invariant)."""
        try:
            return method(*args, **kwargs)
        except ContractLogicError:
            return None

    def _request(self, index: int) -> RequestModel | None:
        return self.requests[index % len(self.requests)] if self.requests else None

    def _detector(self, model: RequestModel, role: int) -> Any:
        name = DETECTOR_ROLES[role]
        if name == REQUESTER:
            return model.requester
        if name == WINNER:
            winner = self.market.getRequest(model.request_id).winner
            return next((b for b in self.bidders if b.address == winner), self.bidders[0])
        return self.detectors[role]

    # ------------------------------------------------------------ a populated start

    @initialize(
        capabilities=st.lists(st.integers(0, 50), min_size=4, max_size=4),
        honest=st.lists(st.booleans(), min_size=2, max_size=2),
        reports=st.lists(
            st.tuples(st.integers(0, 1), st.integers(0, 5), st.booleans()), max_size=5
        ),
    )
    def two_results_in(
        self, capabilities: list[int], honest: list[bool], reports: list[Any]
    ) -> None:
        """A proof-of-work and a quorum request, two bids each, bidding closed, results in,
        some reports: without this start, random sequences rarely reach slashing."""
        for verifier in (0, 1):
            self.post(0, verifier, 10, PPM)
        for i, capability in enumerate(capabilities):
            self.bid(i % 2, i // 2, i, 10, capability)
        self.chain.mine(deltatime=61)
        self.close(0)
        self.close(1)
        self.submit(0, honest[0])
        self.submit(1, honest[1])
        for request, detector, lie in reports:
            self.commit(request, detector, lie)
        self.to_reveals(0)
        for request, role, _ in reports:
            if role < 3:  # only the honest and the colluder ever get a commitment in
                self.reveal(request, role)

    # ------------------------------------------------------------ rules

    @rule(
        requester=st.integers(0, 2),
        verifier=st.integers(0, 2),
        incentive=st.integers(1, 20),
        max_ppm=st.sampled_from([0, PPM // 2, PPM]),
    )
    def post(self, requester: int, verifier: int, incentive: int, max_ppm: int) -> None:
        if len(self.requests) >= 4:
            return
        name, account = VERIFIERS[verifier], self.requesters[requester]
        terms = (
            CHALLENGE,
            self.verifiers[name],
            self.chain.pending_timestamp + 60,
            120,
            60,
            20 * ETHER,
            max_ppm,
        )
        tx = self.market.postRequest(terms, value=incentive * ETHER // 10, sender=account)
        self.paid_in += incentive * ETHER // 10
        self.requests.append(RequestModel(int(tx.events[0].requestId), name, account))

    @rule(
        request=st.integers(0, 3),
        bidder=st.integers(0, 3),
        extra=st.integers(0, 3),
        cost=st.integers(1, 50),
        capability=st.integers(0, 50),
    )
    def bid(self, request: int, bidder: int, extra: int, cost: int, capability: int) -> None:
        """Bidders 0..2 are nodes; 3 is the request's own requester (refused: self-dealing)."""
        model = self._request(request)
        if model is None:
            return
        account = self.bidders[bidder] if bidder < 3 else model.requester
        deposit = 20 * ETHER + extra * ETHER // 2
        tx = self._try(
            self.market.placeBid, model.request_id, cost, capability, value=deposit, sender=account
        )
        assert tx is None or bidder < 3, "a requester won a bid on its own request"
        if tx is not None:
            self.paid_in += deposit

    @rule(seconds=st.sampled_from([10, 31, 61, 130]))
    def let_time_pass(self, seconds: int) -> None:
        self.chain.mine(deltatime=seconds)

    @rule(request=st.integers(0, 3))
    def to_reveals(self, request: int) -> None:
        model = self._request(request)
        if model is not None:
            reveal_from = int(self.market.getRequest(model.request_id).revealFrom)
            if reveal_from > self.chain.pending_timestamp:
                self.chain.mine(timestamp=reveal_from)

    @rule(request=st.integers(0, 3))
    def close(self, request: int) -> None:
        if (model := self._request(request)) is not None:
            self._try(self.market.closeBidding, model.request_id, sender=self.bidders[0])

    @rule(request=st.integers(0, 3), bidder=st.integers(0, 2))
    def reclaim(self, request: int, bidder: int) -> None:
        if (model := self._request(request)) is not None:
            self._try(self.market.reclaimDeposit, model.request_id, sender=self.bidders[bidder])

    @rule(request=st.integers(0, 3), honest=st.booleans())
    def submit(self, request: int, honest: bool) -> None:
        model = self._request(request)
        if model is None:
            return
        info = self.market.getRequest(model.request_id)
        if info.phase != EXECUTING:
            return
        result = self.valid_nonce if honest else self.wrong_nonce
        winner = next(b for b in self.bidders if b.address == info.winner)
        if self._try(self.market.submitResult, model.request_id, result, sender=winner):
            model.honest_result = honest

    @rule(request=st.integers(0, 3), role=st.integers(0, 5), lie=st.booleans())
    def commit(self, request: int, role: int, lie: bool) -> None:
        model = self._request(request)
        if model is None or model.honest_result is None:
            return
        account, name = self._detector(model, role), DETECTOR_ROLES[role]
        truth = not model.honest_result
        # Honest detectors tell the truth on quorum requests (their verdicts decide) and may
        # err on proof of work (the chain checks the nonce itself); the others accuse.
        guilty = truth != (lie and model.verifier == "ProofOfWork") if name == HONEST else True
        salt = new_salt()
        commitment = report_commitment(model.request_id, account.address, guilty, salt)
        tx = self._try(
            self.market.commitReport,
            model.request_id,
            commitment,
            value=self.bond,
            sender=account,
        )
        assert tx is None or name in (HONEST, COLLUDER), f"the {name} was let in as detector"
        if tx is not None:
            model.commits[account.address] = (guilty, salt)
            self.paid_in += self.bond

    @rule(request=st.integers(0, 3), role=st.integers(0, 2))
    def reveal(self, request: int, role: int) -> None:
        model = self._request(request)
        account = self.detectors[role]
        if model is None or account.address not in model.commits:
            return
        guilty, salt = model.commits[account.address]
        if self._try(self.market.revealReport, model.request_id, guilty, salt, sender=account):
            model.revealed.add(account.address)

    @rule(request=st.integers(0, 3))
    def winner_leaves(self, request: int) -> None:
        """The winner leaves the reputation manager mid-task (it may come back later)."""
        model = self._request(request)
        if model is None:
            return
        winner = self.market.getRequest(model.request_id).winner
        account = next((b for b in self.bidders if b.address == winner), None)
        if account is not None and self.reputation.isRegistered(account):
            self.reputation.unregisterNode(account, sender=account)
            self.book.unregister(account.address)

    @rule(bidder=st.integers(0, 2))
    def node_comes_back(self, bidder: int) -> None:
        account = self.bidders[bidder]
        if not self.reputation.isRegistered(account):
            self.reputation.registerNode(account, sender=self.agent)
            self.book.register(account.address)

    @rule(mode=st.integers(2, 5))
    def verifier_turns_hostile(self, mode: int) -> None:
        self.hostile.setMode(mode, sender=self.agent)

    @rule(request=st.integers(0, 3))
    def finalize(self, request: int) -> None:
        model = self._request(request)
        if model is None:
            return
        self._finalize(model)

    def _finalize(self, model: RequestModel) -> None:
        info = self.market.getRequest(model.request_id)
        winner = info.winner
        credit_before = int(self.market.creditOf(winner)) if winner else 0
        tx = self._try(self.market.finalize, model.request_id, sender=self.bidders[0])
        if tx is None:
            return
        settled = next(e for e in tx.events if e.event_name == "RequestFinalized")
        if model.honest_result:
            assert not settled.slashed, "an honest winner was slashed"
            assert self.market.creditOf(winner) >= credit_before + info.winnerDeposit
        if model.verifier == "ProofOfWork" and model.honest_result is False and model.revealed:
            assert settled.slashed, "a proof-of-work cheater escaped after a reveal"
        for event in tx.events:
            if event.event_name != "OutcomeRecorded":
                continue
            # A party with a stake behind every score change: the requester, an active node
            # that is not the winner, on a request with the scored stakes.
            assert event.party == model.requester.address != winner
            assert model.requester in self.requesters[:2]
            assert self.reputation.isRegistered(model.requester)
            assert info.incentive >= self.market.MIN_SCORED_INCENTIVE()
            assert info.winnerDeposit >= self.market.MIN_SCORED_DEPOSIT()
            report = Report.unpacked(int(event.report))
            assert report.succeeded or not model.honest_result, "an honest winner got a failure"
            self.book.apply(report, str(event.party), int(event.period))

    @rule(request=st.integers(0, 3), role=st.integers(0, 2))
    def claim(self, request: int, role: int) -> None:
        model = self._request(request)
        if model is None:
            return
        account = self.detectors[role]
        tx = self._try(self.market.claimReward, model.request_id, sender=account)
        if tx is not None:
            assert account.address not in model.claimed, "a reward was paid twice"
            model.claimed.add(account.address)

    @rule(who=st.integers(0, 9))
    def withdraw(self, who: int) -> None:
        account = self.accounts[who]
        credit = self.market.creditOf(account)
        tx = self._try(self.market.withdraw, sender=account)
        if tx is None:
            assert credit == 0
            return
        assert tx.events[0].amount == credit and self.market.creditOf(account) == 0
        self.withdrawn += credit

    # ------------------------------------------------------------ invariants

    def _owed(self) -> int:
        """Credits, incentives and deposits of open requests, bonds of unsettled requests and
        unclaimed payouts of settled ones."""
        owed = sum(self.market.creditOf(a) for a in self.accounts)
        for model in self.requests:
            info = self.market.getRequest(model.request_id)
            if info.phase != FINALIZED:
                owed += info.incentive + info.committed * self.bond
            owed += sum(self.market.getBid(model.request_id, b) for b in self.bidders)
            if info.phase == FINALIZED:
                side = [d for d in model.revealed if model.commits[d][0] == info.slashed]
                unclaimed = len([d for d in side if d not in model.claimed])
                reward = info.rewardPerDetector if info.slashed else 0
                owed += (info.bondPayout + reward) * unclaimed
        return owed

    @invariant()
    def balance_is_what_it_owes(self) -> None:
        assert self.market.balance == self._owed()
        assert self.paid_in == self.withdrawn + self.market.balance

    @invariant()
    def scores_move_only_by_recorded_outcomes(self) -> None:
        on_chain = [int(self.reputation.getReputationScore(a)) for a in self._by_index()]
        assert on_chain == self.book.scores

    def teardown(self) -> None:
        try:
            self._settle_everything()
        finally:
            self.chain.restore(self.snapshot)

    def _settle_everything(self) -> None:
        """Every wei paid in can be withdrawn by someone."""
        self.chain.mine(deltatime=1_000)
        market, anyone = self.market, self.bidders[0]
        for model in self.requests:
            self._try(market.closeBidding, model.request_id, sender=anyone)
            self._finalize(model)
            for bidder in self.bidders:
                self._try(market.reclaimDeposit, model.request_id, sender=bidder)
            for detector in self.detectors:
                self._try(market.claimReward, model.request_id, sender=detector)
        for account in self.accounts:
            if self.market.creditOf(account):
                self.withdrawn += self.market.creditOf(account)
                self.market.withdraw(sender=account)
        assert self.market.balance == 0
        assert self.withdrawn == self.paid_in


@pytest.fixture
def market_machine(
    chain: Any, edge: Deployment, agent: Any, accounts: Any, project: Any
) -> type[MarketMachine]:
    MarketMachine.chain = chain
    MarketMachine.edge = edge
    MarketMachine.agent = agent
    MarketMachine.hostile = project.HostileVerifier.deploy(sender=agent)
    edge.market.listVerifier(MarketMachine.hostile, sender=agent)
    MarketMachine.hostile.setMode(2, sender=agent)  # it reverts until a step changes it
    MarketMachine.requesters = [accounts[10], accounts[11], accounts[17]]
    MarketMachine.bidders = [accounts[12], accounts[13], accounts[14]]
    MarketMachine.detectors = [accounts[15], accounts[16], accounts[18], accounts[19]]
    for node in [*MarketMachine.requesters[:2], *MarketMachine.bidders]:
        edge.reputation.registerNode(node, sender=agent)
    for node in MarketMachine.detectors[:3]:
        edge.reputation.registerNode(node, sender=agent)
    return MarketMachine


# In `make test-slow` (a minute): `make test` runs the same invariants in forge's market
# campaigns (tests/forge/MarketInvariants.t.sol), 128,000 calls each.
@pytest.mark.slow
def test_market_state_machine(market_machine: type[MarketMachine], stateful: Any) -> None:
    stateful(market_machine, 5, 25)


@pytest.mark.fuzzing
def test_market_state_machine__long(market_machine: type[MarketMachine], stateful: Any) -> None:
    stateful(market_machine, 40, 50)
