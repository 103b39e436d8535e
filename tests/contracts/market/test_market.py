"""CollaborationMarket: every function, phase and refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from conftest import (
    BIDDING_S,
    CHALLENGE,
    DEPOSIT,
    ETHER,
    INCENTIVE,
    MAX_DELAY_S,
    WINDOW_S,
    valid_nonce,
    wrong_nonce,
)
from eth_abi import encode
from eth_utils import keccak

from edgeledger.blockedge.market import PPM, bid_score, new_salt, report_commitment
from edgeledger.deploy import ZERO_ADDRESS

BIDDING, EXECUTING, VERIFYING, FINALIZED = 1, 2, 3, 4


def commit(market: Any, request_id: int, detector: Any, guilty: bool) -> bytes:
    salt = new_salt()
    commitment = report_commitment(request_id, detector.address, guilty, salt)
    market.commitReport(request_id, commitment, value=market.DETECTOR_BOND(), sender=detector)
    return salt


def to_reveals(market: Any, chain: Any, request_id: int) -> None:
    chain.mine(timestamp=int(market.getRequest(request_id).revealFrom))


def past_window(market: Any, chain: Any, request_id: int) -> None:
    chain.mine(timestamp=int(market.getRequest(request_id).verifyUntil) + 1)


def report(market: Any, chain: Any, request_id: int, verdicts: dict[Any, bool]) -> None:
    """Each detector commits its verdict, then, in the reveal phase, reveals it."""
    salts = {detector: commit(market, request_id, detector, g) for detector, g in verdicts.items()}
    to_reveals(market, chain, request_id)
    for detector, guilty in verdicts.items():
        market.revealReport(request_id, guilty, salts[detector], sender=detector)


# ---------------------------------------------------------------- postRequest


def test_post__holds_the_incentive(
    post: Callable[..., int], market: Any, requester: Any, verifiers: dict[str, Any]
) -> None:
    request_id = post()

    info = market.getRequest(request_id)
    assert (info.requester, info.phase, info.incentive) == (requester.address, BIDDING, INCENTIVE)
    assert market.balance == INCENTIVE and market.requestCount() == 1


def test_post__without_incentive_reverts(post: Callable[..., int], market: Any) -> None:
    with ape.reverts(market.NoIncentive):
        post(incentive=0)


TERM = 30 * 86_400  # DeployParameters.max_term_s


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        (2, 0, "bidding deadline passed"),
        (2, TERM + 60, "bidding deadline too far"),
        (3, 0, "result delay outside 1..term"),
        (3, TERM + 1, "result delay outside 1..term"),
        (4, 23, "window outside minimum..term"),
        (4, TERM + 1, "window outside minimum..term"),
        (5, INCENTIVE - 1, "minimum deposit below incentive"),
        (6, PPM + 1, "misbehaviour bound above 1"),
    ],
)
def test_post__invalid_terms_revert(
    market: Any,
    verifiers: dict[str, Any],
    requester: Any,
    chain: Any,
    field: int,
    value: Any,
    what: str,
) -> None:
    now = chain.pending_timestamp
    terms = [CHALLENGE, verifiers["Quorum"], now + 60, 60, 60, INCENTIVE, 0]
    terms[field] = value + now if field == 2 and value else value
    with ape.reverts(market.InvalidTerms, what=what):
        market.postRequest(tuple(terms), value=INCENTIVE, sender=requester)


def test_post__a_verifier_must_be_listed(
    post: Callable[..., int], market: Any, agent: Any, verifiers: dict[str, Any], chain: Any
) -> None:
    quorum = verifiers["Quorum"]
    market.delistVerifier(quorum, sender=agent)
    with ape.reverts(market.VerifierNotListed, verifier=quorum):
        post("Quorum")
    with ape.reverts(market.VerifierNotListed, verifier=quorum):
        market.delistVerifier(quorum, sender=agent)  # not listed any more
    with ape.reverts(market.VerifierNotContract, verifier=agent):
        market.listVerifier(agent, sender=agent)
    tx = market.listVerifier(quorum, sender=agent)
    code = bytes(chain.provider.web3.eth.get_code(quorum.address))
    assert tx.events == [market.VerifierListed(verifier=quorum, codehash=keccak(code))]
    assert market.isListedVerifier(quorum)
    post("Quorum")


def test_post__an_incentive_above_2_to_the_96_wei_reverts(
    post: Callable[..., int], market: Any, requester: Any
) -> None:
    """Amounts are stored in 96 bits; the bound is out of reach of a test account's balance
    unless the node gives it more (a mutant dropping the check survived without this)."""
    requester.balance = 2**97
    with ape.reverts(market.InvalidTerms, what="incentive above 2^96 wei"):
        post(incentive=2**96, min_deposit=2**96 - 1)
    request_id = post(incentive=2**96 - 1, min_deposit=2**96 - 1)
    assert market.getRequest(request_id).incentive == 2**96 - 1


@pytest.mark.parametrize("slashed", [False, True])
def test_finalize__the_largest_amounts_settle(
    post: Callable[..., int],
    market: Any,
    requester: Any,
    bidders: list[Any],
    chain: Any,
    slashed: bool,
) -> None:
    """An incentive and a deposit of 2^96 - 1 wei each: their sum does not fit 96 bits, and
    finalize must settle it anyway (a revert there would lock both for good)."""
    largest = 2**96 - 1
    requester.balance = bidders[0].balance = 2**97
    request_id = post(incentive=largest, min_deposit=largest)
    market.placeBid(request_id, 10, 100, value=largest, sender=bidders[0])
    chain.mine(deltatime=BIDDING_S + 1)
    market.closeBidding(request_id, sender=requester)
    if not slashed:
        market.submitResult(request_id, valid_nonce(), sender=bidders[0])
    chain.mine(deltatime=MAX_DELAY_S + WINDOW_S + 1)

    market.finalize(request_id, sender=requester)

    paid = requester if slashed else bidders[0]
    assert market.creditOf(paid) == 2 * largest


# ---------------------------------------------------------------- placeBid and closeBidding


def test_place_bid__stakes_the_deposit(
    post: Callable[..., int], market: Any, bidders: list[Any]
) -> None:
    request_id = post()
    tx = market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=bidders[0])

    score = bid_score(10, 100, 0)
    assert tx.events == [
        market.BidPlaced(
            requestId=request_id,
            bidder=bidders[0],
            deposit=DEPOSIT,
            cost=10,
            capability=100,
            score=score,
        )
    ]
    assert market.getBid(request_id, bidders[0]) == DEPOSIT
    assert market.balance == INCENTIVE + DEPOSIT


def test_place_bid__refusals(
    post: Callable[..., int], market: Any, bidders: list[Any], requester: Any, chain: Any
) -> None:
    request_id = post()
    with ape.reverts(market.UnknownRequest, requestId=99):
        market.placeBid(99, 10, 100, value=DEPOSIT, sender=bidders[0])
    with ape.reverts(market.RequesterCannotBid, requestId=request_id):
        market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=requester)
    with ape.reverts(market.DepositTooSmall, deposit=DEPOSIT - 1, minimum=DEPOSIT):
        market.placeBid(request_id, 10, 100, value=DEPOSIT - 1, sender=bidders[0])
    with ape.reverts(market.ZeroCost):
        market.placeBid(request_id, 0, 100, value=DEPOSIT, sender=bidders[0])
    market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=bidders[0])
    with ape.reverts(market.AlreadyBid, requestId=request_id, bidder=bidders[0]):
        market.placeBid(request_id, 5, 100, value=DEPOSIT, sender=bidders[0])
    chain.mine(deltatime=BIDDING_S + 1)
    with ape.reverts(market.BiddingClosedAt, requestId=request_id):
        market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=bidders[1])
    market.closeBidding(request_id, sender=bidders[1])
    with ape.reverts(market.WrongPhase, requestId=request_id, phase=EXECUTING):
        market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=bidders[1])


def test_place_bid__too_many_bids(
    post: Callable[..., int], market: Any, accounts: Any, requester: Any
) -> None:
    request_id = post(incentive=1, min_deposit=1)
    limit = market.MAX_BIDS()
    for _ in range(limit):
        account = accounts.generate_test_account()
        requester.transfer(account, ETHER // 10)
        market.placeBid(request_id, 10, 100, value=1, sender=account)
    with ape.reverts(market.TooManyBids, requestId=request_id, limit=limit):
        market.placeBid(request_id, 10, 100, value=1, sender=accounts[19])


def test_close__best_score_wins_ties_go_first(
    post: Callable[..., int], market: Any, bidders: list[Any], chain: Any
) -> None:
    request_id = post()
    market.placeBid(request_id, 20, 100, value=DEPOSIT, sender=bidders[0])  # score 5 * 2^32
    market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=bidders[1])  # 10 * 2^32
    market.placeBid(request_id, 5, 50, value=DEPOSIT, sender=bidders[2])  # 10 * 2^32, later
    chain.mine(deltatime=BIDDING_S + 1)
    with ape.reverts(market.WrongPhase):  # not yet closed: no reclaim
        market.reclaimDeposit(request_id, sender=bidders[0])

    tx = market.closeBidding(request_id, sender=bidders[0])

    assert tx.events == [
        market.BiddingClosed(requestId=request_id, winner=bidders[1], incentive=INCENTIVE)
    ]
    assert market.creditOf(bidders[1]) == 0  # the incentive waits for a verified result
    assert market.reputationOf(bidders[1]) == (0, 1, 0, DEPOSIT)
    market.reclaimDeposit(request_id, sender=bidders[0])
    assert market.creditOf(bidders[0]) == DEPOSIT
    with ape.reverts(market.NoBid, requestId=request_id, bidder=bidders[0]):
        market.reclaimDeposit(request_id, sender=bidders[0])  # no double refund
    with ape.reverts(market.WinnerCannotReclaim, requestId=request_id):
        market.reclaimDeposit(request_id, sender=bidders[1])


def test_close__too_early_and_twice_revert(
    post: Callable[..., int], market: Any, bidders: list[Any], chain: Any
) -> None:
    request_id = post()
    with ape.reverts(market.BiddingStillOpen, requestId=request_id):
        market.closeBidding(request_id, sender=bidders[0])
    chain.mine(deltatime=BIDDING_S + 1)
    market.closeBidding(request_id, sender=bidders[0])
    with ape.reverts(market.WrongPhase, requestId=request_id, phase=FINALIZED):
        market.closeBidding(request_id, sender=bidders[0])


def test_close__without_bids_gives_the_incentive_back(
    post: Callable[..., int], market: Any, requester: Any, chain: Any
) -> None:
    request_id = post()
    chain.mine(deltatime=BIDDING_S + 1)

    market.closeBidding(request_id, sender=requester)

    assert market.getRequest(request_id).phase == FINALIZED
    assert market.creditOf(requester) == INCENTIVE


# ---------------------------------------------------------------- result and reports


def test_submit_result__refusals(
    won: Callable[..., int], market: Any, bidders: list[Any], chain: Any
) -> None:
    request_id = won()
    with ape.reverts(market.NotWinner, requestId=request_id, caller=bidders[1]):
        market.submitResult(request_id, valid_nonce(), sender=bidders[1])
    chain.mine(deltatime=MAX_DELAY_S)
    with ape.reverts(market.ResultTooLate, requestId=request_id):
        market.submitResult(request_id, valid_nonce(), sender=bidders[0])


def test_commit__refusals(
    won: Callable[..., int],
    market: Any,
    bidders: list[Any],
    detectors: list[Any],
    requester: Any,
    chain: Any,
) -> None:
    request_id = won()
    with ape.reverts(market.WrongPhase, requestId=request_id, phase=EXECUTING):
        commit(market, request_id, detectors[0], True)  # no result yet
    market.submitResult(request_id, valid_nonce(), sender=bidders[0])
    with ape.reverts(market.WinnerCannotReport, requestId=request_id):
        commit(market, request_id, bidders[0], False)
    with ape.reverts(market.RequesterCannotReport, requestId=request_id):
        commit(market, request_id, requester, True)
    bond = int(market.DETECTOR_BOND())
    for wrong in (0, bond - 1, bond + 1):
        with ape.reverts(market.WrongBond, sent=wrong, bond=bond):
            market.commitReport(request_id, b"\x01" * 32, value=wrong, sender=detectors[0])
    commit(market, request_id, detectors[0], True)
    assert market.balance == INCENTIVE + DEPOSIT + bond
    with ape.reverts(market.AlreadyCommitted, requestId=request_id, detector=detectors[0]):
        commit(market, request_id, detectors[0], False)
    to_reveals(market, chain, request_id)
    reveal_from = int(market.getRequest(request_id).revealFrom)
    with ape.reverts(market.CommitPhaseOver, requestId=request_id, revealFrom=reveal_from):
        commit(market, request_id, detectors[1], True)


def test_reveal__refusals(
    won: Callable[..., int], market: Any, bidders: list[Any], detectors: list[Any], chain: Any
) -> None:
    request_id = won()
    market.submitResult(request_id, valid_nonce(), sender=bidders[0])
    salt = commit(market, request_id, detectors[0], True)
    commitment = report_commitment(request_id, detectors[0].address, True, salt)
    # A copied commitment does not help: it is bound to the detector who made it.
    market.commitReport(request_id, commitment, value=market.DETECTOR_BOND(), sender=detectors[1])
    salt_2 = commit(market, request_id, detectors[2], False)
    reveal_from = int(market.getRequest(request_id).revealFrom)
    with ape.reverts(market.RevealPhaseNotOpen, requestId=request_id, revealFrom=reveal_from):
        market.revealReport(request_id, True, salt, sender=detectors[0])
    to_reveals(market, chain, request_id)

    with ape.reverts(market.RevealMismatch, requestId=request_id, detector=detectors[0]):
        market.revealReport(request_id, False, salt, sender=detectors[0])  # other verdict
    with ape.reverts(market.RevealMismatch, requestId=request_id, detector=detectors[0]):
        market.revealReport(request_id, True, new_salt(), sender=detectors[0])  # other salt
    with ape.reverts(market.NoCommitment, requestId=request_id, detector=bidders[1]):
        market.revealReport(request_id, True, salt, sender=bidders[1])  # someone else
    with ape.reverts(market.RevealMismatch, requestId=request_id, detector=detectors[1]):
        market.revealReport(request_id, True, salt, sender=detectors[1])

    market.revealReport(request_id, True, salt, sender=detectors[0])
    with ape.reverts(market.NoCommitment, requestId=request_id, detector=detectors[0]):
        market.revealReport(request_id, True, salt, sender=detectors[0])  # twice
    past_window(market, chain, request_id)
    with ape.reverts(market.WindowClosed, requestId=request_id):
        market.revealReport(request_id, False, salt_2, sender=detectors[2])


def test_reveal__never_in_the_commit_block(
    won: Callable[..., int], market: Any, bidders: list[Any], detectors: list[Any], chain: Any
) -> None:
    """A commitment and its reveal sent in one block: the reveal fails, since one block is
    either in the commit phase or in the reveal phase."""
    request_id = won()
    market.submitResult(request_id, valid_nonce(), sender=bidders[0])
    detector, salt = detectors[0], new_salt()
    commitment = report_commitment(request_id, detector.address, True, salt)
    web3 = chain.provider.web3
    # Both transactions in one block: automine off, explicit gas (estimates would see no commit).
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        hashes = [
            web3.eth.send_transaction(
                {
                    "from": detector.address,
                    "to": market.address,
                    "gas": 300_000,
                    "data": data,
                    "value": value,
                }
            )
            for data, value in (
                (market.commitReport.encode_input(request_id, commitment), market.DETECTOR_BOND()),
                (market.revealReport.encode_input(request_id, True, salt), 0),
            )
        ]
        chain.mine()
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
    committed, revealed = (web3.eth.get_transaction_receipt(h) for h in hashes)
    assert committed.blockNumber == revealed.blockNumber
    assert (committed.status, revealed.status) == (1, 0)
    # The revert data names the error: RevealPhaseNotOpen(requestId, revealFrom).
    reveal_from = int(market.getRequest(request_id).revealFrom)
    expected = keccak(b"RevealPhaseNotOpen(uint256,uint256)")[:4] + encode(
        ["uint256", "uint256"], [request_id, reveal_from]
    )
    trace = web3.provider.make_request("debug_traceTransaction", ["0x" + hashes[1].hex(), {}])
    assert trace["result"]["returnValue"].removeprefix("0x") == expected.hex()
    to_reveals(market, chain, request_id)
    market.revealReport(request_id, True, salt, sender=detector)  # in its phase it is fine


# ---------------------------------------------------------------- finalize and payments


def test_finalize__proof_of_work_cheater_is_slashed(
    won: Callable[..., int],
    market: Any,
    verifiers: dict[str, Any],
    requester: Any,
    bidders: list[Any],
    detectors: list[Any],
    chain: Any,
) -> None:
    request_id = won()
    market.submitResult(request_id, wrong_nonce(verifiers), sender=bidders[0])
    report(market, chain, request_id, {detectors[0]: True, detectors[1]: True, detectors[2]: False})
    with ape.reverts(market.WindowOpen, requestId=request_id):
        market.finalize(request_id, sender=requester)
    past_window(market, chain, request_id)

    tx = market.finalize(request_id, sender=requester)

    half, bond = DEPOSIT // 2, int(market.DETECTOR_BOND())
    # The innocent revealer's bond is shared by the two on the verdict's side.
    assert tx.events == [
        market.RequestFinalized(
            requestId=request_id,
            winner=bidders[0],
            slashed=True,
            compensation=half,
            rewardPerDetector=half // 2,
            bondPayout=bond + bond // 2,
        )
    ]
    assert market.creditOf(requester) == INCENTIVE + half  # the incentive back, compensation
    market.claimReward(request_id, sender=detectors[0])
    assert market.creditOf(detectors[0]) == half // 2 + bond + bond // 2
    with ape.reverts(market.NoReward, requestId=request_id, detector=detectors[0]):
        market.claimReward(request_id, sender=detectors[0])  # nobody is paid twice
    with ape.reverts(market.NoReward, requestId=request_id, detector=detectors[2]):
        market.claimReward(request_id, sender=detectors[2])  # said "innocent": its bond is lost
    assert market.reputationOf(bidders[0]).misbehaviours == 1
    assert market.misbehaviourPpm(bidders[0]) == PPM
    assert market.creditOf(bidders[0]) == 0
    with ape.reverts(market.WrongPhase, requestId=request_id, phase=FINALIZED):
        market.finalize(request_id, sender=requester)


def test_close__a_node_that_wins_again_accumulates_its_record(
    won: Callable[..., int], market: Any, bidders: list[Any]
) -> None:
    """Allocations and stakes add up over tasks (a mutant that toggled the allocation count
    survived the one-task tests); incentives wait for finalize."""
    won()
    won()
    assert market.reputationOf(bidders[0]) == (0, 2, 0, 2 * DEPOSIT)
    assert market.creditOf(bidders[0]) == 0


def test_finalize__honest_winner_is_refunded_despite_accusations(
    won: Callable[..., int],
    market: Any,
    requester: Any,
    bidders: list[Any],
    detectors: list[Any],
    chain: Any,
) -> None:
    request_id = won()
    market.submitResult(request_id, valid_nonce(), sender=bidders[0])
    report(market, chain, request_id, {detectors[0]: True})  # a false accusation
    past_window(market, chain, request_id)

    market.finalize(request_id, sender=requester)

    bond = int(market.DETECTOR_BOND())
    assert not market.getRequest(request_id).slashed
    # Nobody revealed "innocent": the accuser's bond goes to the accused.
    assert market.creditOf(bidders[0]) == INCENTIVE + DEPOSIT + bond
    assert market.reputationOf(bidders[0]) == (0, 1, INCENTIVE + DEPOSIT, DEPOSIT)
    with ape.reverts(market.NoReward, requestId=request_id, detector=detectors[0]):
        market.claimReward(request_id, sender=detectors[0])


def test_finalize__a_silent_committer_forfeits_its_bond_to_the_verdicts_side(
    won: Callable[..., int],
    market: Any,
    requester: Any,
    bidders: list[Any],
    detectors: list[Any],
    chain: Any,
) -> None:
    request_id = won()
    market.submitResult(request_id, valid_nonce(), sender=bidders[0])
    commit(market, request_id, detectors[2], True)  # commits, never reveals
    report(market, chain, request_id, {detectors[0]: False, detectors[1]: False})
    past_window(market, chain, request_id)

    market.finalize(request_id, sender=requester)

    bond = int(market.DETECTOR_BOND())
    for detector in detectors[:2]:
        market.claimReward(request_id, sender=detector)
        assert market.creditOf(detector) == bond + bond // 2
    with ape.reverts(market.NoReward, requestId=request_id, detector=detectors[2]):
        market.claimReward(request_id, sender=detectors[2])
    assert market.creditOf(bidders[0]) == INCENTIVE + DEPOSIT


def test_finalize__no_result_by_the_deadline_is_slashed(
    won: Callable[..., int], market: Any, requester: Any, bidders: list[Any], chain: Any
) -> None:
    request_id = won()
    with ape.reverts(market.WindowOpen, requestId=request_id):
        market.finalize(request_id, sender=requester)
    chain.mine(deltatime=MAX_DELAY_S)

    market.finalize(request_id, sender=requester)

    assert market.getRequest(request_id).slashed
    assert market.creditOf(requester) == INCENTIVE + DEPOSIT  # no detectors: all of it


@pytest.mark.parametrize(("guilty", "slashed"), [(1, False), (2, True)])
def test_finalize__quorum_of_verdicts(
    won: Callable[..., int],
    market: Any,
    requester: Any,
    bidders: list[Any],
    detectors: list[Any],
    chain: Any,
    guilty: int,
    slashed: bool,
) -> None:
    request_id = won("Quorum")
    market.submitResult(request_id, b"\x01" * 32, sender=bidders[0])
    report(market, chain, request_id, {d: i < guilty for i, d in enumerate(detectors)})
    past_window(market, chain, request_id)

    market.finalize(request_id, sender=requester)

    assert market.getRequest(request_id).slashed == slashed


def test_place_bid__a_slashed_node_is_not_eligible(
    won: Callable[..., int],
    post: Callable[..., int],
    market: Any,
    requester: Any,
    bidders: list[Any],
    chain: Any,
) -> None:
    request_id = won()
    chain.mine(deltatime=MAX_DELAY_S)
    market.finalize(request_id, sender=requester)  # no result: n/m = 1

    strict = post(max_ppm=PPM // 2)

    with ape.reverts(market.NotEligible, bidder=bidders[0], misbehaviourPpm=PPM, limit=PPM // 2):
        market.placeBid(strict, 10, 100, value=DEPOSIT, sender=bidders[0])


def test_withdraw__pays_once(
    post: Callable[..., int], market: Any, requester: Any, chain: Any
) -> None:
    request_id = post()
    chain.mine(deltatime=BIDDING_S + 1)
    market.closeBidding(request_id, sender=requester)  # no bids: the incentive back
    before = requester.balance

    tx = market.withdraw(sender=requester)

    assert tx.events == [market.Withdrawn(account=requester, amount=INCENTIVE)]
    assert requester.balance == before + INCENTIVE - tx.total_fees_paid
    with ape.reverts(market.NothingToWithdraw, account=requester):
        market.withdraw(sender=requester)


def test_withdraw__reentry_is_stopped_and_nothing_lost(
    project: Any, market: Any, verifiers: dict[str, Any], agent: Any, chain: Any
) -> None:
    attacker = project.ReentrantRequester.deploy(market, sender=agent)
    deadline = chain.pending_timestamp + BIDDING_S
    terms = (CHALLENGE, verifiers["Quorum"], deadline, 60, 60, INCENTIVE, PPM)
    attacker.post(terms, value=INCENTIVE, sender=agent)
    chain.mine(deltatime=BIDDING_S + 1)
    market.closeBidding(1, sender=agent)

    with ape.reverts(market.TransferFailed, account=attacker, amount=INCENTIVE):
        attacker.withdraw(sender=agent)

    assert market.creditOf(attacker) == INCENTIVE and market.balance == INCENTIVE


def test_bid_score__matches_python(market: Any) -> None:
    for cost, capability, ppm in [
        (1, 2**32 - 1, 0),
        (7, 100, 250_000),
        (3, 5, PPM),
        (9, 9, 2 * PPM),
    ]:
        assert market.bidScore(cost, capability, ppm) == bid_score(cost, capability, ppm)
    with ape.reverts(market.ZeroCost):
        market.bidScore(0, 1, 0)


def test_get_request__unknown_reverts(market: Any) -> None:
    with ape.reverts(market.UnknownRequest, requestId=5):
        market.getRequest(5)


def test_constructors__refuse_bad_parameters(project: Any, agent: Any) -> None:
    good = (5_000, ZERO_ADDRESS, 0, 10**17, 0, 0, 24, 86_400, 0)
    for field, value, what in (
        (0, 10_001, "compensation above 100%"),
        (3, 0, "detector bond outside 1..2^80"),
        (3, 2**80, "detector bond outside 1..2^80"),
        (6, 1, "windows: 2 <= minimum <= maximum"),
        (7, 23, "windows: 2 <= minimum <= maximum"),
    ):
        parameters = list(good)
        parameters[field] = value
        with ape.reverts(project.CollaborationMarket.InvalidTerms, what=what):
            project.CollaborationMarket.deploy(tuple(parameters), sender=agent)
    for bits in (0, 65):
        with ape.reverts(project.ProofOfWorkVerifier.InvalidDifficulty, bits=bits):
            project.ProofOfWorkVerifier.deploy(bits, sender=agent)
    with ape.reverts(project.QuorumVerifier.ZeroQuorum):
        project.QuorumVerifier.deploy(0, sender=agent)


def test_verifiers__names_and_rules(verifiers: dict[str, Any]) -> None:
    pow_verifier, quorum = verifiers["ProofOfWork"], verifiers["Quorum"]
    assert (pow_verifier.name(), quorum.name()) == ("ProofOfWork", "Quorum")
    nonce = valid_nonce()
    assert not pow_verifier.misbehaved(CHALLENGE, nonce, 3, 3)  # a valid nonce stands
    assert not pow_verifier.misbehaved(CHALLENGE, wrong_nonce(verifiers), 0, 0)  # no reveal yet
    assert pow_verifier.misbehaved(CHALLENGE, wrong_nonce(verifiers), 0, 1)  # any reveal
    # At least QUORUM (2) guilty, and more than half of the reveals.
    assert [
        quorum.misbehaved(CHALLENGE, nonce, guilty, revealed)
        for guilty, revealed in ((1, 1), (1, 3), (2, 2), (2, 3), (2, 4), (3, 5))
    ] == [False, False, True, True, False, True]
