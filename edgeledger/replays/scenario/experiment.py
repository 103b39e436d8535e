"""The scenario's rounds: in each, every IoT device sends a DMEC task, the mobile device offloads
FRESCO tasks, and now and then a collaborative request goes to the market; the scores of every
server are read after each round. A row per assignment, score, market request and stuck task.
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak

from edgeledger.audit import format_server_history, server_history
from edgeledger.blockedge.actors import Detector, EdgeNode, TaskTerms, phase_times
from edgeledger.driver import Call
from edgeledger.ethereum import ETHER
from edgeledger.progress import ProgressCallback
from edgeledger.replays.scenario.population import Population, SimClock, build_population
from edgeledger.replays.scenario.settings import (
    DMEC_ANSWER_S,
    FRESCO_K,
    MOBILE_CONSTRAINT_US,
    MOBILE_GOOD_EXECUTION_US,
    POLICY_LABELS,
    ScenarioConfig,
)

# Reassignment passes before a drone gives a task up: the registry leaves out only the server
# that just failed, so a policy can bounce a task between two silent servers for ever.
MAX_REASSIGNMENTS = 4


def dmec_round(population: Population, round_: int, timeout_s: int) -> None:
    """Every device sends one task in one batch; good servers answer; tasks of silent servers
    are reassigned after the timeout until a good server has answered each, or until
    MAX_REASSIGNMENTS passes. A task still unanswered then keeps its device stuck: the
    registry accepts no new task of a device with one outstanding."""
    registry, clock = population.deployment.registry, population.clock
    requests, policy_of = [], {}
    for policy_id, devices in population.devices.items():
        for device in devices:
            spec = device.next_task()  # drawn for stuck devices too: the same seed, the same draws
            policy_of[device.address] = policy_id
            if device.address not in population.stuck:
                requests.append((device.address, spec.data_kb, spec.compute_megacycles, spec.kind))
    if not requests:
        return
    clock.next()
    driver = population.driver
    receipt = driver.call(Call(population.drone, registry, "submitTasks", (requests,), "tasks"))
    outstanding = {}
    device_of = {}
    server_account = {str(s.address): s for s in population.servers}
    for log in receipt.events(registry.TaskSubmitted):
        server = str(log.server)
        population.assignments.append(
            {
                "round": round_,
                "policy": POLICY_LABELS[policy_of[str(log.device)]],
                "server": server,
                "bad_now": population.bad_now(server, round_),
            }
        )
        outstanding[int(log.taskId)] = server
        device_of[int(log.taskId)] = str(log.device)
    for attempt in range(MAX_REASSIGNMENTS + 1):
        # Servers work in parallel: each answer comes its own delay after the assignment
        # (or a second after the previous block, when blocks are busier than that).
        assigned_at = clock.now
        answers = sorted(
            (int(population.rng.integers(*DMEC_ANSWER_S)), task_id, server)
            for task_id, server in sorted(outstanding.items())
            if not population.bad_now(server, round_)
        )
        for delay, task_id, server in answers:
            clock.at(assigned_at + delay)
            result = (task_id, keccak(task_id.to_bytes(32, "big")))
            driver.call(Call(server_account[server], registry, "submitResult", result, "result"))
            del outstanding[task_id]
        if not outstanding:
            return
        if attempt == MAX_REASSIGNMENTS:
            break
        clock.next(timeout_s)
        for task_id in sorted(outstanding):
            clock.next()
            step = f"reassign task {task_id}"
            receipt = driver.call(
                Call(population.drone, registry, "reassignTask", (task_id,), step)
            )
            outstanding[task_id] = str(receipt.events(registry.TaskReassigned)[0].toServer)
    for task_id, server in outstanding.items():
        address = device_of[task_id]
        population.stuck[address] = round_
        population.stuck_tasks.append(
            {
                "round": round_,
                "policy": POLICY_LABELS[policy_of[address]],
                "device": address,
                "task_id": task_id,
                "last_server": server,
            }
        )


def mobile_round(population: Population, round_: int, tasks: int) -> None:
    """FRESCO's hybrid: the mobile device picks among the servers at or above the k-th highest
    score in its local copy, measures each task and reports the batch."""
    client = population.mobile
    client.refresh_scores()
    addresses = [s.address for s in population.servers]
    threshold = client.threshold(addresses, FRESCO_K)
    scores = client.scores()
    candidates = [a for a in addresses if scores[a] >= threshold]
    for _ in range(tasks):
        server = candidates[int(population.rng.integers(len(candidates)))]
        if population.bad_now(server, round_):
            client.report(server, MOBILE_CONSTRAINT_US, MOBILE_CONSTRAINT_US, succeeded=False)
        else:
            execution = int(population.rng.integers(*MOBILE_GOOD_EXECUTION_US))
            client.report(server, execution, MOBILE_CONSTRAINT_US, succeeded=True)
    population.clock.next()
    client.flush()


def market_round(population: Population, round_: int) -> None:
    """A collaborative proof-of-work request. Servers the reputation allows bid; a bad winner
    cheats; two other servers detect and report; finalize slashes or refunds."""
    deployment, clock = population.deployment, population.clock
    market, verifier = deployment.market, deployment.verifiers["ProofOfWork"]
    bits = deployment.parameters.pow_difficulty_bits
    # Bidding lasts a second per server (each bid is a block); detectors get the market's
    # shortest window (TaskTerms' default).
    terms = TaskTerms(
        incentive_wei=ETHER,
        min_deposit_wei=ETHER,
        bidding_s=len(population.servers) + 2,
    )
    challenge = keccak(f"edgeledger scenario round {round_}".encode())
    driver, requester = population.driver, population.requester
    deadline = clock.next() + terms.bidding_s
    posted = driver.call(requester.post_call(market, verifier, challenge, terms, deadline))
    request_id = int(posted.events(market.RequestPosted)[0].requestId)
    minimum = int(driver.view(market).MIN_BID_SCORE())
    reputation = driver.view(deployment.reputation)
    bidders = []
    for server in population.servers:
        membership, score = reputation.standingOf(server)
        if int(membership) == 1 and int(score) >= minimum:
            node = EdgeNode(
                server,
                capability=int(population.rng.integers(50, 150)),
                cost=int(population.rng.integers(5, 15)),
                abnormality=1.0 if population.bad_now(server.address, round_) else 0.0,
                rng=population.rng,
            )
            clock.next()
            driver.call(node.bid_call(market, request_id, ETHER))
            bidders.append(node)
    clock.at(deadline + 1)
    driver.call(requester.close_call(market, request_id))
    record: dict[str, Any] = {"round": round_, "bidders": len(bidders), "winner": "", "slashed": ""}
    if bidders:
        winner_address = str(market.getRequest(request_id).winner)
        winner = next(n for n in bidders if n.account.address == winner_address)
        clock.next()
        driver.call(winner.work_call(market, request_id, challenge, bits)[0])
        honest = [
            s
            for s in population.servers
            if s.address != winner_address and not population.bad_now(s.address, round_)
        ]
        # Salts from the seed: a commitment is transaction data, which the next blocks'
        # prevrandao (Random's draw) depends on.
        detectors = [Detector(s, new_salt=lambda: population.rng.bytes(32)) for s in honest[:2]]
        for detector in detectors:
            clock.next()
            driver.call(detector.commit_call(market, request_id, challenge, bits)[0])
        reveal_from, verify_until = phase_times(market, request_id)
        for detector in detectors:
            clock.at(reveal_from)
            driver.call(detector.reveal_call(market, request_id))
        clock.at(verify_until + 1)
        receipt = driver.call(requester.finalize_call(market, request_id))
        slashed = receipt.events(market.RequestFinalized)[0].slashed
        record |= {"winner": winner_address, "slashed": bool(slashed)}
    population.market.append(record)


def run_population(
    accounts: list[Any], config: ScenarioConfig, index: int, progress: ProgressCallback, total: int
) -> Population:
    clock = SimClock()  # first: the deployment's blocks follow it too
    try:
        population = build_population(accounts, config, index, clock)
        _run_rounds(population, config, index, progress, total)
    finally:
        clock.close()
    return population


def _run_rounds(
    population: Population,
    config: ScenarioConfig,
    index: int,
    progress: ProgressCallback,
    total: int,
) -> None:
    timeout_s = population.deployment.parameters.task_timeout_s
    for round_ in range(config.rounds):
        dmec_round(population, round_, timeout_s)
        mobile_round(population, round_, config.mobile_tasks_per_round)
        if round_ % config.market_every == config.market_every - 1:
            market_round(population, round_)
        reputation = population.driver.view(population.deployment.reputation)
        scores = reputation.getReputationScores(population.servers)
        for server, score in zip(population.servers, scores, strict=True):
            population.scores.append(
                {
                    "round": round_,
                    "server": server.address,
                    "goes_bad_at": population.bad_from.get(server.address, ""),
                    "bad_now": population.bad_now(server.address, round_),
                    "score": int(score),
                }
            )
        progress("scenario", index * config.rounds + round_ + 1, total)


def audit_bad_server(population: Population) -> str:
    server = min(population.bad_from, key=lambda a: population.bad_from[a])
    deployment = population.deployment
    history = server_history(
        server,
        registry=deployment.registry,
        reputation=deployment.reputation,
        market=deployment.market,
        scores=deployment.parameters.scores,
    )
    names = {
        str(deployment.registry.address): "DMEC registry",
        str(deployment.market.address): "market",
        population.mobile.reporter.address: "mobile device (FRESCO reporter)",
    }
    return format_server_history(history, names)
