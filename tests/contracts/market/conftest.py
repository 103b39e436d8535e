"""Requests in each phase, for the market tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import keccak

from edgeledger.blockedge.market import PPM, non_solution, solve
from edgeledger.ethereum import ETHER

CHALLENGE = keccak(b"edgeledger: a collaborative proof of work")
INCENTIVE, DEPOSIT = 10 * ETHER, 100 * ETHER
BIDDING_S, MAX_DELAY_S, WINDOW_S = 60, 120, 60
DIFFICULTY_BITS = 12  # DeployParameters.pow_difficulty_bits


def valid_nonce() -> bytes:
    return solve(CHALLENGE, DIFFICULTY_BITS)[0].to_bytes(32, "big")


def wrong_nonce(verifiers: dict[str, Any]) -> bytes:
    """A nonce that does not solve CHALLENGE, and the chain's verifier agrees."""
    nonce = non_solution(CHALLENGE, DIFFICULTY_BITS).to_bytes(32, "big")
    assert not verifiers["ProofOfWork"].solves(CHALLENGE, nonce)
    return nonce


@pytest.fixture
def post(market: Any, verifiers: dict[str, Any], requester: Any, chain: Any) -> Callable[..., int]:
    def post_request(
        verifier: str = "ProofOfWork",
        incentive: int = INCENTIVE,
        min_deposit: int = DEPOSIT,
        max_ppm: int = PPM,
        sender: Any = None,
    ) -> int:
        terms = (
            CHALLENGE,
            verifiers[verifier],
            chain.pending_timestamp + BIDDING_S,
            MAX_DELAY_S,
            WINDOW_S,
            min_deposit,
            max_ppm,
        )
        tx = market.postRequest(terms, value=incentive, sender=sender or requester)
        return int(tx.events[0].requestId)

    return post_request


@pytest.fixture
def won(
    post: Callable[..., int], market: Any, bidders: list[Any], chain: Any
) -> Callable[..., int]:
    """A request whose bidding closed with bidders[0] as winner (the only bidder)."""

    def won_request(verifier: str = "ProofOfWork", **terms: Any) -> int:
        request_id = post(verifier, **terms)
        market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=bidders[0])
        chain.mine(deltatime=BIDDING_S + 1)
        market.closeBidding(request_id, sender=bidders[0])
        return request_id

    return won_request
