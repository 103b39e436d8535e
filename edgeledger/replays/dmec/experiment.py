"""The DMEC replay's measurements: the paper's gas experiment (its Fig. 4), gas versus the number
of servers, end-to-end task latency on a chain with a block time, and one device's life audited
from events. Every figure is read from receipts of real transactions on a local anvil node.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.chain import anvil_node, connected, state_taken_back
from edgeledger.deploy import Deployment, deploy_dmec
from edgeledger.dmec.actors import (
    SERVER_AREA_M,
    Drone,
    IoTDevice,
    MecServer,
    Relayed,
    WorkloadModel,
    result_digest,
)
from edgeledger.dmec.audit import device_history, format_history
from edgeledger.dmec.policies import Policy
from edgeledger.driver import Call, ChainDriver
from edgeledger.ethereum import synthetic_address
from edgeledger.progress import ProgressCallback, quiet
from edgeledger.replays.dmec.settings import DmecReplayConfig
from edgeledger.replays.scheduler import replay_units
from edgeledger.replays.units import node_accounts


@dataclass
class DmecWorld:
    """One drone, its servers and devices, registered in a deployed registry."""

    deployment: Deployment
    drone: Drone
    servers: list[MecServer]
    devices: dict[Policy, list[IoTDevice]]
    driver: ChainDriver  # the bulk transactions (registrations, a policy's tasks)

    @property
    def registry(self) -> Any:
        return self.deployment.registry

    def server(self, address: str) -> MecServer:
        return next(s for s in self.servers if s.address == address)


def build_dmec_world(
    accounts: list[Any],
    *,
    devices_per_policy: int,
    rng: np.random.Generator,
    workload: WorkloadModel | None = None,
) -> DmecWorld:
    """Deploy the contracts and register servers (accounts[1:-1]), a drone (accounts[-1]) and
    `devices_per_policy` devices under each policy. accounts[0] is the agent."""
    agent, server_accounts, drone_account = accounts[0], accounts[1:-1], accounts[-1]
    deployment = deploy_dmec(agent)
    registry = deployment.registry
    workload = workload or WorkloadModel()
    servers = []
    for account in server_accounts:
        x, y = (int(v) for v in rng.integers(-SERVER_AREA_M, SERVER_AREA_M, size=2))
        capacity = int(rng.integers(5_000, 40_000))
        registry.registerServer(account, x, y, capacity, sender=agent)
        servers.append(MecServer(account, capacity, x, y))
    drone = Drone(drone_account, 0, 0, deployment.parameters.mean_rate_kb_per_s)
    registry.registerDrone(drone_account, 0, 0, sender=server_accounts[0])
    devices: dict[Policy, list[IoTDevice]] = {}
    registrations = []
    for policy in Policy:
        devices[policy] = []
        for i in range(devices_per_policy):
            address = synthetic_address(0xD0 + int(policy), i)
            registrations += [
                Call(drone_account, registry, "registerDevice", (address,), f"device {address}"),
                Call(
                    drone_account,
                    registry,
                    "addOffloadingPolicy",
                    (address, int(policy)),
                    f"{policy.label} for device {address}",
                ),
            ]
            devices[policy].append(IoTDevice(address, workload, rng))
    driver = ChainDriver()
    driver.send(registrations)
    return DmecWorld(deployment, drone, servers, devices, driver)


def offload_one(world: DmecWorld, device: IoTDevice) -> tuple[Relayed, int]:
    """Device → drone → registry → server → result. Returns the relay and the result's gas."""
    spec = device.next_task()
    relayed = world.drone.relay(world.registry, device.address, spec)
    server = world.server(relayed.server)
    _, receipt = server.process(
        world.registry, relayed.task_id, world.drone.forward(spec, relayed.task_id)
    )
    return relayed, int(receipt.gas_used)


def offload_all(world: DmecWorld, devices: list[IoTDevice]) -> list[tuple[Relayed, int]]:
    """`offload_one` for a task of each device, in two batches through the chain driver: every
    relay (the drone's, in the devices' order), then every result (each by its server). A
    relay's gas does not depend on the results of other devices' tasks (they are on other
    devices' words), so the gas is that of offloading the tasks one by one. Latency is not:
    a result waits for every relay of the batch (this registry is not wired to a reputation
    manager, so nothing is scored by it; `latency_on_block_time_chain` measures latency)."""
    drone, registry = world.drone, world.registry
    specs = [device.next_task() for device in devices]
    relays = world.driver.send(
        [
            Call(
                drone.account,
                registry,
                "submitTask",
                (device.address, spec.data_kb, spec.compute_megacycles, spec.kind),
                f"the relay of a task of {device.address}",
            )
            for device, spec in zip(devices, specs, strict=True)
        ]
    )
    relayed = [
        drone.relayed(receipt.gas_used, receipt.events(registry.TaskSubmitted)[0], spec)
        for receipt, spec in zip(relays, specs, strict=True)
    ]
    results = []
    for task, spec in zip(relayed, specs, strict=True):
        server = world.server(task.server)
        digest = result_digest(task.task_id, drone.forward(spec, task.task_id))
        results.append(
            Call(
                server.account,
                registry,
                "submitResult",
                (task.task_id, digest),
                f"the result of task {task.task_id:#x}",
            )
        )
    answered = world.driver.send(results)
    for task in relayed:
        world.server(task.server).completed.append(task.task_id)
    return [(task, receipt.gas_used) for task, receipt in zip(relayed, answered, strict=True)]


def gas_versus_tasks(
    config: DmecReplayConfig, progress: ProgressCallback = quiet, journal_path: Path | None = None
) -> list[dict[str, Any]]:
    """The paper's experiment: 1 drone, 3 servers, n tasks per policy, repeated; each
    repetition a unit (`repetition_rows`): here, in `config.workers` processes, or on Ray
    (`config.ray`); with `journal_path`, finished units are kept there and those it holds
    skipped."""
    units = [(repetition,) for repetition in range(config.repetitions)]
    unit = partial(repetition_rows, config=config)
    return replay_units(unit, units, "gas vs tasks", progress, config, journal_path)


def repetition_rows(unit: tuple[int], config: DmecReplayConfig) -> list[dict[str, Any]]:
    """One repetition of the gas experiment, on a world of its own (the same for every
    repetition: the seed's servers and devices), on the connected chain or, in a worker, on its
    process's own node; the chain is taken back afterwards.

    It relays max(n) tasks of every device under each policy in turn, one transaction each, every
    task answered by its server; the cumulative gas of the relays (where the policy runs) is read
    at every n. Each repetition draws its own tasks."""
    (repetition,) = unit
    n_max = max(config.task_counts)
    rows: list[dict[str, Any]] = []
    accounts = node_accounts()  # connects a worker to its node first
    with state_taken_back():
        world = build_dmec_world(
            accounts[:5],
            devices_per_policy=n_max,
            rng=np.random.default_rng(config.seed),
        )
        rng = np.random.default_rng([config.seed, repetition])
        for policy in Policy:
            for device in world.devices[policy]:
                device.rng = rng
            relay_gas = result_gas = 0
            tasks = offload_all(world, world.devices[policy])
            for n, (relayed, gas) in enumerate(tasks, start=1):
                relay_gas += relayed.gas_used
                result_gas += gas
                if n in config.task_counts:
                    rows.append(
                        {
                            "policy": policy.label,
                            "tasks": n,
                            "repetition": repetition,
                            "relay_gas": relay_gas,
                            "result_gas": result_gas,
                        }
                    )
    return rows


def gas_versus_servers(
    accounts: list[Any], config: DmecReplayConfig, progress: ProgressCallback = quiet
) -> list[dict[str, Any]]:
    """Gas of one relayed task (one `submitTask`) as the number of servers grows."""
    rng = np.random.default_rng([config.seed, 10_000])
    per_point = config.tasks_per_server_count
    points = len(config.server_counts)
    world = build_dmec_world(accounts[:5], devices_per_policy=per_point * points, rng=rng)
    registry, agent = world.registry, accounts[0]
    rows: list[dict[str, Any]] = []
    registered = len(world.servers)
    for point, count in enumerate(sorted(config.server_counts)):
        while registered < count:
            x, y = (int(v) for v in rng.integers(-SERVER_AREA_M, SERVER_AREA_M, size=2))
            address = synthetic_address(0x5E, registered)
            registry.registerServer(address, x, y, int(rng.integers(5_000, 40_000)), sender=agent)
            registered += 1
        for policy in Policy:
            devices = world.devices[policy][point * per_point : (point + 1) * per_point]
            gas = [world.drone.relay(registry, d.address, d.next_task()).gas_used for d in devices]
            rows.append(
                {
                    "policy": policy.label,
                    "servers": count,
                    "tasks": len(gas),
                    "mean_gas": float(np.mean(gas)),
                    "std_gas": float(np.std(gas)),
                }
            )
        progress("gas vs servers", point + 1, points)
    return rows


def latency_on_block_time_chain(
    accounts: list[Any], config: DmecReplayConfig, progress: ProgressCallback = quiet
) -> list[dict[str, Any]]:
    """Submit-to-result latency of tasks on a separate anvil with a block time.

    Each task: the drone's relay is mined, the server computes for compute/capacity seconds
    (really waits), and its result is mined. Wall time and block timestamps are both kept.
    """
    rows: list[dict[str, Any]] = []
    with anvil_node(block_time_s=config.block_time_s) as node, connected(node.network_choice):
        rng = np.random.default_rng([config.seed, 20_000])
        # Small tasks so that waiting is the chain's, not the computation's.
        workload = WorkloadModel(data_kb=(10, 200), compute_megacycles=(10, 500))
        world = build_dmec_world(
            accounts[:5], devices_per_policy=config.latency_tasks, rng=rng, workload=workload
        )
        for i, device in enumerate(world.devices[Policy.DELAY_AWARE]):
            spec = device.next_task()
            started = time.monotonic()
            relayed = world.drone.relay(world.registry, device.address, spec)
            relayed_at = time.monotonic()
            server = world.server(relayed.server)
            compute_s = server.compute_time_s(spec)
            time.sleep(compute_s)
            _, receipt = server.process(
                world.registry, relayed.task_id, world.drone.forward(spec, relayed.task_id)
            )
            finished = time.monotonic()
            rows.append(
                {
                    "task": i,
                    "block_time_s": config.block_time_s,
                    "relay_wait_s": round(relayed_at - started, 3),
                    "compute_s": round(compute_s, 3),
                    "end_to_end_s": round(finished - started, 3),
                    "on_chain_latency_s": int(receipt.events[0].latencyS),
                }
            )
            progress("latency", i + 1, config.latency_tasks)
    return rows


def audit_example(accounts: list[Any]) -> str:
    """A short life of one device (tasks, a move, a timeout and reassignment), audited from
    events alone, for the summary."""
    from ape import chain

    rng = np.random.default_rng(7)
    world = build_dmec_world(accounts[:5], devices_per_policy=1, rng=rng)
    device = world.devices[Policy.NEAREST][0]
    offload_one(world, device)
    world.drone.move_to(world.registry, 1_500, -1_500)
    relayed = world.drone.relay(world.registry, device.address, device.next_task())
    chain.mine(deltatime=world.deployment.parameters.task_timeout_s + 1)
    receipt = world.registry.reassignTask(relayed.task_id, sender=world.drone.account)
    new_server = world.server(str(receipt.events[0].toServer))
    new_server.process(world.registry, relayed.task_id, b"late result")
    return format_history(device_history(world.registry, device.address))
