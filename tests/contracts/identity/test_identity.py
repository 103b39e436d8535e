"""One edge, one identity: DMEC and market outcomes feed the reputation the others read."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeledger.blockedge.market import PPM, new_salt, non_solution, report_commitment, solve
from edgeledger.deploy import REPUTATION_AWARE_POLICY_ID, Deployment, admit_edge_server
from edgeledger.dmec.policies import Policy, Server, TaskPlacement, reputation_aware, select
from edgeledger.ethereum import ETHER
from edgeledger.fresco.reputation import (
    MAX_TASK_ID,
    Report,
    ScoreParameters,
    incentive,
    next_score,
    replay_scores,
)

TIMEOUT_S = 60  # DeployParameters.task_timeout_s
DIGEST = b"\x22" * 32
WEIGHT = ScoreParameters().weight
MIN_SCORE = 400  # DeployParameters.min_trusted_score
# Little data, much computation: DelayAware takes its MCC branch.
DATA_KB, COMPUTE_MEGACYCLES = 20, 600


def score(edge: Deployment, node: Any) -> int:
    return int(edge.reputation.getReputationScore(node))


def outcomes(edge: Deployment, tx: Any) -> list[Any]:
    return [log for log in tx.events if log.event_name == "OutcomeRecorded"]


def submit(edge: Deployment, world: dict[str, Any], device: Any | None = None) -> tuple[int, str]:
    """One task of `device` (the first by default); returns its id and assigned server."""
    tx = edge.registry.submitTask(
        device or world["devices"][0], DATA_KB, COMPUTE_MEGACYCLES, 0, sender=world["drone"]
    )
    log = tx.events[0]
    return int(log.taskId), str(log.server)


def registry_servers(edge: Deployment) -> list[Server]:
    """The candidates in the order the registry hands them to policies."""
    return [Server(s.account, s.x, s.y, s.capacityMcps) for s in edge.registry.getServers()]


def fail_reports(edge: Deployment, reporter: Any, failures: dict[Any, int]) -> None:
    """Failure reports from a FRESCO reporter: `failures[node]` each."""
    first = int(edge.reputation.lastTaskId(reporter)) + 1
    nodes = [node for node, count in failures.items() for _ in range(count)]
    words = [
        Report(int(edge.reputation.getNodeIndex(node)), first + i, 0, 1, False).packed()
        for i, node in enumerate(nodes)
    ]
    edge.reputation.updateNodeReputation(words, sender=reporter)


# ---------------------------------------------------------------- wiring and roles


def test_deploy_all__wires_one_identity(edge: Deployment, agent: Any) -> None:
    reputation = edge.reputation
    assert edge.registry.REPUTATION() == reputation.address
    assert edge.market.REPUTATION() == reputation.address
    assert edge.market.MIN_BID_SCORE() == MIN_SCORE
    role = reputation.OUTCOME_SOURCE_ROLE()
    assert reputation.hasRole(role, edge.registry)
    assert reputation.hasRole(role, edge.market)
    assert not reputation.hasRole(role, agent)
    policy = edge.reputation_aware_policy
    assert edge.registry.getPolicy(REPUTATION_AWARE_POLICY_ID) == policy.address
    assert policy.name() == "ReputationAware"
    assert policy.INNER() == edge.policies[Policy.DELAY_AWARE].address
    assert (policy.REPUTATION(), policy.MIN_SCORE()) == (reputation.address, MIN_SCORE)


@pytest.mark.parametrize("caller", ["outsider", "reporter", "agent", "server"])
def test_record_outcome__refused_from_every_account(
    edge: Deployment, edge_world: dict[str, Any], request: Any, caller: str
) -> None:
    """Only the contracts that close outcomes may feed them: not an outsider, not a batch
    reporter, not the admin, not the server itself."""
    account = request.getfixturevalue(caller)
    before = score(edge, edge_world["big"])
    with ape.reverts(edge.reputation.AccessControlUnauthorizedAccount, account=account):
        edge.reputation.recordOutcome(
            edge_world["big"], edge_world["small"], 1, 0, 60, True, sender=account
        )
    assert score(edge, edge_world["big"]) == before


def test_register_server__only_an_active_reputation_node(
    edge: Deployment, agent: Any, accounts: Any
) -> None:
    newcomer = accounts[17]
    with ape.reverts(edge.registry.ServerNotReputationNode, server=newcomer):
        edge.registry.registerServer(newcomer, 0, 0, 1_000, sender=agent)
    edge.reputation.registerNode(newcomer, sender=agent)
    edge.reputation.unregisterNode(newcomer, sender=newcomer)
    with ape.reverts(edge.registry.ServerNotReputationNode, server=newcomer):
        edge.registry.registerServer(newcomer, 0, 0, 1_000, sender=agent)
    admit_edge_server(edge, agent, accounts[18], 0, 0, 1_000)
    assert edge.registry.getServerInfo(accounts[18]).membership == 1


def test_constructors__a_wired_registry_needs_a_timeout(
    project: Any, edge: Deployment, agent: Any
) -> None:
    policies = [edge.policies[p].address for p in Policy]
    with ape.reverts(project.DroneMecRegistry.ZeroTaskTimeout):
        project.DroneMecRegistry.deploy(0, policies, edge.reputation, 0, sender=agent)
    with ape.reverts(project.ReputationAwarePolicy.ZeroAddress):
        project.ReputationAwarePolicy.deploy(
            edge.reputation, ape.utils.ZERO_ADDRESS, MIN_SCORE, sender=agent
        )


def test_standing_of__never_reverts(edge: Deployment, edge_world: dict[str, Any], outsider: Any):
    big = edge_world["big"]
    assert tuple(edge.reputation.standingOf(outsider)) == (0, 0)
    assert tuple(edge.reputation.standingOf(big)) == (1, 500)
    assert (edge.reputation.isRegistered(outsider), edge.reputation.isRegistered(big)) == (
        False,
        True,
    )
    edge.reputation.unregisterNode(big, sender=big)
    assert tuple(edge.reputation.standingOf(big)) == (2, 500)
    assert not edge.reputation.isRegistered(big)


# ---------------------------------------------------------------- DMEC outcomes


def test_result_in_time__a_success_measured_by_latency(
    edge: Deployment, edge_world: dict[str, Any], chain: Any
) -> None:
    big = edge_world["big"]
    task, server = submit(edge, edge_world)
    assert server == big.address
    chain.mine(deltatime=10)
    tx = edge.registry.submitResult(task, DIGEST, sender=big)

    latency = int(tx.events[0].latencyS)
    assert 10 <= latency <= TIMEOUT_S
    assert score(edge, big) == next_score(500, incentive(latency, TIMEOUT_S, True), WEIGHT)
    (outcome,) = outcomes(edge, tx)
    # On behalf of the server that authorized the relaying drone.
    assert (outcome.source, outcome.node, outcome.outcomeId, outcome.party) == (
        edge.registry.address,
        big.address,
        task,
        edge_world["small"].address,
    )
    index = int(edge.reputation.getNodeIndex(big))
    assert Report.unpacked(outcome.report) == Report(
        index, task & MAX_TASK_ID, latency, TIMEOUT_S, True
    )


def test_result_late__a_success_without_incentive(
    edge: Deployment, edge_world: dict[str, Any], chain: Any
) -> None:
    big = edge_world["big"]
    task, _ = submit(edge, edge_world)
    chain.mine(deltatime=TIMEOUT_S + 5)
    tx = edge.registry.submitResult(task, DIGEST, sender=big)
    assert len(outcomes(edge, tx)) == 1
    assert score(edge, big) == next_score(500, 0, WEIGHT)


def test_no_result__the_silent_server_fails_once_the_next_one_is_measured(
    edge: Deployment, edge_world: dict[str, Any], chain: Any
) -> None:
    big, medium = edge_world["big"], edge_world["medium"]
    start = chain.blocks.head.number
    task, _ = submit(edge, edge_world)
    chain.mine(deltatime=TIMEOUT_S)
    tx = edge.registry.reassignTask(task, sender=edge_world["drone"])
    assert tx.events[0].toServer == medium.address
    (failure,) = outcomes(edge, tx)
    assert failure.node == big.address
    assert not Report.unpacked(failure.report).succeeded
    assert score(edge, big) == next_score(500, 0, WEIGHT)

    edge.registry.submitResult(task, DIGEST, sender=medium)
    with ape.reverts(edge.registry.TaskNotOutstanding, taskId=task):
        edge.registry.submitResult(task, DIGEST, sender=medium)
    # One outcome per assignment, and the log replays every score.
    logs = list(edge.reputation.OutcomeRecorded.range(start, 0))
    assert [(log.node, log.outcomeId) for log in logs] == [
        (big.address, task),
        (medium.address, task),
    ]
    book = replay_scores(edge.reputation, ScoreParameters())
    for node in (edge_world["small"], medium, big):
        assert book.score(node.address) == score(edge, node)


def test_reassignment_after_revocation__no_outcome(
    edge: Deployment, edge_world: dict[str, Any], agent: Any
) -> None:
    """A server revoked before its timeout did not fail the task: nobody is scored."""
    big = edge_world["big"]
    task, _ = submit(edge, edge_world)
    edge.registry.revokeServer(big, sender=agent)
    tx = edge.registry.reassignTask(task, sender=edge_world["drone"])
    assert outcomes(edge, tx) == []
    assert score(edge, big) == 500


def test_result_of_a_node_that_left__accepted_and_still_scored(
    edge: Deployment, edge_world: dict[str, Any]
) -> None:
    """Leaving is no escape: the outcome counts (see THREAT_MODEL.md)."""
    big = edge_world["big"]
    task, _ = submit(edge, edge_world)
    edge.reputation.unregisterNode(big, sender=big)
    tx = edge.registry.submitResult(task, DIGEST, sender=big)
    assert tx.events[0].event_name == "TaskCompleted"
    assert len(outcomes(edge, tx)) == 1
    assert score(edge, big) > 500


def test_result_when_the_drones_server_left__accepted_not_scored(
    edge: Deployment, edge_world: dict[str, Any]
) -> None:
    """The party behind the outcome is no active node any more: nobody vouches for it."""
    big = edge_world["big"]
    task, _ = submit(edge, edge_world)
    edge.reputation.unregisterNode(edge_world["small"], sender=edge_world["small"])
    tx = edge.registry.submitResult(task, DIGEST, sender=big)
    assert outcomes(edge, tx) == []
    assert [e.event_name for e in tx.events] == ["TaskCompleted", "OutcomeIgnored"]
    assert score(edge, big) == 500


# ---------------------------------------------------------------- the reputation-aware policy


def test_policy__distrusted_server_left_out(
    edge: Deployment, edge_world: dict[str, Any], reporter: Any
) -> None:
    device = edge_world["devices"][0]
    query = (device, DATA_KB, COMPUTE_MEGACYCLES, 0)
    assert edge.registry.queryOffloading(*query) == edge_world["big"].address
    fail_reports(edge, reporter, {edge_world["big"]: 1})  # 350 < 400
    assert edge.registry.queryOffloading(*query) == edge_world["medium"].address


def test_policy__nobody_trusted_falls_back_to_the_best_score(
    edge: Deployment, edge_world: dict[str, Any], reporter: Any
) -> None:
    small, medium, big = edge_world["small"], edge_world["medium"], edge_world["big"]
    fail_reports(edge, reporter, {small: 1, medium: 2, big: 3})  # 350, 245, 171
    device = edge_world["devices"][0]
    assert edge.registry.queryOffloading(device, DATA_KB, COMPUTE_MEGACYCLES, 0) == small.address


def test_policy__an_inner_choice_outside_the_trusted_reverts(
    project: Any, edge: Deployment, edge_world: dict[str, Any], agent: Any, reporter: Any
) -> None:
    faulty = project.OutOfRangePolicy.deploy(sender=agent)
    policy = project.ReputationAwarePolicy.deploy(edge.reputation, faulty, MIN_SCORE, sender=agent)
    fail_reports(edge, reporter, {edge_world["big"]: 1})
    servers = registry_servers(edge)
    context = (1, DATA_KB, COMPUTE_MEGACYCLES, 0, 0, 0, 70_000)
    # Two trusted servers; the faulty inner policy answers index 2.
    with ape.reverts(policy.InvalidInnerChoice, index=2, candidates=2):
        policy.selectServer([s.packed() for s in servers], context)


positions = st.tuples(st.integers(-5_000, 5_000), st.integers(-5_000, 5_000))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    servers=st.lists(
        st.tuples(positions, st.integers(1, 50_000), st.integers(0, 4)), min_size=1, max_size=5
    ),
    task=st.tuples(st.integers(1, 5_000), st.integers(1, 5_000)),
)
def test_policy__equals_the_reference(
    chain: Any,
    edge: Deployment,
    agent: Any,
    server: Any,
    drone: Any,
    device: Any,
    reporter: Any,
    servers: list[tuple[tuple[int, int], int, int]],
    task: tuple[int, int],
) -> None:
    """Random servers, each with 0..4 failures reported; the chain's choice is the Python
    reference's: DelayAware among the trusted, else the best score."""
    snapshot = chain.snapshot()
    try:
        # The first server is an account: it authorizes the drone. The others never send.
        synthetic = [to_checksum_address("0x" + format(0xE0000 + i, "040x")) for i in range(4)]
        failures = {}
        for account, ((x, y), capacity, failed) in zip([server, *synthetic], servers, strict=False):
            admit_edge_server(edge, agent, account, x, y, capacity)
            failures[account] = failed
        if any(failures.values()):
            fail_reports(edge, reporter, {a: n for a, n in failures.items() if n})
        edge.registry.registerDrone(drone, 0, 0, sender=server)
        edge.registry.registerDevice(device, sender=drone)
        edge.registry.addOffloadingPolicy(device, REPUTATION_AWARE_POLICY_ID, sender=drone)

        candidates = registry_servers(edge)
        scores = list(edge.reputation.getReputationScores([s.account for s in candidates]))
        placement = TaskPlacement(0, task[0], task[1], 0, 0)

        def inner(trusted: list[Server]) -> int:
            return select(
                Policy.DELAY_AWARE,
                trusted,
                placement,
                mean_rate_kb_per_s=edge.parameters.mean_rate_kb_per_s,
            )

        expected = candidates[reputation_aware(candidates, scores, MIN_SCORE, inner)].account
        assert edge.registry.queryOffloading(device, task[0], task[1], 0) == expected
    finally:
        chain.restore(snapshot)


# ---------------------------------------------------------------- end to end


def test_a_server_that_stops_answering_loses_its_tasks(
    edge: Deployment, edge_world: dict[str, Any], chain: Any
) -> None:
    """`big` answers well, then goes silent. Each silent round it gets a task (while still
    trusted), times out and fails; the task moves on and is answered. Once its score is below
    MIN_SCORE, the reputation-aware policy sends it nothing, while DelayAware still would,
    and every task keeps being answered."""
    big, drone = edge_world["big"], edge_world["drone"]
    registry = edge.registry
    answered_by: dict[str, int] = {}

    def run_task(device: Any, silent: str | None) -> str:
        task, server = submit(edge, edge_world, device)
        if server == silent:
            chain.mine(deltatime=TIMEOUT_S)
            server = str(registry.reassignTask(task, sender=drone).events[0].toServer)
        chain.mine(deltatime=2)
        registry.submitResult(task, DIGEST, sender=server)
        answered_by[server] = answered_by.get(server, 0) + 1
        return server

    for _ in range(3):  # good times: big gets everything and gains reputation
        assert run_task(edge_world["devices"][0], None) == big.address
    good_score = score(edge, big)
    assert good_score > 500

    silent_rounds = 0
    while score(edge, big) >= MIN_SCORE:
        run_task(edge_world["devices"][0], big.address)
        silent_rounds += 1
        assert silent_rounds < 10
    assert silent_rounds >= 2  # a single miss does not cost a good server its trust

    for device in edge_world["devices"]:
        for _ in range(3):
            assert run_task(device, big.address) != big.address
    assert score(edge, edge_world["medium"]) > 500  # the others keep working and gaining
    # The same task under plain DelayAware would still go to the silent server.
    registry.addOffloadingPolicy(edge_world["devices"][1], int(Policy.DELAY_AWARE), sender=drone)
    query = (edge_world["devices"][1], DATA_KB, COMPUTE_MEGACYCLES, 0)
    assert registry.queryOffloading(*query) == big.address


# ---------------------------------------------------------------- market outcomes and bids

CHALLENGE = keccak(b"edgeledger: one edge, one identity")
DIFFICULTY_BITS = 12  # DeployParameters.pow_difficulty_bits
BIDDING_S, MAX_DELAY_S, WINDOW_S = 60, 120, 60


def post_request(edge: Deployment, requester: Any, chain: Any) -> tuple[int, int]:
    """A proof-of-work request; returns its id and bidding deadline."""
    deadline = chain.pending_timestamp + BIDDING_S
    terms = (CHALLENGE, edge.verifiers["ProofOfWork"], deadline, MAX_DELAY_S, WINDOW_S, ETHER, PPM)
    tx = edge.market.postRequest(terms, value=ETHER // 10, sender=requester)
    return int(tx.events[0].requestId), deadline


def test_bid__only_reputation_nodes_trusted_enough(
    edge: Deployment, agent: Any, requester: Any, bidders: list[Any], reporter: Any, chain: Any
) -> None:
    market = edge.market
    request_id, _ = post_request(edge, requester, chain)
    with ape.reverts(market.NotReputationNode, bidder=bidders[0]):
        market.placeBid(request_id, 10, 100, value=ETHER, sender=bidders[0])
    edge.reputation.registerNode(bidders[0], sender=agent)
    fail_reports(edge, reporter, {bidders[0]: 1})  # 350
    with ape.reverts(market.ReputationTooLow, bidder=bidders[0], score=350, minimum=MIN_SCORE):
        market.placeBid(request_id, 10, 100, value=ETHER, sender=bidders[0])
    edge.reputation.registerNode(bidders[1], sender=agent)
    edge.reputation.unregisterNode(bidders[1], sender=bidders[1])
    with ape.reverts(market.NotReputationNode, bidder=bidders[1]):
        market.placeBid(request_id, 10, 100, value=ETHER, sender=bidders[1])
    edge.reputation.registerNode(bidders[2], sender=agent)
    market.placeBid(request_id, 10, 100, value=ETHER, sender=bidders[2])
    assert market.getBid(request_id, bidders[2]) == ETHER


@pytest.mark.parametrize("outcome", ["honest", "cheat", "silent"])
def test_finalize__the_winner_outcome_counted_once(
    edge: Deployment,
    agent: Any,
    requester: Any,
    bidders: list[Any],
    detectors: list[Any],
    chain: Any,
    outcome: str,
) -> None:
    market, winner = edge.market, bidders[0]
    for node in (winner, requester, detectors[0]):  # the requester vouches for the outcome
        edge.reputation.registerNode(node, sender=agent)
    request_id, deadline = post_request(edge, requester, chain)
    market.placeBid(request_id, 10, 100, value=ETHER, sender=winner)
    chain.mine(deltatime=BIDDING_S + 1)
    market.closeBidding(request_id, sender=winner)
    result_at = None
    if outcome != "silent":
        chain.mine(deltatime=10)
        nonce = solve(CHALLENGE, DIFFICULTY_BITS)[0] if outcome == "honest" else None
        if nonce is None:
            nonce = non_solution(CHALLENGE, DIFFICULTY_BITS)
        tx = market.submitResult(request_id, nonce.to_bytes(32, "big"), sender=winner)
        result_at = int(chain.blocks[tx.block_number].timestamp)
    if outcome == "cheat":
        salt = new_salt()
        commitment = report_commitment(request_id, detectors[0].address, True, salt)
        bond = market.DETECTOR_BOND()
        market.commitReport(request_id, commitment, value=bond, sender=detectors[0])
        chain.mine(timestamp=int(market.getRequest(request_id).revealFrom))
        market.revealReport(request_id, True, salt, sender=detectors[0])
    chain.mine(deltatime=WINDOW_S + MAX_DELAY_S)
    tx = market.finalize(request_id, sender=requester)

    (log,) = outcomes(edge, tx)
    assert (log.source, log.node, log.outcomeId, log.party) == (
        market.address,
        winner.address,
        request_id,
        requester.address,
    )
    report = Report.unpacked(log.report)
    assert report.succeeded == (outcome == "honest")
    assert report.time_constraint_us == MAX_DELAY_S
    if result_at is not None and outcome == "honest":
        delay = result_at - deadline
        assert report.execution_time_us == delay
        assert score(edge, winner) == next_score(500, incentive(delay, MAX_DELAY_S, True), WEIGHT)
    else:
        assert score(edge, winner) == next_score(500, 0, WEIGHT)
    with ape.reverts(market.WrongPhase, requestId=request_id):
        market.finalize(request_id, sender=requester)
