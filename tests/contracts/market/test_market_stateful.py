"""CollaborationMarket as a state machine: random requests, bids, results, commits, reveals,
finalizations, claims and withdrawals, with time moving in between. Kept:
- the contract's balance equals what it owes: credits, held deposits, open incentives;
- nobody is paid twice: every withdrawal pays exactly the credit, a second claim reverts;
- an honest winner is never slashed; a proof-of-work cheater always is once a detector reveals;
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

ETHER = 10**18
BIDDING, EXECUTING, VERIFYING, FINALIZED = 1, 2, 3, 4


@dataclass
class RequestModel:
    request_id: int
    verifier: str
    honest_result: bool | None = None  # set when the winner submits
    commits: dict[str, tuple[bool, bytes]] = field(default_factory=dict)
    revealed: set[str] = field(default_factory=set)
    claimed: set[str] = field(default_factory=set)


class MarketMachine(RuleBasedStateMachine):
    chain: Any
    market: Any
    verifiers: dict[str, Any]
    requesters: list[Any]
    bidders: list[Any]
    detectors: list[Any]

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.requests: list[RequestModel] = []
        self.paid_in = 0
        self.withdrawn = 0
        self.valid_nonce = valid_nonce()
        self.wrong_nonce = wrong_nonce(self.verifiers)

    # ------------------------------------------------------------ helpers

    @property
    def accounts(self) -> list[Any]:
        return [*self.requesters, *self.bidders, *self.detectors]

    def _try(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        """Send; a refusal must change nothing (checked by the balance invariant)."""
        try:
            return method(*args, **kwargs)
        except ContractLogicError:
            return None

    def _request(self, index: int) -> RequestModel | None:
        return self.requests[index % len(self.requests)] if self.requests else None

    # ------------------------------------------------------------ a populated start

    @initialize(
        capabilities=st.lists(st.integers(0, 50), min_size=4, max_size=4),
        honest=st.lists(st.booleans(), min_size=2, max_size=2),
        reports=st.lists(
            st.tuples(st.integers(0, 1), st.integers(0, 2), st.booleans()), max_size=4
        ),
    )
    def two_results_in(
        self, capabilities: list[int], honest: list[bool], reports: list[Any]
    ) -> None:
        """A proof-of-work and a quorum request, two bids each, bidding closed, results in:
        without this start, random sequences rarely reach reports and slashing."""
        for verifier in ("ProofOfWork", "Quorum"):
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
            self.reveal(request, detector)

    # ------------------------------------------------------------ rules

    @rule(
        requester=st.integers(0, 1),
        verifier=st.sampled_from(["ProofOfWork", "Quorum"]),
        incentive=st.integers(1, 20),
        max_ppm=st.sampled_from([0, PPM // 2, PPM]),
    )
    def post(self, requester: int, verifier: str, incentive: int, max_ppm: int) -> None:
        if len(self.requests) >= 4:
            return
        terms = (
            CHALLENGE,
            self.verifiers[verifier],
            self.chain.pending_timestamp + 60,
            120,
            60,
            ETHER,
            max_ppm,
        )
        tx = self.market.postRequest(
            terms, value=incentive * ETHER, sender=self.requesters[requester]
        )
        self.paid_in += incentive * ETHER
        self.requests.append(RequestModel(int(tx.events[0].requestId), verifier))

    @rule(
        request=st.integers(0, 3),
        bidder=st.integers(0, 2),
        extra=st.integers(0, 3),
        cost=st.integers(1, 50),
        capability=st.integers(0, 50),
    )
    def bid(self, request: int, bidder: int, extra: int, cost: int, capability: int) -> None:
        model = self._request(request)
        if model is None:
            return
        deposit = ETHER + extra * ETHER // 2
        tx = self._try(
            self.market.placeBid,
            model.request_id,
            cost,
            capability,
            value=deposit,
            sender=self.bidders[bidder],
        )
        if tx is not None:
            self.paid_in += deposit

    @rule(seconds=st.sampled_from([10, 61, 130]))
    def let_time_pass(self, seconds: int) -> None:
        self.chain.mine(deltatime=seconds)

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

    @rule(request=st.integers(0, 3), detector=st.integers(0, 2), lie=st.booleans())
    def commit(self, request: int, detector: int, lie: bool) -> None:
        model = self._request(request)
        if model is None or model.honest_result is None:
            return
        account = self.detectors[detector]
        # Quorum detectors tell the truth (the verifier trusts k of them); proof-of-work ones
        # may lie: the chain checks the nonce itself.
        guilty = (not model.honest_result) != (lie and model.verifier == "ProofOfWork")
        salt = new_salt()
        commitment = report_commitment(model.request_id, account.address, guilty, salt)
        if self._try(self.market.commitReport, model.request_id, commitment, sender=account):
            model.commits[account.address] = (guilty, salt)

    @rule(request=st.integers(0, 3), detector=st.integers(0, 2))
    def reveal(self, request: int, detector: int) -> None:
        model = self._request(request)
        account = self.detectors[detector]
        if model is None or account.address not in model.commits:
            return
        guilty, salt = model.commits[account.address]
        if self._try(self.market.revealReport, model.request_id, guilty, salt, sender=account):
            model.revealed.add(account.address)

    @rule(request=st.integers(0, 3))
    def finalize(self, request: int) -> None:
        model = self._request(request)
        if model is None:
            return
        self._finalize(model)

    def _finalize(self, model: RequestModel) -> None:
        tx = self._try(self.market.finalize, model.request_id, sender=self.bidders[0])
        if tx is None:
            return
        (event,) = tx.events
        if model.honest_result:
            assert not event.slashed, "an honest winner was slashed"
        if model.verifier == "ProofOfWork" and model.honest_result is False and model.revealed:
            assert event.slashed, "a proof-of-work cheater escaped after a reveal"

    @rule(request=st.integers(0, 3), detector=st.integers(0, 2))
    def claim(self, request: int, detector: int) -> None:
        model = self._request(request)
        if model is None:
            return
        account = self.detectors[detector]
        tx = self._try(self.market.claimReward, model.request_id, sender=account)
        if tx is not None:
            assert account.address not in model.claimed, "a reward was paid twice"
            model.claimed.add(account.address)

    @rule(who=st.integers(0, 7))
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
        """Credits, open incentives, held deposits and unclaimed detector rewards."""
        owed = sum(self.market.creditOf(a) for a in self.accounts)
        for model in self.requests:
            info = self.market.getRequest(model.request_id)
            if info.phase == BIDDING:
                owed += info.incentive
            owed += sum(self.market.getBid(model.request_id, b) for b in self.bidders)
            if info.slashed:
                guilty = [d for d in model.revealed if model.commits[d][0]]
                unclaimed = [d for d in guilty if d not in model.claimed]
                owed += info.rewardPerDetector * len(unclaimed)
        return owed

    @invariant()
    def balance_is_what_it_owes(self) -> None:
        assert self.market.balance == self._owed()
        assert self.paid_in == self.withdrawn + self.market.balance

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
    chain: Any,
    market: Any,
    verifiers: dict[str, Any],
    requester: Any,
    accounts: Any,
    bidders: list[Any],
    detectors: list[Any],
) -> type[MarketMachine]:
    MarketMachine.chain = chain
    MarketMachine.market = market
    MarketMachine.verifiers = verifiers
    MarketMachine.requesters = [requester, accounts[17]]
    MarketMachine.bidders = bidders
    MarketMachine.detectors = detectors
    return MarketMachine


def test_market_state_machine(market_machine: type[MarketMachine], stateful: Any) -> None:
    stateful(market_machine, 5, 25)


@pytest.mark.fuzzing
def test_market_state_machine__long(market_machine: type[MarketMachine], stateful: Any) -> None:
    stateful(market_machine, 40, 50)
