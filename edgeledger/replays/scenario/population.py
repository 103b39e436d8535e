"""One population of the scenario: every contract deployed, servers admitted under one identity,
devices, a drone, a requester and a mobile device, and when each bad server goes bad; and the
simulated clock its blocks follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgeledger.blockedge.actors import Requester
from edgeledger.deploy import Deployment, DeployParameters, admit_edge_server, deploy_all
from edgeledger.dmec.actors import SERVER_AREA_M, IoTDevice, WorkloadModel
from edgeledger.driver import Call, ChainDriver
from edgeledger.ethereum import synthetic_address
from edgeledger.fresco.chain_link import driver_transport
from edgeledger.fresco.client import ReputationClient
from edgeledger.replays.scenario.settings import POLICY_LABELS, ScenarioConfig


class SimClock:
    """Block times that follow the simulation, not the wall clock: every block is one second
    after the one before (anvil's timestamp interval), and `next` sets the next block's time
    outright. From the same chain state, the same seed then gives the same block times, and
    the same prevrandao (anvil derives a block's from the blocks before it). From another
    state, or a chain started at another time, Random draws differently."""

    def __init__(self) -> None:
        from ape import chain

        chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
        self.now = int(chain.pending_timestamp)

    def next(self, after_s: int = 1) -> int:
        """The next block `after_s` seconds after the latest one (at least one)."""
        # Transactions sent without `next` or `at` moved the chain on by a second each.
        return self.at(max(self.now, self._head_timestamp()) + max(1, after_s))

    def at(self, when: int) -> int:
        """The next block at `when`, or a second after the latest one if that is later."""
        from ape import chain

        self.now = max(when, self.now + 1, self._head_timestamp() + 1)
        chain.provider.make_request("evm_setNextBlockTimestamp", [self.now])
        return self.now

    @staticmethod
    def _head_timestamp() -> int:
        """The latest block's time, by one request (ape's block object costs several)."""
        from ape import chain

        block = chain.provider.make_request("eth_getBlockByNumber", ["latest", False])
        return int(block["timestamp"], 16)

    def close(self) -> None:
        """Back to wall-clock block times."""
        from ape import chain

        chain.provider.make_request("anvil_removeBlockTimestampInterval", [])


@dataclass
class Population:
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
    driver: ChainDriver  # every transaction of the rounds: ape's deploys the contracts
    assignments: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    market: list[dict[str, Any]] = field(default_factory=list)
    stuck: dict[str, int] = field(default_factory=dict)  # device -> round its task got stuck
    stuck_tasks: list[dict[str, Any]] = field(default_factory=list)

    def bad_now(self, server: str, round_: int) -> bool:
        first = self.bad_from.get(server)
        return first is not None and round_ >= first


def build_population(
    accounts: list[Any], config: ScenarioConfig, population: int, clock: SimClock
) -> Population:
    rng = np.random.default_rng(config.seed + population)
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
    driver = ChainDriver()
    registrations = []
    for policy_id in POLICY_LABELS:
        devices[policy_id] = []
        for i in range(config.devices_per_policy):
            address = synthetic_address(0xE0 + policy_id, (population << 16) | i)
            registrations += [
                Call(drone, registry, "registerDevice", (address,), f"device {address}"),
                Call(drone, registry, "addOffloadingPolicy", (address, policy_id), "its policy"),
            ]
            devices[policy_id].append(IoTDevice(address, workload, rng))
    # One at a time: a batch may share blocks, differently from run to run, and every block
    # changes the next one's prevrandao (Random's draw). One block each keeps a seed's replay.
    for registration in registrations:
        driver.call(registration)
    if config.bad_pick == "largest":
        bad = 1 + np.argsort(capacities[1:])[::-1][: config.bad_servers]
    else:
        bad = 1 + rng.choice(len(servers) - 1, size=config.bad_servers, replace=False)
    last_start = max(config.first_bad_round, config.rounds // 2)
    starts = np.linspace(config.first_bad_round, last_start, num=config.bad_servers)
    bad_from = {servers[int(i)].address: int(s) for i, s in zip(bad, starts, strict=True)}
    reputation = deployment.reputation
    reputation.grantRole(reputation.REPORTER_ROLE(), mobile, sender=agent)
    client = ReputationClient(
        driver.view(reputation),
        mobile,
        [s.address for s in servers],
        transport=driver_transport(driver, reputation, mobile),
    )
    return Population(
        deployment,
        servers,
        bad_from,
        drone,
        devices,
        Requester(requester),
        client,
        rng,
        clock,
        driver,
    )
