"""One edge, one identity: drones, mobile devices and collaborating edge nodes share one
population of edge servers, some of which go bad over time.

Every server is a reputation node, a DMEC server and a market stakeholder under one address.
A server that has gone bad leaves DMEC tasks unanswered (the registry reports a failure when the
drone reassigns them after the timeout), fails the mobile devices' FRESCO tasks (their reporter
sends the failures in batches) and submits wrong proof-of-work results in the market (detectors
prove it and the market reports it). IoT devices are spread over the five DMEC policies; the
replay measures how many tasks each policy sends to servers that have gone bad, and how every
server's reputation moves.

Block times follow a simulated clock (each transaction's timestamp is set before it is sent),
so latencies, scores and therefore every decision depend on the seed alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from eth_utils import keccak

from edgeledger.audit import format_server_history, server_history
from edgeledger.blockedge.actors import Detector, EdgeNode, Requester, TaskTerms, phase_times
from edgeledger.deploy import (
    REPUTATION_AWARE_POLICY_ID,
    Deployment,
    DeployParameters,
    admit_edge_server,
    deploy_all,
)
from edgeledger.dmec.actors import IoTDevice, WorkloadModel
from edgeledger.dmec.policies import Policy
from edgeledger.dmec.replay import SERVER_AREA_M, synthetic_address
from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.client import ReputationClient
from edgeledger.reports import markdown_table, new_figure, save_figure, write_csv

Progress = Callable[[str, int, int], None]
ETHER = 10**18
POLICY_LABELS = {int(p): p.label for p in Policy} | {REPUTATION_AWARE_POLICY_ID: "ReputationAware"}
# What a mobile device's FRESCO task is given, and how long a good server takes (µs).
MOBILE_CONSTRAINT_US = 100_000
MOBILE_GOOD_EXECUTION_US = (10_000, 50_000)
# How long a good server takes to answer a DMEC task, seconds of block time.
DMEC_ANSWER_S = (1, 10)
BAD_PICKS = ("random", "largest")
FRESCO_K = 3  # the mobile device offloads only to servers at or above the k-th highest score


@dataclass(frozen=True)
class ScenarioConfig:
    """The quick run of `make demo`; `ape run scenario` takes every field as an option."""

    servers: int = 6
    bad_servers: int = 2
    rounds: int = 20
    devices_per_policy: int = 2
    first_bad_round: int = 4  # bad servers go bad at rounds spread over [this, rounds / 2]
    mobile_tasks_per_round: int = 3
    market_every: int = 4  # a collaborative request every this many rounds
    worlds: int = 4  # independent populations, seeds seed, seed + 1, ...
    seed: int = 7
    # Which servers go bad: "random" (drawn from the seed), or "largest" (the highest
    # capacities: the servers that MCC, and DelayAware's MCC branch, rely on).
    bad_pick: str = "random"

    def check(self, accounts: int) -> None:
        if not 2 <= self.servers <= accounts - 4:
            raise EdgeledgerError(
                f"--servers {self.servers}: need 2..{accounts - 4} (the chain has {accounts} "
                "accounts; the agent, a drone, a requester and a mobile device need one each)"
            )
        if not 1 <= self.bad_servers < self.servers:
            raise EdgeledgerError(
                f"--bad-servers {self.bad_servers}: need 1..{self.servers - 1}, at least one "
                "server must stay good"
            )
        if not 0 <= self.first_bad_round < self.rounds:
            raise EdgeledgerError(
                f"--first-bad-round {self.first_bad_round}: need 0..{self.rounds - 1}"
            )
        if self.bad_pick not in BAD_PICKS:
            raise EdgeledgerError(f"--bad-pick {self.bad_pick!r}: one of {', '.join(BAD_PICKS)}")
        if min(self.devices_per_policy, self.worlds, self.market_every) < 1:
            raise EdgeledgerError("devices per policy, worlds and market interval must be >= 1")


class SimClock:
    """Block times that follow the simulation, not the wall clock: every block is one second
    after the one before (anvil's timestamp interval), and `next` sets the next block's time
    outright. From the same chain state, the same seed then gives the same blocks, so even
    the Random policy (which draws from prevrandao) repeats itself."""

    def __init__(self) -> None:
        from ape import chain

        chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
        self.now = int(chain.pending_timestamp)

    def next(self, after_s: int = 1) -> int:
        """The next block `after_s` seconds after the latest one (at least one)."""
        from ape import chain

        # Transactions sent without `next` or `at` moved the chain on by a second each.
        return self.at(max(self.now, int(chain.blocks.head.timestamp)) + max(1, after_s))

    def at(self, when: int) -> int:
        """The next block at `when`, or a second after the latest one if that is later."""
        from ape import chain

        self.now = max(when, self.now + 1, int(chain.blocks.head.timestamp) + 1)
        chain.pending_timestamp = self.now
        return self.now

    def close(self) -> None:
        """Back to wall-clock block times."""
        from ape import chain

        chain.provider.make_request("anvil_removeBlockTimestampInterval", [])


@dataclass
class World:
    """One population: the deployment, servers (accounts) and when each goes bad."""

    deployment: Deployment
    servers: list[Any]
    bad_from: dict[str, int]  # server address -> first bad round
    drone: Any
    devices: dict[int, list[IoTDevice]]  # policy id -> devices
    requester: Requester
    mobile: ReputationClient
    rng: np.random.Generator
    clock: SimClock
    assignments: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    market: list[dict[str, Any]] = field(default_factory=list)
    stuck: dict[str, int] = field(default_factory=dict)  # device -> round its task got stuck
    stuck_tasks: list[dict[str, Any]] = field(default_factory=list)

    def bad_now(self, server: str, round_: int) -> bool:
        first = self.bad_from.get(server)
        return first is not None and round_ >= first


def build_world(accounts: list[Any], config: ScenarioConfig, world: int, clock: SimClock) -> World:
    rng = np.random.default_rng(config.seed + world)
    agent = accounts[0]
    servers = accounts[1 : 1 + config.servers]
    drone, requester, mobile = accounts[1 + config.servers : 4 + config.servers]
    deployment = deploy_all(agent, DeployParameters())
    capacities = []
    for server in servers:
        x, y = (int(v) for v in rng.integers(-SERVER_AREA_M, SERVER_AREA_M, size=2))
        capacities.append(int(rng.integers(5_000, 40_000)))
        admit_edge_server(deployment, agent, server, x, y, capacities[-1])
    registry = deployment.registry
    # The drone's operator is servers[0]: its own drone's tasks never move its score (no
    # score from one's own drones), so it is the one server that never goes bad here.
    registry.registerDrone(drone, 0, 0, sender=servers[0])
    # The requester is an edge node too: only a node's requests move its winner's score.
    deployment.reputation.registerNode(requester, sender=agent)
    devices: dict[int, list[IoTDevice]] = {}
    workload = WorkloadModel()
    for policy_id in POLICY_LABELS:
        devices[policy_id] = []
        for i in range(config.devices_per_policy):
            address = synthetic_address(0xE0 + policy_id, (world << 16) | i)
            registry.registerDevice(address, sender=drone)
            registry.addOffloadingPolicy(address, policy_id, sender=drone)
            devices[policy_id].append(IoTDevice(address, workload, rng))
    if config.bad_pick == "largest":
        bad = 1 + np.argsort(capacities[1:])[::-1][: config.bad_servers]
    else:
        bad = 1 + rng.choice(len(servers) - 1, size=config.bad_servers, replace=False)
    last_start = max(config.first_bad_round, config.rounds // 2)
    starts = np.linspace(config.first_bad_round, last_start, num=config.bad_servers)
    bad_from = {servers[int(i)].address: int(s) for i, s in zip(bad, starts, strict=True)}
    reputation = deployment.reputation
    reputation.grantRole(reputation.REPORTER_ROLE(), mobile, sender=agent)
    client = ReputationClient(reputation, mobile, [s.address for s in servers])
    return World(
        deployment, servers, bad_from, drone, devices, Requester(requester), client, rng, clock
    )


# Reassignment passes before a drone gives a task up: the registry leaves out only the server
# that just failed, so a policy can bounce a task between two silent servers for ever.
MAX_REASSIGNMENTS = 4


def dmec_round(world: World, round_: int, timeout_s: int) -> None:
    """Every device sends one task in one batch; good servers answer; tasks of silent servers
    are reassigned after the timeout until a good server has answered each, or until
    MAX_REASSIGNMENTS passes. A task still unanswered then keeps its device stuck: the
    registry accepts no new task of a device with one outstanding."""
    registry, clock = world.deployment.registry, world.clock
    requests, policy_of = [], {}
    for policy_id, devices in world.devices.items():
        for device in devices:
            spec = device.next_task()  # drawn for stuck devices too: the same seed, the same draws
            policy_of[device.address] = policy_id
            if device.address not in world.stuck:
                requests.append((device.address, spec.data_kb, spec.compute_megacycles, spec.kind))
    if not requests:
        return
    clock.next()
    receipt = registry.submitTasks(requests, sender=world.drone)
    outstanding = {}
    device_of = {}
    for log in receipt.events:
        if log.event_name != "TaskSubmitted":
            continue
        server = str(log.server)
        world.assignments.append(
            {
                "round": round_,
                "policy": POLICY_LABELS[policy_of[str(log.device)]],
                "server": server,
                "bad_now": world.bad_now(server, round_),
            }
        )
        outstanding[int(log.taskId)] = server
        device_of[int(log.taskId)] = str(log.device)
    for attempt in range(MAX_REASSIGNMENTS + 1):
        # Servers work in parallel: each answer comes its own delay after the assignment
        # (or a second after the previous block, when blocks are busier than that).
        assigned_at = clock.now
        answers = sorted(
            (int(world.rng.integers(*DMEC_ANSWER_S)), task_id, server)
            for task_id, server in sorted(outstanding.items())
            if not world.bad_now(server, round_)
        )
        for delay, task_id, server in answers:
            clock.at(assigned_at + delay)
            registry.submitResult(task_id, keccak(task_id.to_bytes(32, "big")), sender=server)
            del outstanding[task_id]
        if not outstanding:
            return
        if attempt == MAX_REASSIGNMENTS:
            break
        clock.next(timeout_s)
        for task_id in sorted(outstanding):
            clock.next()
            receipt = registry.reassignTask(task_id, sender=world.drone)
            outstanding[task_id] = str(receipt.events[0].toServer)
    for task_id, server in outstanding.items():
        address = device_of[task_id]
        world.stuck[address] = round_
        world.stuck_tasks.append(
            {
                "round": round_,
                "policy": POLICY_LABELS[policy_of[address]],
                "device": address,
                "task_id": task_id,
                "last_server": server,
            }
        )


def mobile_round(world: World, round_: int, tasks: int) -> None:
    """FRESCO's hybrid: the mobile device picks among the servers at or above the k-th highest
    score in its local copy, measures each task and reports the batch."""
    client = world.mobile
    client.refresh_scores()
    addresses = [s.address for s in world.servers]
    threshold = client.threshold(addresses, FRESCO_K)
    scores = client.scores()
    candidates = [a for a in addresses if scores[a] >= threshold]
    for _ in range(tasks):
        server = candidates[int(world.rng.integers(len(candidates)))]
        if world.bad_now(server, round_):
            client.report(server, MOBILE_CONSTRAINT_US, MOBILE_CONSTRAINT_US, succeeded=False)
        else:
            execution = int(world.rng.integers(*MOBILE_GOOD_EXECUTION_US))
            client.report(server, execution, MOBILE_CONSTRAINT_US, succeeded=True)
    world.clock.next()
    client.flush()


def market_round(world: World, round_: int) -> None:
    """A collaborative proof-of-work request. Servers the reputation allows bid; a bad winner
    cheats; two other servers detect and report; finalize slashes or refunds."""
    deployment, clock = world.deployment, world.clock
    market, verifier = deployment.market, deployment.verifiers["ProofOfWork"]
    bits = deployment.parameters.pow_difficulty_bits
    # Bidding lasts a second per server (each bid is a block); detectors get the market's
    # shortest window (TaskTerms' default).
    terms = TaskTerms(
        incentive_wei=ETHER,
        min_deposit_wei=ETHER,
        bidding_s=len(world.servers) + 2,
    )
    challenge = keccak(f"edgeledger scenario round {round_}".encode())
    clock.next()
    posted = world.requester.post(market, verifier, challenge, terms)
    minimum = int(market.MIN_BID_SCORE())
    bidders = []
    for server in world.servers:
        membership, score = deployment.reputation.standingOf(server)
        if int(membership) == 1 and int(score) >= minimum:
            node = EdgeNode(
                server,
                capability=int(world.rng.integers(50, 150)),
                cost=int(world.rng.integers(5, 15)),
                abnormality=1.0 if world.bad_now(server.address, round_) else 0.0,
                rng=world.rng,
            )
            clock.next()
            node.bid(market, posted.request_id, ETHER)
            bidders.append(node)
    clock.at(posted.bidding_deadline + 1)
    market.closeBidding(posted.request_id, sender=world.requester.account)
    record: dict[str, Any] = {"round": round_, "bidders": len(bidders), "winner": "", "slashed": ""}
    if bidders:
        winner_address = str(market.getRequest(posted.request_id).winner)
        winner = next(n for n in bidders if n.account.address == winner_address)
        clock.next()
        winner.work(market, posted.request_id, challenge, bits)
        honest = [
            s
            for s in world.servers
            if s.address != winner_address and not world.bad_now(s.address, round_)
        ]
        # Salts from the seed: a commitment is transaction data, which the next blocks'
        # prevrandao (Random's draw) depends on.
        detectors = [Detector(s, new_salt=lambda: world.rng.bytes(32)) for s in honest[:2]]
        for detector in detectors:
            clock.next()
            detector.check_and_commit(market, posted.request_id, challenge, bits)
        reveal_from, verify_until = phase_times(market, posted.request_id)
        for detector in detectors:
            clock.at(reveal_from)
            detector.reveal(market, posted.request_id)
        clock.at(verify_until + 1)
        receipt = market.finalize(posted.request_id, sender=world.requester.account)
        record |= {"winner": winner_address, "slashed": bool(receipt.events[0].slashed)}
    world.market.append(record)


def run_world(
    accounts: list[Any], config: ScenarioConfig, index: int, progress: Progress, total: int
) -> World:
    clock = SimClock()  # first: the deployment's blocks follow it too
    try:
        world = build_world(accounts, config, index, clock)
        _run_rounds(world, config, index, progress, total)
    finally:
        clock.close()
    return world


def _run_rounds(
    world: World, config: ScenarioConfig, index: int, progress: Progress, total: int
) -> None:
    timeout_s = world.deployment.parameters.task_timeout_s
    for round_ in range(config.rounds):
        dmec_round(world, round_, timeout_s)
        mobile_round(world, round_, config.mobile_tasks_per_round)
        if round_ % config.market_every == config.market_every - 1:
            market_round(world, round_)
        scores = world.deployment.reputation.getReputationScores(world.servers)
        for server, score in zip(world.servers, scores, strict=True):
            world.scores.append(
                {
                    "round": round_,
                    "server": server.address,
                    "goes_bad_at": world.bad_from.get(server.address, ""),
                    "bad_now": world.bad_now(server.address, round_),
                    "score": int(score),
                }
            )
        progress("scenario", index * config.rounds + round_ + 1, total)


def bad_shares(worlds: list[World]) -> dict[str, tuple[int, int]]:
    """Per policy: (tasks first assigned while some server was bad, of which to a bad one)."""
    shares: dict[str, tuple[int, int]] = {label: (0, 0) for label in POLICY_LABELS.values()}
    for world in worlds:
        first_bad = min(world.bad_from.values())
        for row in world.assignments:
            if row["round"] < first_bad:
                continue
            tasks, to_bad = shares[row["policy"]]
            shares[row["policy"]] = (tasks + 1, to_bad + int(row["bad_now"]))
    return shares


def run_scenario(
    accounts: list[Any], config: ScenarioConfig, out: Path, progress: Progress
) -> dict[str, Any]:
    """Run every world, write CSV, plots, the audit of one bad server and a summary."""
    config.check(len(accounts))
    total = config.worlds * config.rounds
    worlds = []
    for index in range(config.worlds):
        worlds.append(run_world(accounts, config, index, progress, total))
        worlds[-1].mobile.stop()
    out.mkdir(parents=True, exist_ok=True)
    for name in ("assignments", "scores", "market", "stuck_tasks"):
        rows = [{"world": i} | row for i, w in enumerate(worlds) for row in getattr(w, name)]
        write_csv(out / f"{name}.csv", rows)
    shares = bad_shares(worlds)
    _plot_scores(worlds[0], out / "reputation.png")
    _plot_shares(worlds, shares, out / "bad_share.png")
    audit = _audit_bad_server(worlds[-1])
    (out / "audit_bad_server.txt").write_text(audit + "\n")
    summary = _summary(config, worlds, shares)
    (out / "summary.md").write_text(summary)
    return {
        label: round(to_bad / tasks, 3) if tasks else None
        for label, (tasks, to_bad) in shares.items()
    }


def _plot_scores(world: World, path: Path) -> None:
    figure, axes = new_figure(7.2, 4.4)
    rounds = sorted({row["round"] for row in world.scores})
    for server in world.servers:
        series = [r["score"] for r in world.scores if r["server"] == server.address]
        bad_at = world.bad_from.get(server.address)
        color = "tab:red" if bad_at is not None else "tab:green"
        label = f"{server.address[:8]}… " + (
            f"bad from round {bad_at}" if bad_at is not None else "good"
        )
        axes.plot(rounds, series, color=color, marker=".", label=label, alpha=0.8)
        if bad_at is not None:
            axes.axvline(bad_at, color=color, linestyle=":", alpha=0.5)
    minimum = world.deployment.parameters.min_trusted_score
    axes.axhline(minimum, color="black", linestyle="--", linewidth=1, label=f"trusted ≥ {minimum}")
    axes.set_xlabel("round")
    axes.set_ylabel("reputation score (of 1,000)")
    axes.set_title("One identity: DMEC, FRESCO and market outcomes feed one reputation")
    axes.legend(fontsize=7, loc="lower left")
    save_figure(figure, path)


def _plot_shares(worlds: list[World], shares: dict[str, tuple[int, int]], path: Path) -> None:
    figure, axes = new_figure(7.2, 4.0)
    labels = list(shares)
    totals = [to_bad / tasks if tasks else 0.0 for tasks, to_bad in shares.values()]
    axes.bar(labels, totals, color=["tab:gray"] * (len(labels) - 1) + ["tab:blue"], alpha=0.7)
    for i, world in enumerate(worlds):
        per_world = bad_shares([world])
        points = [b / t if t else 0.0 for t, b in per_world.values()]
        axes.scatter(
            labels, points, color="black", s=12, zorder=3, label="one world" if i == 0 else None
        )
    axes.set_ylabel("share of tasks sent to bad servers")
    axes.set_title("After the first server went bad (all worlds)")
    axes.legend(fontsize=8)
    save_figure(figure, path)


def _audit_bad_server(world: World) -> str:
    server = min(world.bad_from, key=lambda a: world.bad_from[a])
    deployment = world.deployment
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
        world.mobile.reporter.address: "mobile device (FRESCO reporter)",
    }
    return format_server_history(history, names)


def _summary(
    config: ScenarioConfig, worlds: list[World], shares: dict[str, tuple[int, int]]
) -> str:
    rows = [
        (label, tasks, to_bad, f"{to_bad / tasks:.3f}" if tasks else "-")
        for label, (tasks, to_bad) in shares.items()
    ]
    stuck = {label: 0 for label in POLICY_LABELS.values()}
    for world in worlds:
        for row in world.stuck_tasks:
            stuck[row["policy"]] += 1
    final = []
    for i, world in enumerate(worlds):
        last = [r for r in world.scores if r["round"] == config.rounds - 1]
        bad = [r["score"] for r in last if r["goes_bad_at"] != ""]
        good = [r["score"] for r in last if r["goes_bad_at"] == ""]
        slashed = sum(1 for r in world.market if r["slashed"] is True)
        final.append((i, min(good), max(bad), len(world.market), slashed))
    return "\n".join(
        [
            "# One edge, one identity: scenario replay",
            "",
            f"{config.worlds} worlds × {config.rounds} rounds; {config.servers} servers, of which "
            f"{config.bad_servers} ({config.bad_pick}) go bad from round {config.first_bad_round} "
            "on; "
            f"{config.devices_per_policy} IoT devices per policy; seed {config.seed}.",
            "",
            "## Tasks sent to servers that had gone bad",
            "",
            "Counted from the first round a server was bad, first assignments only (a silent "
            "server's task is then reassigned after the timeout).",
            "",
            markdown_table(["policy", "tasks", "to bad servers", "share"], rows),
            "",
            "## Devices stuck",
            "",
            f"A task still unanswered after {MAX_REASSIGNMENTS} reassignments (the registry "
            "leaves out only the server that just failed, so a policy can bounce a task between "
            "two silent servers) keeps its device from sending any further task.",
            "",
            markdown_table(["policy", "devices stuck"], list(stuck.items())),
            "",
            "## Final scores",
            "",
            markdown_table(
                ["world", "lowest good", "highest bad", "market requests", "slashed"], final
            ),
            "",
            "Plots: reputation.png (world 0), bad_share.png. Audit of a bad server: "
            "audit_bad_server.txt.",
            "",
        ]
    )
