"""CollaborationMarket (BlockEdge): every step of a round, four of them against targets."""

from __future__ import annotations

from typing import Any

import numpy as np
from bench_bounds import NEW_SLOT, REWRITE_COLD, TX, gas_row, gas_table, log_cost
from bench_section import section
from eth_utils import keccak

from edgeledger.blockedge.actors import phase_times
from edgeledger.blockedge.market import PPM, new_salt, report_commitment, solve
from edgeledger.deploy import deploy_blockedge


def market_section() -> list[str]:
    rows, notes = market_gas()
    return section("BlockEdge market gas", [], [gas_table(rows)], notes)


def market_gas() -> tuple[list[list[str]], list[str]]:
    """BlockEdge's CollaborationMarket: the four paths with targets, and the rest of a round."""
    from ape import accounts

    test_accounts = list(accounts.test_accounts)
    agent, requester, bidders, detector = (
        test_accounts[0],
        test_accounts[1],
        test_accounts[2:6],
        test_accounts[6],
    )
    market, verifiers = deploy_blockedge(agent)
    rows: list[list[str]] = []
    gas = market_rounds(market, verifiers, requester, bidders, detector, rounds=3)

    bounds = {
        # a new bid slot, the request slots read and the best bid rewritten, the event
        "placeBid": (
            TX + NEW_SLOT + 2 * REWRITE_COLD + log_cost(3, 4),
            75_000,
            "+ request, reputation cold reads (6,300), calldata",
        ),
        # one new slot (the hash), the request's commit counter rewritten, the event
        "commitReport": (
            TX + NEW_SLOT + REWRITE_COLD + log_cost(3, 1),
            50_000,
            "+ cold reads of the requester and the window (4,200), the bond check, calldata",
        ),
        # the commitment rewritten, the request's two counter slots rewritten, the event
        "revealReport": (
            TX + 3 * REWRITE_COLD + log_cost(3, 1),
            60_000,
            "+ the hash, calldata",
        ),
        # the credit zeroed, the value sent (9,000 less the 2,300 stipend an EOA leaves
        # unused), the event; zeroing the credit refunds 4,800
        "withdraw": (
            TX + REWRITE_COLD + 9_000 - 2_300 + log_cost(2, 1) - 4_800,
            35_000,
            "+ transient reentrancy guard (~300), the call's own overhead",
        ),
    }
    for name, values in gas.items():
        bound, target, why = bounds.get(name, (0, None, "not targeted"))
        rows.append(
            gas_row(f"{name} (mean of {len(values)})", float(np.mean(values)), bound, target, why)
        )
    notes = [
        "A round: post, 4 bids, close, result, one commit (with its bond) and reveal (in the "
        "reveal phase), finalize, a loser's reclaim and withdraw; 3 rounds. Bounds of untargeted "
        "steps are not worked out (0).",
    ]
    return rows, notes


def market_rounds(
    market: Any,
    verifiers: dict[str, Any],
    requester: Any,
    bidders: list[Any],
    detector: Any,
    rounds: int,
) -> dict[str, list[int]]:
    """Gas of each step over `rounds` market rounds (the first slashed, the rest refunded):
    post, a bid by each bidder, close, result, one commit-reveal, finalize, reclaim, withdraw."""
    from ape import chain

    ether = 10**18
    challenge = keccak(b"benchmark")
    gas: dict[str, list[int]] = {}
    bond = int(market.DETECTOR_BOND())

    def measure(name: str, receipt: Any) -> Any:
        gas.setdefault(name, []).append(int(receipt.gas_used))
        return receipt

    for round_ in range(rounds):
        terms = (
            challenge,
            verifiers["ProofOfWork"],
            chain.pending_timestamp + 60,
            120,
            60,
            ether,
            PPM,
        )
        posted = measure("postRequest", market.postRequest(terms, value=ether, sender=requester))
        request_id = int(posted.events[0].requestId)
        for i, bidder in enumerate(bidders):
            measure(
                "placeBid", market.placeBid(request_id, 10 + i, 100, value=ether, sender=bidder)
            )
        chain.mine(deltatime=61)
        measure("closeBidding", market.closeBidding(request_id, sender=requester))
        nonce = solve(challenge, 12)[0].to_bytes(32, "big")
        measure("submitResult", market.submitResult(request_id, nonce, sender=bidders[0]))
        salt = new_salt()
        commitment = report_commitment(request_id, detector.address, round_ == 0, salt)
        measure(
            "commitReport",
            market.commitReport(request_id, commitment, value=bond, sender=detector),
        )
        reveal_from, verify_until = phase_times(market, request_id)
        chain.mine(timestamp=reveal_from)
        measure("revealReport", market.revealReport(request_id, round_ == 0, salt, sender=detector))
        chain.mine(timestamp=verify_until + 1)
        measure("finalize", market.finalize(request_id, sender=requester))
        measure("reclaimDeposit", market.reclaimDeposit(request_id, sender=bidders[1]))
        measure("withdraw", market.withdraw(sender=bidders[1]))
    return gas
