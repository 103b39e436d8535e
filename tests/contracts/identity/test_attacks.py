"""The attack review's findings (THREAT_MODEL.md), each performed against `deploy_all` as the
review described it, adding only what honest parties must now provide (a detector's bond, a
listed verifier). Each asserts that the attacker gains nothing: the custom error, or the honest
party's balance and score untouched; a finding judged acceptable pins its bounded outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_utils import keccak, to_checksum_address

from edgeledger.blockedge.market import new_salt, non_solution, report_commitment, solve
from edgeledger.deploy import Deployment
from edgeledger.ethereum import ETHER
from edgeledger.fresco.reputation import Report

INCENTIVE, DEPOSIT = ETHER, 10 * ETHER
BIDDING_S, MAX_DELAY_S, WINDOW_S = 60, 120, 60
CHALLENGE = keccak(b"edgeledger attack review")
BITS = 12  # DeployParameters.pow_difficulty_bits
PARTIES = {"winner": 10, "requester": 11, "honest": 12, "honest_2": 13, "colluder": 14}
PARTIES |= {"colluder_2": 15}
FRESH = 16  # an address that is nobody: never admitted anywhere


@pytest.fixture
def people(edge: Deployment, agent: Any, accounts: Any) -> dict[str, Any]:
    """Edge nodes of the reputation manager (each may bid, request, detect), and a fresh
    address that is nobody."""
    found = {name: accounts[i] for name, i in PARTIES.items()}
    for account in found.values():
        edge.reputation.registerNode(account, sender=agent)
    return found | {"fresh": accounts[FRESH]}


def score(edge: Deployment, node: Any) -> int:
    return int(edge.reputation.getReputationScore(node))


def raise_score(edge: Deployment, reporter: Any, node: Any) -> None:
    """Twenty quick successes from an honest reporter: the node's score ends near the top."""
    reputation = edge.reputation
    index, first = int(reputation.getNodeIndex(node)), int(reputation.lastTaskId(reporter)) + 1
    words = [Report(index, first + i, 0, 1_000, True).packed() for i in range(20)]
    reputation.updateNodeReputation(words, sender=reporter)
    assert score(edge, node) > 900


def post(
    edge: Deployment, chain: Any, requester: Any, verifier: Any = "Quorum", **terms: Any
) -> int:
    values = {
        "task": CHALLENGE,
        "verifier": edge.verifiers[verifier] if isinstance(verifier, str) else verifier,
        "deadline": chain.pending_timestamp + BIDDING_S,
        "delay": MAX_DELAY_S,
        "window": WINDOW_S,
        "deposit": DEPOSIT,
        "ppm": 1_000_000,
    } | terms
    incentive = values.pop("incentive", INCENTIVE)
    tx = edge.market.postRequest(tuple(values.values()), value=incentive, sender=requester)
    return int(tx.events[0].requestId)


def won(edge: Deployment, chain: Any, requester: Any, winner: Any, **terms: Any) -> int:
    """A request `winner` won alone; its result, a valid proof of work, is in."""
    request_id = post(edge, chain, requester, **terms)
    edge.market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=winner)
    chain.mine(deltatime=BIDDING_S + 1)
    edge.market.closeBidding(request_id, sender=winner)
    nonce = solve(CHALLENGE, BITS)[0].to_bytes(32, "big")
    edge.market.submitResult(request_id, nonce, sender=winner)
    return request_id


def caught_cheating(edge: Deployment, chain: Any, people: dict[str, Any]) -> int:
    """A proof-of-work request whose winner submitted a wrong nonce and an honest detector
    revealed "guilty"; the window is still open."""
    market, winner = edge.market, people["winner"]
    request_id = post(edge, chain, people["requester"], verifier="ProofOfWork")
    market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=winner)
    chain.mine(deltatime=BIDDING_S + 1)
    market.closeBidding(request_id, sender=winner)
    wrong = non_solution(CHALLENGE, BITS).to_bytes(32, "big")
    market.submitResult(request_id, wrong, sender=winner)
    salt = commit(edge, request_id, people["honest"], True)
    to_reveals(edge, chain, request_id)
    market.revealReport(request_id, True, salt, sender=people["honest"])
    return request_id


def commit(edge: Deployment, request_id: int, detector: Any, guilty: bool) -> bytes:
    salt = new_salt()
    commitment = report_commitment(request_id, detector.address, guilty, salt)
    bond = int(edge.market.DETECTOR_BOND())
    edge.market.commitReport(request_id, commitment, value=bond, sender=detector)
    return salt


def to_reveals(edge: Deployment, chain: Any, request_id: int) -> None:
    chain.mine(timestamp=int(edge.market.getRequest(request_id).revealFrom))


def past_window(edge: Deployment, chain: Any, request_id: int) -> None:
    chain.mine(timestamp=int(edge.market.getRequest(request_id).verifyUntil) + 1)


# ---------------------------------------------------------------- High: a bought verdict


def test_quorum__the_requester_and_fresh_addresses_cannot_report(
    edge: Deployment, chain: Any, people: dict[str, Any], accounts: Any
) -> None:
    """The review's attack: the requester plus one fresh address reveal "guilty" (k = 2) and
    take the honest winner's whole deposit. Now neither may report at all."""
    market, winner = edge.market, people["winner"]
    request_id = won(edge, chain, people["requester"], winner)
    bond = int(market.DETECTOR_BOND())
    commitment = report_commitment(request_id, people["requester"].address, True, new_salt())
    with ape.reverts(market.RequesterCannotReport, requestId=request_id):
        market.commitReport(request_id, commitment, value=bond, sender=people["requester"])
    for outsider in (people["fresh"], accounts[17]):
        commitment = report_commitment(request_id, outsider.address, True, new_salt())
        with ape.reverts(market.NotEligibleDetector, detector=outsider):
            market.commitReport(request_id, commitment, value=bond, sender=outsider)
    before = score(edge, winner)

    past_window(edge, chain, request_id)
    tx = market.finalize(request_id, sender=people["requester"])

    assert not tx.events[0].slashed
    assert market.creditOf(winner) == DEPOSIT + INCENTIVE
    assert score(edge, winner) >= before


def test_quorum__admitted_colluders_need_a_majority_and_lose_their_bonds_without_one(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    """Two admitted nodes collude ("guilty") against two honest detectors ("innocent"): no
    majority, no slash, and the colluders' bonds go to the honest detectors."""
    market = edge.market
    request_id = won(edge, chain, people["requester"], people["winner"])
    verdicts = {"colluder": True, "colluder_2": True, "honest": False, "honest_2": False}
    salts = {
        name: commit(edge, request_id, people[name], guilty) for name, guilty in verdicts.items()
    }
    to_reveals(edge, chain, request_id)
    for name, guilty in verdicts.items():
        market.revealReport(request_id, guilty, salts[name], sender=people[name])
    past_window(edge, chain, request_id)

    tx = market.finalize(request_id, sender=people["requester"])

    bond = int(market.DETECTOR_BOND())
    assert not tx.events[0].slashed
    assert market.creditOf(people["winner"]) == DEPOSIT + INCENTIVE
    for name in ("honest", "honest_2"):
        market.claimReward(request_id, sender=people[name])
        assert market.creditOf(people[name]) == 2 * bond  # its bond and a colluder's
    for name in ("colluder", "colluder_2"):
        with ape.reverts(market.NoReward):
            market.claimReward(request_id, sender=people[name])


# ---------------------------------------------------------------- Medium: the verifier


def test_verifier__a_requester_cannot_name_one_the_admin_did_not_list(
    edge: Deployment, chain: Any, project: Any, people: dict[str, Any], agent: Any
) -> None:
    hostile = project.HostileVerifier.deploy(sender=people["requester"])
    with ape.reverts(edge.market.VerifierNotListed, verifier=hostile):
        post(edge, chain, people["requester"], verifier=hostile)
    edge.market.listVerifier(hostile, sender=agent)
    edge.market.delistVerifier(hostile, sender=agent)
    with ape.reverts(edge.market.VerifierNotListed, verifier=hostile):
        post(edge, chain, people["requester"], verifier=hostile)


# reverts, burns its gas, answers nothing, answers 100 KB (of zeros: "not proved")
@pytest.mark.parametrize("mode", [2, 3, 4, 5])
def test_verifier__one_that_fails_after_bids_close_neither_slashes_nor_locks(
    edge: Deployment, chain: Any, project: Any, people: dict[str, Any], agent: Any, mode: int
) -> None:
    """Even a listed verifier that turns hostile cannot freeze finalize: nothing is proved,
    the honest winner is paid."""
    hostile = project.HostileVerifier.deploy(sender=agent)
    edge.market.listVerifier(hostile, sender=agent)
    request_id = won(edge, chain, people["requester"], people["winner"], verifier=hostile)
    hostile.setMode(mode, sender=agent)
    past_window(edge, chain, request_id)

    tx = edge.market.finalize(request_id, sender=people["requester"])

    failed = [log.event_name for log in tx.events].count("VerifierFailed")
    assert failed == (mode != 5)
    assert not edge.market.getRequest(request_id).slashed
    assert edge.market.creditOf(people["winner"]) == DEPOSIT + INCENTIVE


def test_finalize__too_little_gas_for_the_verifier_reverts_instead_of_skipping_it(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    """A cheating winner would send finalize with just enough gas for the verifier's call to
    run out (EIP-150): the budget guard refuses the whole transaction instead."""
    market = edge.market
    request_id = caught_cheating(edge, chain, people)
    past_window(edge, chain, request_id)

    with ape.reverts(market.GasBelowBudget):
        market.finalize(request_id, sender=people["winner"], gas=90_000)
    assert market.getRequest(request_id).phase == 3  # still Verifying

    assert market.finalize(request_id, sender=people["winner"]).events[0].slashed


# ---------------------------------------------------------------- Medium: late commits


def test_commit__refused_once_the_reveals_have_begun(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    """A lazy detector waits for the first reveal to copy its verdict: too late."""
    market = edge.market
    request_id = won(edge, chain, people["requester"], people["winner"])
    salt = commit(edge, request_id, people["honest"], False)
    to_reveals(edge, chain, request_id)
    market.revealReport(request_id, False, salt, sender=people["honest"])
    reveal_from = int(market.getRequest(request_id).revealFrom)
    with ape.reverts(market.CommitPhaseOver, requestId=request_id, revealFrom=reveal_from):
        commit(edge, request_id, people["colluder"], False)


def test_reveal__refused_before_the_reveal_phase(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    market = edge.market
    request_id = won(edge, chain, people["requester"], people["winner"])
    salt = commit(edge, request_id, people["honest"], False)
    chain.mine()
    reveal_from = int(market.getRequest(request_id).revealFrom)
    with ape.reverts(market.RevealPhaseNotOpen, requestId=request_id, revealFrom=reveal_from):
        market.revealReport(request_id, False, salt, sender=people["honest"])


# ---------------------------------------------------------------- Medium: leaving


def test_leaving__a_winner_about_to_be_slashed_still_gets_its_failure(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    winner = people["winner"]
    request_id = caught_cheating(edge, chain, people)
    before = score(edge, winner)
    edge.reputation.unregisterNode(winner, sender=winner)  # leaves before the verdict
    past_window(edge, chain, request_id)

    edge.market.finalize(request_id, sender=people["requester"])

    assert score(edge, winner) < before


def test_leaving__a_dmec_server_that_left_still_gets_its_timeout(
    edge: Deployment, edge_world: dict[str, Any], chain: Any
) -> None:
    registry, big = edge.registry, edge_world["big"]
    tx = registry.submitTask(edge_world["devices"][0], 20, 600, 0, sender=edge_world["drone"])
    task_id, server = int(tx.events[0].taskId), str(tx.events[0].server)
    assert server == big.address
    edge.reputation.unregisterNode(big, sender=big)
    before = score(edge, big)
    chain.mine(deltatime=61)

    registry.abandonTask(task_id, sender=edge_world["drone"])

    assert score(edge, big) < before


@pytest.mark.parametrize("revoked_after_s", [10, 70])
def test_revocation__a_task_taken_away_before_its_deadline_is_no_failure_even_if_moved_late(
    edge: Deployment, edge_world: dict[str, Any], agent: Any, chain: Any, revoked_after_s: int
) -> None:
    """Found by the forge unit tests: the agent revokes the assigned server 10 s into the
    task's 60 s, its hub moves the task only after the deadline; the server could not answer
    after its revocation, so it did not fail. Revoked after the deadline (70 s), it had."""
    registry, big, drone = edge.registry, edge_world["big"], edge_world["drone"]
    tx = registry.submitTask(edge_world["devices"][0], 20, 600, 0, sender=drone)
    task_id, assigned_at = int(tx.events[0].taskId), int(tx.timestamp)
    assert str(tx.events[0].server) == big.address
    before = score(edge, big)
    chain.mine(timestamp=assigned_at + revoked_after_s)
    registry.revokeServer(big, sender=agent)
    chain.mine(timestamp=assigned_at + 75)

    registry.reassignTask(task_id, sender=drone)

    assert (score(edge, big) < before) == (revoked_after_s > 60)


# ---------------------------------------------------------------- Medium: dealing with oneself


def test_self_dealing__a_servers_own_drone_and_devices_raise_no_score(
    edge: Deployment, edge_world: dict[str, Any], accounts: Any
) -> None:
    """The review's attack: a server authorizes its own drone, which registers made-up
    devices next to it; the server answers its own tasks at once (58 -> 972 in 10 tasks)."""
    registry, big = edge.registry, edge_world["big"]
    own_drone = accounts[18]
    registry.registerDrone(own_drone, 100, 0, sender=big)  # right next to itself
    devices = [f"0x{0xD0 + i:040x}" for i in range(10)]
    before = score(edge, big)
    for device in devices:
        registry.registerDevice(device, sender=own_drone)
        registry.addOffloadingPolicy(device, 2, sender=own_drone)  # Nearest
        tx = registry.submitTask(device, 1, 1, 0, sender=own_drone)
        assert tx.events[0].server == big.address
        answer = registry.submitResult(int(tx.events[0].taskId), b"\x01" * 32, sender=big)
        assert [e.event_name for e in answer.events][-1] == "OutcomeIgnored"
    assert score(edge, big) == before


def test_self_dealing__a_device_cannot_change_hubs_mid_task_to_launder_the_party(
    edge: Deployment, edge_world: dict[str, Any], accounts: Any
) -> None:
    """Found by an independent review after the first fix: the server's own drone handed each
    made-up device to an honest server's drone before answering, so the outcome's party was
    that honest server (0 -> 981 in one period). A device keeps its hub while a task is out."""
    registry, big = edge.registry, edge_world["big"]
    own_drone = accounts[18]
    registry.registerDrone(own_drone, 100, 0, sender=big)
    device = to_checksum_address(f"0x{0xD5:040x}")
    registry.registerDevice(device, sender=own_drone)
    registry.addOffloadingPolicy(device, 2, sender=own_drone)
    task_id = int(registry.submitTask(device, 1, 1, 0, sender=own_drone).events[0].taskId)
    with ape.reverts(registry.TaskOutstanding, device=device, taskId=task_id):
        registry.addDroneToDevice(device, edge_world["drone"], sender=own_drone)
    before = score(edge, big)
    answer = registry.submitResult(task_id, b"\x01" * 32, sender=big)
    assert [e.event_name for e in answer.events][-1] == "OutcomeIgnored"
    assert score(edge, big) == before
    registry.addDroneToDevice(device, edge_world["drone"], sender=own_drone)  # between tasks


def test_self_dealing__a_node_cannot_win_its_own_request_nor_score_through_a_fresh_one(
    edge: Deployment, chain: Any, people: dict[str, Any], agent: Any
) -> None:
    """A node posts its own requests and wins them (500 -> 984 in 10 rounds). It cannot bid
    on its own; through a fresh address that is no node, the round counts for nothing."""
    market, node = edge.market, people["winner"]
    request_id = post(edge, chain, node)
    with ape.reverts(market.RequesterCannotBid, requestId=request_id):
        market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=node)

    before = score(edge, node)
    request_id = won(edge, chain, people["fresh"], node, verifier="ProofOfWork")
    past_window(edge, chain, request_id)
    tx = market.finalize(request_id, sender=node)
    assert [e.event_name for e in tx.events][-1] == "OutcomeIgnored"
    assert score(edge, node) == before


def test_self_dealing__a_round_below_the_scored_stakes_moves_no_score(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    """Two colluding nodes trade tiny rounds: 1 wei incentive and deposit count for nothing."""
    market, node = edge.market, people["winner"]
    before = score(edge, node)
    request_id = post(
        edge, chain, people["colluder"], verifier="ProofOfWork", incentive=1, deposit=1
    )
    market.placeBid(request_id, 10, 100, value=1, sender=node)
    chain.mine(deltatime=BIDDING_S + 1)
    market.closeBidding(request_id, sender=node)
    market.submitResult(request_id, solve(CHALLENGE, BITS)[0].to_bytes(32, "big"), sender=node)
    past_window(edge, chain, request_id)
    tx = market.finalize(request_id, sender=node)
    assert "OutcomeRecorded" not in [e.event_name for e in tx.events]
    assert score(edge, node) == before


def test_self_dealing__a_competitors_drone_moves_a_victim_by_at_most_the_bound_a_day(
    edge: Deployment, edge_world: dict[str, Any], chain: Any, accounts: Any, reporter: Any
) -> None:
    """The reverse: a competitor's drone steers tasks onto a victim and lets them time out.
    Its party (the competitor) moves the victim's score by at most MAX_INFLUENCE a day."""
    registry, victim, competitor = edge.registry, edge_world["big"], edge_world["medium"]
    bound = int(edge.reputation.MAX_INFLUENCE())
    raise_score(edge, reporter, victim)
    steering_drone = accounts[18]
    registry.registerDrone(steering_drone, 100, 0, sender=competitor)
    before = score(edge, victim)
    for i in range(12):
        device = f"0x{0xE0 + i:040x}"
        registry.registerDevice(device, sender=steering_drone)
        registry.addOffloadingPolicy(device, 2, sender=steering_drone)
        task_id = int(registry.submitTask(device, 1, 1, 0, sender=steering_drone).events[0].taskId)
        chain.mine(deltatime=61)
        registry.abandonTask(task_id, sender=steering_drone)
    assert score(edge, victim) == before - bound
    assert int(edge.reputation.influenceOf(competitor, victim)) == -bound


# ---------------------------------------------------------------- Medium: one reporter


def test_one_reporter__cannot_zero_a_node_in_a_day(
    edge: Deployment, people: dict[str, Any], reporter: Any, chain: Any, agent: Any, accounts: Any
) -> None:
    """A batch of 256 failure reports, all about one well-scored node: it loses MAX_INFLUENCE,
    no more, this period; the next period another MAX_INFLUENCE at most."""
    reputation, victim = edge.reputation, people["winner"]
    attacker = accounts[17]
    reputation.grantRole(reputation.REPORTER_ROLE(), attacker, sender=agent)
    raise_score(edge, reporter, victim)
    bound = int(reputation.MAX_INFLUENCE())
    index = int(reputation.getNodeIndex(victim))
    before = score(edge, victim)

    def failures(first: int) -> list[int]:
        return [Report(index, first + i, 0, 1, False).packed() for i in range(256)]

    reputation.updateNodeReputation(failures(1), sender=attacker)
    assert score(edge, victim) == before - bound
    chain.mine(deltatime=int(reputation.INFLUENCE_PERIOD_S()))
    reputation.updateNodeReputation(failures(257), sender=attacker)
    assert score(edge, victim) == 0


# ---------------------------------------------------------------- Low


def test_record__rounds_below_the_scored_stakes_cannot_wash_a_misbehaviour_ratio(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    """Found by an independent review after the first fix: a slashed node won 1-wei rounds
    from a fresh address (nobody stakes a bond to check a 1-wei result) to dilute its n/m
    from 50% to 9%. Only rounds at the scored stakes count in the record."""
    market, node, fresh = edge.market, people["winner"], people["fresh"]
    # A requester that is no node: the rounds cost the node no score, so it may still bid.
    honest = won(edge, chain, fresh, node, verifier="ProofOfWork")
    past_window(edge, chain, honest)
    market.finalize(honest, sender=fresh)
    request_id = post(edge, chain, fresh, verifier="ProofOfWork")
    market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=node)
    chain.mine(deltatime=BIDDING_S + 1)
    market.closeBidding(request_id, sender=node)
    chain.mine(deltatime=MAX_DELAY_S + 1)
    market.finalize(request_id, sender=fresh)  # no result: slashed
    record = market.reputationOf(node)
    assert (record.misbehaviours, record.allocated) == (1, 2)

    for _ in range(3):
        tiny = won(edge, chain, fresh, node, incentive=1, deposit=1)
        past_window(edge, chain, tiny)
        market.finalize(tiny, sender=node)

    assert market.reputationOf(node) == record
    assert market.misbehaviourPpm(node) == 500_000


def test_terms__deadlines_and_windows_are_bounded(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    """A window beyond the maximum term wrapped verifyUntil (uint32) and froze finalize; a
    window shorter than two blocks made commit-then-reveal impossible; a deposit below the
    incentive let a winner walk away with it."""
    market, requester = edge.market, people["requester"]
    term = int(market.MAX_TERM_S())
    shortest = int(market.MIN_WINDOW_S())
    for terms in (
        {"window": term + 1},
        {"window": shortest - 1},
        {"delay": term + 1},
        {"delay": 0},
        {"deadline": chain.pending_timestamp + term + 10},
        {"deposit": INCENTIVE - 1},
    ):
        with ape.reverts(market.InvalidTerms):
            post(edge, chain, requester, **terms)


def test_terms__the_incentive_waits_for_a_verified_result(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    """The winner was credited the incentive when bidding closed and could withdraw it before
    any work; now it is paid at finalize, and a winner with no result gets nothing."""
    market, winner = edge.market, people["winner"]
    request_id = post(edge, chain, people["requester"], verifier="ProofOfWork")
    market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=winner)
    chain.mine(deltatime=BIDDING_S + 1)
    market.closeBidding(request_id, sender=winner)
    assert market.creditOf(winner) == 0
    chain.mine(deltatime=MAX_DELAY_S + 1)  # no result

    market.finalize(request_id, sender=people["requester"])

    assert market.creditOf(winner) == 0
    assert market.creditOf(people["requester"]) == INCENTIVE + DEPOSIT


def test_bid_score__a_self_declared_capability_is_staked_not_trusted(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    """Accepted (Low): cost and capability are claims. The biggest claim wins, and a winner
    that cannot deliver loses its deposit, at least the incentive, to the requester."""
    market = edge.market
    request_id = post(edge, chain, people["requester"], verifier="ProofOfWork")
    market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=people["honest"])
    market.placeBid(request_id, 1, 2**32 - 1, value=DEPOSIT, sender=people["colluder"])
    chain.mine(deltatime=BIDDING_S + 1)
    market.closeBidding(request_id, sender=people["requester"])
    assert market.getRequest(request_id).winner == people["colluder"].address
    chain.mine(deltatime=MAX_DELAY_S + 1)
    market.finalize(request_id, sender=people["requester"])
    assert market.creditOf(people["requester"]) == INCENTIVE + DEPOSIT
    assert market.misbehaviourPpm(people["colluder"]) == 1_000_000


def test_sybil_bids__each_must_stake_the_minimum_and_be_a_node(
    edge: Deployment, chain: Any, people: dict[str, Any]
) -> None:
    """Accepted (Low): 64 bids fill a request. Zero-deposit Sybils filled it for free; now each
    bid stakes at least the incentive and only a node may bid."""
    market = edge.market
    request_id = post(edge, chain, people["requester"], verifier="ProofOfWork")
    with ape.reverts(market.DepositTooSmall):
        market.placeBid(request_id, 10, 100, value=0, sender=people["honest"])
    with ape.reverts(market.NotReputationNode, bidder=people["fresh"]):
        market.placeBid(request_id, 10, 100, value=DEPOSIT, sender=people["fresh"])


def test_revoked_hub__its_task_can_still_be_closed_and_its_device_rehomed(
    edge: Deployment, edge_world: dict[str, Any], agent: Any, chain: Any, accounts: Any
) -> None:
    """Found by an independent review: a hub revoked mid-task (by its server, or with it)
    froze its outstanding task and orphaned its device. Anyone may now close such a task
    once it timed out (no outcome: nobody with a stake relayed it any more), and the agent
    gives the device a new hub."""
    registry, drone, device = edge.registry, edge_world["drone"], edge_world["devices"][0]
    task_id = int(registry.submitTask(device, 20, 600, 0, sender=drone).events[0].taskId)
    registry.revokeDrone(drone, sender=edge_world["small"])
    anyone = accounts[19]
    with ape.reverts(registry.TaskNotTimedOut, taskId=task_id):
        registry.abandonTask(task_id, sender=anyone)
    chain.mine(deltatime=61)
    tx = registry.abandonTask(task_id, sender=anyone)
    assert [e.event_name for e in tx.events] == ["TaskAbandoned"]

    new_hub = accounts[18]
    registry.registerDrone(new_hub, 0, 0, sender=edge_world["medium"])
    with ape.reverts(registry.DroneNotActive, drone=anyone):
        registry.addDroneToDevice(device, new_hub, sender=anyone)
    registry.addDroneToDevice(device, new_hub, sender=agent)
    registry.submitTask(device, 20, 600, 0, sender=new_hub)


def test_a_sole_silent_server__abandon_frees_the_device(
    edge: Deployment, edge_world: dict[str, Any], agent: Any, chain: Any
) -> None:
    registry, drone, device = edge.registry, edge_world["drone"], edge_world["devices"][0]
    for server in ("medium", "big"):
        registry.revokeServer(edge_world[server], sender=agent)
    # Only `small`, the drone's own operator, is left: a reassignment has nowhere to go.
    task_id = int(registry.submitTask(device, 1, 1, 0, sender=drone).events[0].taskId)
    chain.mine(deltatime=61)
    with ape.reverts(registry.NoServerAvailable):
        registry.reassignTask(task_id, sender=drone)

    tx = registry.abandonTask(task_id, sender=drone)

    assert tx.events[0].event_name == "TaskAbandoned"
    assert registry.getTaskInfo(task_id).state == 3  # Abandoned
    registry.submitTask(device, 1, 1, 0, sender=drone)  # the device is free again


# ---------------------------------------------------------------- Info


def test_revocation__cascades_to_the_servers_drones_and_its_answers(
    edge: Deployment, edge_world: dict[str, Any], agent: Any, chain: Any
) -> None:
    registry, drone = edge.registry, edge_world["drone"]
    task_id = int(
        registry.submitTask(edge_world["devices"][0], 20, 600, 0, sender=drone).events[0].taskId
    )
    big = edge_world["big"]
    registry.revokeServer(big, sender=agent)
    with ape.reverts(registry.ServerNotActive, server=big):
        registry.submitResult(task_id, b"\x01" * 32, sender=big)  # taken away from it
    registry.revokeServer(edge_world["small"], sender=agent)  # the drone's operator
    with ape.reverts(registry.DroneNotActive, drone=drone):
        registry.submitTask(edge_world["devices"][1], 20, 600, 0, sender=drone)


def test_admin__taking_the_outcome_role_away_freezes_nothing(
    edge: Deployment, edge_world: dict[str, Any], people: dict[str, Any], agent: Any, chain: Any
) -> None:
    reputation, role = edge.reputation, edge.reputation.OUTCOME_SOURCE_ROLE()
    reputation.revokeRole(role, edge.market, sender=agent)
    reputation.revokeRole(role, edge.registry, sender=agent)
    request_id = won(edge, chain, people["requester"], people["winner"])
    past_window(edge, chain, request_id)
    tx = edge.market.finalize(request_id, sender=people["requester"])
    assert "OutcomeNotRecorded" in [e.event_name for e in tx.events]
    assert edge.market.creditOf(people["winner"]) == DEPOSIT + INCENTIVE

    registry = edge.registry
    tx = registry.submitTask(edge_world["devices"][0], 20, 600, 0, sender=edge_world["drone"])
    answer = registry.submitResult(int(tx.events[0].taskId), b"\x01" * 32, sender=edge_world["big"])
    assert "OutcomeNotRecorded" in [e.event_name for e in answer.events]


@pytest.mark.parametrize("contract", ["registry", "reputation", "market"])
def test_admin__a_handover_takes_two_steps_and_the_delay(
    edge: Deployment, agent: Any, accounts: Any, chain: Any, contract: str
) -> None:
    target, successor = getattr(edge, contract), accounts[19]
    admin_role = target.DEFAULT_ADMIN_ROLE()
    with ape.reverts(target.AccessControlEnforcedDefaultAdminRules):
        target.grantRole(admin_role, successor, sender=agent)
    target.beginDefaultAdminTransfer(successor, sender=agent)
    with ape.reverts(target.AccessControlEnforcedDefaultAdminDelay):
        target.acceptDefaultAdminTransfer(sender=successor)
    chain.mine(deltatime=int(target.defaultAdminDelay()) + 1)
    target.acceptDefaultAdminTransfer(sender=successor)
    assert target.defaultAdmin() == successor.address
    assert not target.hasRole(admin_role, agent)


def test_pause__stops_new_work_never_settlement_claims_or_withdrawals(
    edge: Deployment, edge_world: dict[str, Any], people: dict[str, Any], agent: Any, chain: Any
) -> None:
    market, registry = edge.market, edge.registry
    request_id = won(edge, chain, people["requester"], people["winner"])
    drone, device = edge_world["drone"], edge_world["devices"][0]
    task_id = int(registry.submitTask(device, 20, 600, 0, sender=drone).events[0].taskId)
    market.pause(sender=agent)
    registry.pause(sender=agent)

    with ape.reverts(market.EnforcedPause):
        post(edge, chain, people["requester"])
    with ape.reverts(registry.EnforcedPause):
        registry.submitTask(edge_world["devices"][1], 20, 600, 0, sender=drone)
    registry.submitResult(task_id, b"\x01" * 32, sender=edge_world["big"])
    past_window(edge, chain, request_id)
    market.finalize(request_id, sender=people["requester"])
    market.withdraw(sender=people["winner"])
    assert market.creditOf(people["winner"]) == 0


def test_roles__only_their_holders_list_verifiers_and_pause(
    edge: Deployment, people: dict[str, Any]
) -> None:
    market, registry, outsider = edge.market, edge.registry, people["fresh"]
    calls: list[tuple[Any, Callable[[], Any]]] = [
        (market, lambda: market.listVerifier(edge.verifiers["Quorum"], sender=outsider)),
        (market, lambda: market.delistVerifier(edge.verifiers["Quorum"], sender=outsider)),
        (market, lambda: market.pause(sender=outsider)),
        (registry, lambda: registry.pause(sender=outsider)),
    ]
    for contract, call in calls:
        with ape.reverts(contract.AccessControlUnauthorizedAccount, account=outsider):
            call()
