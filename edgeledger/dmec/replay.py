"""The DMEC replay: the paper's gas experiment (its Fig. 4), gas versus the number of servers,
and end-to-end task latency on a chain with a block time.

Every figure is measured from receipts of real transactions on a local anvil node.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from eth_utils import to_checksum_address

from edgeledger.chain import anvil_node, connected
from edgeledger.deploy import Deployment, deploy_dmec
from edgeledger.dmec.actors import Drone, IoTDevice, MecServer, Relayed, WorkloadModel
from edgeledger.dmec.audit import device_history, format_history
from edgeledger.dmec.policies import Policy
from edgeledger.reports import markdown_table, new_figure, save_figure, write_csv

Progress = Callable[[str, int, int], None]

SERVER_AREA_M = 2_000  # servers and drones lie in a square of this side, metres


@dataclass(frozen=True)
class DmecReplayConfig:
    """What to replay. The defaults are the quick run of `make demo`; PAPER is the paper's."""

    task_counts: tuple[int, ...] = (1, 10, 25, 50)
    repetitions: int = 3
    server_counts: tuple[int, ...] = (3, 8, 16, 32, 64)
    tasks_per_server_count: int = 3
    latency_tasks: int = 8
    block_time_s: float = 1.0
    seed: int = 2019


PAPER = DmecReplayConfig(
    task_counts=(1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100),
    repetitions=20,
    server_counts=(3, 4, 8, 16, 32, 64),
    tasks_per_server_count=10,
    latency_tasks=40,
    block_time_s=4.0,
)


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def synthetic_address(tag: int, index: int) -> str:
    """A deterministic address for actors that never send transactions (devices, far servers)."""
    return to_checksum_address("0x" + format((tag << 128) | index, "040x"))


@dataclass
class DmecWorld:
    """One drone, its servers and devices, registered in a deployed registry."""

    deployment: Deployment
    drone: Drone
    servers: list[MecServer]
    devices: dict[Policy, list[IoTDevice]]

    @property
    def registry(self) -> Any:
        return self.deployment.registry

    def server(self, address: str) -> MecServer:
        return next(s for s in self.servers if s.address == address)


def build_world(
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
    for policy in Policy:
        devices[policy] = []
        for i in range(devices_per_policy):
            address = synthetic_address(0xD0 + int(policy), i)
            registry.registerDevice(address, sender=drone_account)
            registry.addOffloadingPolicy(address, int(policy), sender=drone_account)
            devices[policy].append(IoTDevice(address, workload, rng))
    return DmecWorld(deployment, drone, servers, devices)


def offload_one(world: DmecWorld, device: IoTDevice) -> tuple[Relayed, int]:
    """Device → drone → registry → server → result. Returns the relay and the result's gas."""
    spec = device.next_task()
    relayed = world.drone.relay(world.registry, device.address, spec)
    server = world.server(relayed.server)
    _, receipt = server.process(
        world.registry, relayed.task_id, world.drone.forward(spec, relayed.task_id)
    )
    return relayed, int(receipt.gas_used)


def gas_versus_tasks(
    accounts: list[Any], config: DmecReplayConfig, progress: Progress = _quiet
) -> list[dict[str, Any]]:
    """The paper's experiment: 1 drone, 3 servers, n tasks per policy, repeated.

    Each repetition relays max(n) tasks one transaction each, every task answered by its
    server; the cumulative gas of the relays (where the policy runs) is read at every n.
    """
    n_max = max(config.task_counts)
    rows: list[dict[str, Any]] = []
    total = config.repetitions * len(Policy)
    done = 0
    world = build_world(
        accounts[:5], devices_per_policy=n_max, rng=np.random.default_rng(config.seed)
    )
    for repetition in range(config.repetitions):
        # Each repetition draws its own tasks; the registrations are shared (a device's
        # storage costs the same for its first task as for any later one).
        rng = np.random.default_rng([config.seed, repetition])
        for policy in Policy:
            for device in world.devices[policy]:
                device.rng = rng
            relay_gas = result_gas = 0
            for n, device in enumerate(world.devices[policy], start=1):
                relayed, gas = offload_one(world, device)
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
            done += 1
            progress("gas vs tasks", done, total)
    return rows


def gas_versus_servers(
    accounts: list[Any], config: DmecReplayConfig, progress: Progress = _quiet
) -> list[dict[str, Any]]:
    """Gas of one relayed task (one `submitTask`) as the number of servers grows."""
    rng = np.random.default_rng([config.seed, 10_000])
    per_point = config.tasks_per_server_count
    points = len(config.server_counts)
    world = build_world(accounts[:5], devices_per_policy=per_point * points, rng=rng)
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
    accounts: list[Any], config: DmecReplayConfig, progress: Progress = _quiet
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
        world = build_world(
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


def run_dmec_replay(
    accounts: list[Any], config: DmecReplayConfig, out_dir: Path, progress: Progress = _quiet
) -> dict[str, Any]:
    """Run the three experiments, write CSV, PNG and summary.md to `out_dir`; returns the
    headline: gas per relayed task of each policy at the largest n."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks_rows = gas_versus_tasks(accounts, config, progress)
    servers_rows = gas_versus_servers(accounts, config, progress)
    latency_rows = latency_on_block_time_chain(accounts, config, progress)

    write_csv(out_dir / "gas_vs_tasks.csv", tasks_rows)
    write_csv(out_dir / "gas_vs_servers.csv", servers_rows)
    write_csv(out_dir / "latency.csv", latency_rows)
    tasks_summary = summarize_gas_vs_tasks(tasks_rows)
    plot_gas_vs_tasks(tasks_summary, out_dir / "gas_vs_tasks.png")
    plot_gas_vs_servers(servers_rows, out_dir / "gas_vs_servers.png")
    plot_latency(latency_rows, out_dir / "latency.png")

    audit_world = _audit_example(accounts)
    (out_dir / "summary.md").write_text(
        render_summary(config, tasks_summary, servers_rows, latency_rows, audit_world)
    )
    n = max(config.task_counts)
    return {
        f"gas per task at n={n}": {
            r["policy"]: round(r["mean_gas"] / n) for r in tasks_summary if r["tasks"] == n
        }
    }


def _audit_example(accounts: list[Any]) -> str:
    """A short life of one device (tasks, a move, a timeout and reassignment), audited from
    events alone, for the summary."""
    from ape import chain

    rng = np.random.default_rng(7)
    world = build_world(accounts[:5], devices_per_policy=1, rng=rng)
    device = world.devices[Policy.NEAREST][0]
    offload_one(world, device)
    world.drone.move_to(world.registry, 1_500, -1_500)
    relayed = world.drone.relay(world.registry, device.address, device.next_task())
    chain.mine(deltatime=world.deployment.parameters.task_timeout_s + 1)
    receipt = world.registry.reassignTask(relayed.task_id, sender=world.drone.account)
    new_server = world.server(str(receipt.events[0].toServer))
    new_server.process(world.registry, relayed.task_id, b"late result")
    return format_history(device_history(world.registry, device.address))


def summarize_gas_vs_tasks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    summary = []
    for policy in Policy:
        for n in sorted({r["tasks"] for r in rows}):
            values = [
                r["relay_gas"] for r in rows if r["policy"] == policy.label and r["tasks"] == n
            ]
            summary.append(
                {
                    "policy": policy.label,
                    "tasks": n,
                    "mean_gas": float(np.mean(values)),
                    "std_gas": float(np.std(values)),
                    "runs": len(values),
                }
            )
    return summary


def plot_gas_vs_tasks(summary: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = new_figure()
    for policy in Policy:
        points = [r for r in summary if r["policy"] == policy.label]
        axes.errorbar(
            [r["tasks"] for r in points],
            [r["mean_gas"] / 1e6 for r in points],
            yerr=[r["std_gas"] / 1e6 for r in points],
            marker="o",
            capsize=3,
            label=policy.label,
        )
    axes.set_xlabel("offloaded tasks n (1 drone, 3 MEC servers)")
    axes.set_ylabel("gas of the relays, millions")
    axes.set_title("Gas per offloading policy (cf. DMEC Fig. 4)")
    axes.legend()
    return save_figure(figure, path)


def plot_gas_vs_servers(rows: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = new_figure()
    for policy in Policy:
        points = [r for r in rows if r["policy"] == policy.label]
        axes.plot(
            [r["servers"] for r in points],
            [r["mean_gas"] for r in points],
            marker="o",
            label=policy.label,
        )
    axes.set_xlabel("active MEC servers m")
    axes.set_ylabel("gas of one submitTask")
    axes.set_title("Policy evaluation cost versus servers")
    axes.legend()
    return save_figure(figure, path)


def plot_latency(rows: list[dict[str, Any]], path: Path) -> Path:
    figure, axes = new_figure()
    axes.bar([r["task"] for r in rows], [r["relay_wait_s"] for r in rows], label="relay mined")
    axes.bar(
        [r["task"] for r in rows],
        [r["end_to_end_s"] - r["relay_wait_s"] for r in rows],
        bottom=[r["relay_wait_s"] for r in rows],
        label="compute + result mined",
    )
    block = rows[0]["block_time_s"] if rows else 0
    axes.set_xlabel("task")
    axes.set_ylabel("seconds")
    axes.set_title(f"Submit-to-result latency, {block:g} s blocks")
    axes.legend()
    return save_figure(figure, path)


def per_server_increment(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Least-squares slope of relay gas per added server, per policy."""
    slopes = {}
    for policy in Policy:
        points = [r for r in rows if r["policy"] == policy.label]
        x = np.array([r["servers"] for r in points], dtype=float)
        y = np.array([r["mean_gas"] for r in points], dtype=float)
        slopes[policy.label] = float(np.polyfit(x, y, 1)[0]) if len(points) > 1 else float("nan")
    return slopes


def render_summary(
    config: DmecReplayConfig,
    tasks_summary: list[dict[str, Any]],
    servers_rows: list[dict[str, Any]],
    latency_rows: list[dict[str, Any]],
    audit_text: str,
) -> str:
    n_max = max(config.task_counts)
    at_max = [r for r in tasks_summary if r["tasks"] == n_max]
    slopes = per_server_increment(servers_rows)
    end_to_end = [r["end_to_end_s"] for r in latency_rows]
    lines = [
        "# DMEC replay",
        "",
        f"Seed {config.seed}; {config.repetitions} repetitions; tasks {list(config.task_counts)};"
        f" servers {list(config.server_counts)}; latency on {config.block_time_s:g} s blocks.",
        "",
        f"## Gas for n = {n_max} tasks, 1 drone, 3 servers (mean ± std over repetitions)",
        "",
        markdown_table(
            ["policy", "gas for n tasks", "std", "gas per task"],
            [
                [
                    r["policy"],
                    f"{r['mean_gas']:,.0f}",
                    f"{r['std_gas']:,.0f}",
                    f"{r['mean_gas'] / n_max:,.0f}",
                ]
                for r in at_max
            ],
        ),
        "",
        "Gas grows linearly in n for every policy, as in the paper's Fig. 4 (gas_vs_tasks.png).",
        "",
        "## Gas of one task versus servers",
        "",
        markdown_table(
            ["policy", "gas added per server (fit)"],
            [[label, f"{slope:,.0f}"] for label, slope in slopes.items()],
        ),
        "",
        "## Latency, submit to result",
        "",
        (
            f"{len(end_to_end)} tasks: mean {np.mean(end_to_end):.2f} s,"
            f" max {np.max(end_to_end):.2f} s with {config.block_time_s:g} s blocks"
            " (two transactions per task)."
            if end_to_end
            else "no tasks"
        ),
        "",
        "## Audit of one device, from events alone",
        "",
        "```",
        audit_text,
        "```",
        "",
    ]
    return "\n".join(lines)
