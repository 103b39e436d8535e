"""The one-identity scenario on a small population: what it reports must follow from the chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgeledger.deploy import DeployParameters
from edgeledger.fresco.reputation import replay_scores
from edgeledger.progress import quiet
from edgeledger.replays.scenario import ScenarioConfig, run_scenario
from edgeledger.replays.scenario.experiment import MAX_REASSIGNMENTS, run_population
from edgeledger.replays.scenario.population import Population

SMALL = ScenarioConfig(
    servers=4,
    bad_servers=1,
    rounds=8,
    first_bad_round=1,
    devices_per_policy=1,
    mobile_tasks_per_round=2,
    market_every=3,
    worlds=1,
    seed=11,
    # The largest server goes bad, so MCC sends it a task every round: whatever Random draws
    # from the chain's prevrandao (which depends on the chain state the test starts from), it
    # fails often enough to lose trust within the run.
    bad_pick="largest",
)
MIN_SCORE = DeployParameters().min_trusted_score


def _score(world: Population, round_: int, server: str) -> int:
    return next(r["score"] for r in world.scores if r["round"] == round_ and r["server"] == server)


def test_world__bad_server_loses_trust_and_the_reputation_aware_policy_avoids_it(
    accounts: Any,
) -> None:
    world = run_population(list(accounts), SMALL, 0, quiet, SMALL.rounds)
    (bad,) = world.bad_from
    last = SMALL.rounds - 1
    good = [s.address for s in world.servers if s.address != bad]
    assert _score(world, last, bad) < MIN_SCORE
    assert _score(world, last, bad) < min(_score(world, last, g) for g in good)

    # A round's tasks are placed with the scores the previous round left.
    avoided = 0
    for row in world.assignments:
        r = row["round"]
        if row["policy"] != "ReputationAware" or r == 0 or _score(world, r - 1, bad) >= MIN_SCORE:
            continue
        assert row["server"] != bad
        avoided += 1
    assert avoided > 0

    # Every task was answered; every assignment closed into exactly one outcome.
    registry, reputation = world.deployment.registry, world.deployment.reputation
    submitted = list(registry.TaskSubmitted.range(0, None))
    completed = list(registry.TaskCompleted.range(0, None))
    reassigned = list(registry.TaskReassigned.range(0, None))
    assert len(completed) == len(submitted) == SMALL.rounds * 5 * SMALL.devices_per_policy
    from_registry = [
        log for log in reputation.OutcomeRecorded.range(0, None) if log.source == registry.address
    ]
    # ... except on the drone's own operator's tasks: no score from one's own drone.
    operator = world.servers[0].address
    ignored = [
        log for log in reputation.OutcomeIgnored.range(0, None) if log.source == registry.address
    ]
    assert {str(log.node) for log in ignored} <= {operator}
    assert {str(log.party) for log in from_registry} == {operator}
    assert len(from_registry) + len(ignored) == len(completed) + len(reassigned)
    # The logs alone give every final score.
    book = replay_scores(reputation, world.deployment.parameters.scores)
    for server in world.servers:
        assert book.score(server.address) == _score(world, last, server.address)


def test_world__same_seed_same_replay(accounts: Any, chain: Any) -> None:
    """From the same chain state (Random draws from the block's prevrandao, and contract
    addresses follow the deployer's nonce)."""
    start = chain.snapshot()
    first = run_population(list(accounts), SMALL, 0, quiet, SMALL.rounds)
    chain.restore(start)
    again = run_population(list(accounts), SMALL, 0, quiet, SMALL.rounds)
    assert again.assignments == first.assignments
    assert again.scores == first.scores
    assert again.market == first.market


def test_run_scenario__writes_every_output(accounts: Any, tmp_path: Path) -> None:
    shares = run_scenario(list(accounts), SMALL, tmp_path, quiet)
    for name in ("assignments.csv", "scores.csv", "market.csv", "reputation.png", "bad_share.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert "ReputationAware" in (tmp_path / "summary.md").read_text()
    audit = (tmp_path / "audit_bad_server.txt").read_text()
    assert "moved away unanswered" in audit and "failure" in audit
    assert set(shares) == {"Random", "Nearest", "MCC", "DelayAware", "ReputationAware"}
    assert all(share is None or 0 <= share <= 1 for share in shares.values())


def test_world__a_task_bouncing_between_silent_servers_sticks_its_device(accounts: Any) -> None:
    """The two larger servers go silent (rounds 0 and 1): from round 1, MCC sends its task to
    one, the timeout moves it to the other (the registry leaves out only the one that just
    failed), and back. After MAX_REASSIGNMENTS the drone gives it up; the device, with a task
    outstanding, sends no more."""
    config = ScenarioConfig(
        servers=3,
        bad_servers=2,
        rounds=3,
        first_bad_round=0,
        devices_per_policy=1,
        mobile_tasks_per_round=1,
        market_every=10,
        worlds=1,
        seed=5,
        bad_pick="largest",
    )
    world = run_population(list(accounts), config, 0, quiet, config.rounds)

    mcc = [row for row in world.stuck_tasks if row["policy"] == "MCC"]
    assert len(mcc) == 1 and mcc[0]["round"] == 1
    assert [r["round"] for r in world.assignments if r["policy"] == "MCC"] == [0, 1]
    reassigned = world.deployment.registry.TaskReassigned.range(0, None)
    mcc_moves = [log for log in reassigned if int(log.taskId) == mcc[0]["task_id"]]
    assert len(mcc_moves) == MAX_REASSIGNMENTS
    assert {str(log.toServer) for log in mcc_moves} == set(world.bad_from)
