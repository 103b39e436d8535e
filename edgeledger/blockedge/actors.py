"""BlockEdge's actors: a requester, edge nodes (honest, or abnormal with probability AP) and
detectors that recompute the result and report through commit-reveal. All act through the
deployed market, never around it."""

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
        receipt = market.postRequest(
            (
                challenge,
                verifier,
                deadline,
                terms.max_delay_s,
                terms.verification_window_s,
                terms.min_deposit_wei,
                terms.max_misbehaviour_ppm,
            ),
            value=terms.incentive_wei,
            sender=self.account,
        )
        event = receipt.events[0]
        return Posted(int(event.requestId), int(event.biddingDeadline))


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
        return market.placeBid(
            request_id, self.cost, self.capability, value=deposit_wei, sender=self.account
        )

    def work(self, market: Any, request_id: int, challenge: bytes, difficulty_bits: int) -> bool:
        """Submit a result; returns whether it was honest."""
        honest = bool(self.rng.random() >= self.abnormality)
        if honest:
            nonce = solve(challenge, difficulty_bits)[0]
        else:
            nonce = non_solution(challenge, difficulty_bits)
        market.submitResult(request_id, nonce.to_bytes(32, "big"), sender=self.account)
        return honest


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
        result = bytes(market.getRequest(request_id).result)
        guilty = not solves(challenge, int.from_bytes(result, "big"), difficulty_bits)
        salt = self.new_salt()
        commitment = report_commitment(request_id, self.account.address, guilty, salt)
        bond = int(market.DETECTOR_BOND())  # staked: forfeited if the verdict goes the other way
        market.commitReport(request_id, commitment, value=bond, sender=self.account)
        self.pending[request_id] = (guilty, salt)
        return guilty

    def reveal(self, market: Any, request_id: int) -> None:
        """Reveal the report committed earlier; the reveal phase must have begun
        (`phase_times`)."""
        guilty, salt = self.pending.pop(request_id)
        market.revealReport(request_id, guilty, salt, sender=self.account)


def phase_times(market: Any, request_id: int) -> tuple[int, int]:
    """When a request's reveal phase opens and when its verification window closes (block
    time, seconds): commits before the first, reveals from it, finalize after the second."""
    request = market.getRequest(request_id)
    return int(request.revealFrom), int(request.verifyUntil)
