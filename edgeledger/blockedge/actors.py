"""BlockEdge's actors: a requester, edge nodes (honest, or abnormal with probability AP) and
detectors that recompute the result and report through commit-reveal. All act through the
deployed market, never around it.

Each action is a `Call` (edgeledger/driver.py): an actor sends it through ape (`bid`, `work`,
...) or hands it to a replay that sends many actors' calls as one batch (`bid_call`, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgeledger.blockedge.market import (
    new_salt,
    non_solution,
    report_commitment,
    solve,
    solves,
)
from edgeledger.driver import Call


@dataclass(frozen=True)
class TaskTerms:
    """What a requester asks for (seconds and wei)."""

    incentive_wei: int
    min_deposit_wei: int
    bidding_s: int = 2
    max_delay_s: int = 60
    # The market's shortest window (DeployParameters.min_window_s): commits in its first half,
    # reveals in the second.
    verification_window_s: int = 24
    max_misbehaviour_ppm: int = 1_000_000


@dataclass(frozen=True)
class Posted:
    request_id: int
    bidding_deadline: int  # block time, seconds


@dataclass
class Requester:
    account: Any

    def post(self, market: Any, verifier: Any, challenge: bytes, terms: TaskTerms) -> Posted:
        from ape import chain

        deadline = chain.pending_timestamp + terms.bidding_s
        event = by_ape(self.post_call(market, verifier, challenge, terms, deadline)).events[0]
        return Posted(int(event.requestId), int(event.biddingDeadline))

    def post_call(
        self, market: Any, verifier: Any, challenge: bytes, terms: TaskTerms, deadline: int
    ) -> Call:
        """A request for `challenge` whose bidding closes at `deadline` (block time, s)."""
        task = (
            challenge,
            verifier,
            deadline,
            terms.max_delay_s,
            terms.verification_window_s,
            terms.min_deposit_wei,
            terms.max_misbehaviour_ppm,
        )
        return Call(self.account, market, "postRequest", (task,), "post", terms.incentive_wei)

    def close_call(self, market: Any, request_id: int) -> Call:
        return Call(self.account, market, "closeBidding", (request_id,), "close")

    def finalize_call(self, market: Any, request_id: int) -> Call:
        return Call(self.account, market, "finalize", (request_id,), "finalize")


@dataclass
class EdgeNode:
    """A stakeholder. With probability `abnormality` it submits a wrong nonce instead of
    solving (the paper's abnormal node); the draw comes from its own seeded generator."""

    account: Any
    capability: int
    cost: int
    abnormality: float = 0.0
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))

    def bid(self, market: Any, request_id: int, deposit_wei: int) -> Any:
        return by_ape(self.bid_call(market, request_id, deposit_wei))

    def bid_call(self, market: Any, request_id: int, deposit_wei: int) -> Call:
        args = (request_id, self.cost, self.capability)
        return Call(self.account, market, "placeBid", args, "bid", deposit_wei)

    def work(self, market: Any, request_id: int, challenge: bytes, difficulty_bits: int) -> bool:
        """Submit a result; returns whether it was honest."""
        call, honest = self.work_call(market, request_id, challenge, difficulty_bits)
        by_ape(call)
        return honest

    def work_call(
        self, market: Any, request_id: int, challenge: bytes, difficulty_bits: int
    ) -> tuple[Call, bool]:
        """The result to submit, and whether it is honest (drawn now)."""
        honest = bool(self.rng.random() >= self.abnormality)
        if honest:
            nonce = solve(challenge, difficulty_bits)[0]
        else:
            nonce = non_solution(challenge, difficulty_bits)
        args = (request_id, nonce.to_bytes(32, "big"))
        return Call(self.account, market, "submitResult", args, "result"), honest

    def withdraw_call(self, market: Any) -> Call:
        return Call(self.account, market, "withdraw", (), "withdraw")


@dataclass
class Detector:
    """Recomputes the winner's result and reports in two stages."""

    account: Any
    pending: dict[int, tuple[bool, bytes]] = field(default_factory=dict)
    # Where salts come from: secret randomness; a replay passes its seeded generator's bytes.
    new_salt: Callable[[], bytes] = new_salt

    def check_and_commit(
        self, market: Any, request_id: int, challenge: bytes, difficulty_bits: int
    ) -> bool:
        call, guilty = self.commit_call(market, request_id, challenge, difficulty_bits)
        try:
            by_ape(call)
        except Exception:
            self.pending.pop(request_id, None)  # nothing committed: nothing to reveal
            raise
        return guilty

    def commit_call(
        self,
        market: Any,
        request_id: int,
        challenge: bytes,
        difficulty_bits: int,
        bond_wei: int | None = None,
        submitted: bytes | None = None,
    ) -> tuple[Call, bool]:
        """The commitment to the verdict on the submitted result (`submitted`, as the market's
        ResultSubmitted event gave it, or read from the market), staked with the detector bond
        (`bond_wei`, or read from the market); and the verdict."""
        result = bytes(market.getRequest(request_id).result) if submitted is None else submitted
        guilty = not solves(challenge, int.from_bytes(result, "big"), difficulty_bits)
        salt = self.new_salt()
        commitment = report_commitment(request_id, self.account.address, guilty, salt)
        # Staked: forfeited if the verdict goes the other way.
        bond = int(market.DETECTOR_BOND()) if bond_wei is None else bond_wei
        self.pending[request_id] = (guilty, salt)
        args = (request_id, commitment)
        return Call(self.account, market, "commitReport", args, "commit", bond), guilty

    def reveal(self, market: Any, request_id: int) -> None:
        """Reveal the report committed earlier; the reveal phase must have begun
        (`phase_times`)."""
        by_ape(self.reveal_call(market, request_id))

    def reveal_call(self, market: Any, request_id: int) -> Call:
        guilty, salt = self.pending.pop(request_id)
        return Call(self.account, market, "revealReport", (request_id, guilty, salt), "reveal")


def by_ape(call: Call) -> Any:
    """`call` sent through ape, one transaction; its receipt."""
    method = getattr(call.contract, call.method)
    value = {"value": call.value} if call.value else {}
    return method(*call.args, sender=call.sender, **value)


def phase_times(market: Any, request_id: int) -> tuple[int, int]:
    """When a request's reveal phase opens and when its verification window closes (block
    time, seconds): commits before the first, reveals from it, finalize after the second."""
    request = market.getRequest(request_id)
    return int(request.revealFrom), int(request.verifyUntil)
