"""A new on-chain DMEC offloading policy, deployed, registered and used by a drone.

The policy is contracts/examples/NearestCapablePolicy.sol: the nearest server that computes the
task within a budget (1 s), else the one with the largest capacity. ape compiles it with the
rest of contracts/. This script deploys the DMEC contracts, deploys the policy and registers it
(`registerPolicy`: the registry is unchanged), admits three servers, lets a drone register a
device under the new policy and relay five tasks of growing size; each server answers its task.
It prints which server got each task and the gas of each submitTask.

    python examples/new_policy.py [--network ethereum:local:foundry]
"""

from __future__ import annotations

from typing import Any

import click

from edgeledger.chain import on_network
from edgeledger.deploy import deploy_dmec
from edgeledger.dmec.actors import Drone, MecServer, Relayed, TaskSpec
from edgeledger.errors import exit_on_user_error
from edgeledger.ethereum import synthetic_address
from edgeledger.progress import verbose_option

BUDGET_MS = 1_000
SERVERS = [(300, 0, 2_000), (800, 600, 6_000), (-1_500, 1_200, 20_000)]  # x m, y m, Mc/s
TASK_MEGACYCLES = [1_500, 2_000, 4_000, 9_000, 30_000]
DEVICE = synthetic_address(0xDE, 1)  # an IoT device never sends a transaction


def run(accounts: list[Any]) -> tuple[Any, Any, list[Relayed]]:
    """Deploy, register, relay; returns the registry, the policy and each relayed task."""
    from ape import project

    agent, drone_account, *server_accounts = accounts[:5]
    registry = deploy_dmec(agent).registry
    policy = project.NearestCapablePolicy.deploy(BUDGET_MS, sender=agent)
    policy_id = int(registry.registerPolicy(policy, sender=agent).events[0].policyId)
    servers = {}
    for account, (x_m, y_m, capacity) in zip(server_accounts, SERVERS, strict=True):
        registry.registerServer(account, x_m, y_m, capacity, sender=agent)
        servers[account.address] = MecServer(account, capacity, x_m, y_m)
    registry.registerDrone(drone_account, 0, 0, sender=server_accounts[0])  # a server vouches
    registry.registerDevice(DEVICE, sender=drone_account)
    registry.addOffloadingPolicy(DEVICE, policy_id, sender=drone_account)
    drone = Drone(drone_account, 0, 0, rate_kb_per_s=2_500)
    relayed = []
    for megacycles in TASK_MEGACYCLES:
        spec = TaskSpec(data_kb=500, compute_megacycles=megacycles, kind=1)
        task = drone.relay(registry, DEVICE, spec)
        # The server answers, so the device (one task at a time) may send its next one.
        servers[task.server].process(registry, task.task_id, drone.forward(spec, task.task_id))
        relayed.append(task)
    return registry, policy, relayed


@click.command()
@verbose_option
@exit_on_user_error
@on_network()
def cli() -> None:
    from ape import accounts

    registry, policy, relayed = run(list(accounts.test_accounts))
    click.echo(f"{policy.name()} policy at {policy.address}, budget {BUDGET_MS} ms")
    places = {info.account: (info.x, info.y, info.capacityMcps) for info in registry.getServers()}
    click.echo(f"{'task':<6}{'megacycles':>11}  {'server (x m, y m, Mc/s)':<36}{'gas':>8}")
    for n, task in enumerate(relayed, 1):
        where = f"{task.server[:10]}… {places[task.server]}"
        click.echo(f"{n:<6}{task.spec.compute_megacycles:>11}  {where:<36}{task.gas_used:>8}")


if __name__ == "__main__":
    cli()
