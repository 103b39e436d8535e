"""DroneMecRegistry: registration, task submission (one and in batches, per policy), the cost
of each extra server a policy weighs, and results."""

from __future__ import annotations

import numpy as np
from bench_bounds import COLD_READ, NEW_SLOT, REWRITE_COLD, TX, gas_row, gas_table, log_cost
from bench_section import section

from edgeledger.dmec.actors import TaskSpec
from edgeledger.dmec.policies import Policy
from edgeledger.ethereum import synthetic_address
from edgeledger.replays.dmec.experiment import build_dmec_world


def dmec_section() -> list[str]:
    rows, notes = dmec_gas()
    intro = [
        "The lower bound counts only what the function must pay: the transaction, the",
        "storage it must write (a device's two slots are pre-written at registration, so a",
        "task rewrites them: 5,000 each) and its event. The last column names what makes",
        "up the rest.",
    ]
    return section("DMEC gas", intro, [gas_table(rows)], notes)


def dmec_gas() -> tuple[list[list[str]], list[str]]:
    from ape import accounts

    test_accounts = list(accounts.test_accounts)
    world = build_dmec_world(test_accounts[:5], devices_per_policy=80, rng=np.random.default_rng(1))
    registry, drone, agent = world.registry, world.drone, test_accounts[0]
    spec = TaskSpec(data_kb=2_000, compute_megacycles=1_500, kind=1)
    rows: list[list[str]] = []
    notes: list[str] = []

    def row(name: str, gas: float, bound: int, target: int | None, why: str) -> None:
        rows.append(gas_row(name, gas, bound, target, why))

    # registerServer: one new slot (the record) and the list head rewritten.
    receipt = registry.registerServer(synthetic_address(0xBE, 1), 5, 5, 9_000, sender=agent)
    bound = TX + NEW_SLOT + log_cost(1, 3)
    row(
        "registerServer",
        receipt.gas_used,
        bound,
        70_000,
        "+ role check (cold read), list head/count rewrite (5,000), calldata",
    )
    registry.revokeServer(synthetic_address(0xBE, 1), sender=agent)

    # submitTask, 3 servers, per policy.
    submit_bound = TX + 2 * REWRITE_COLD + log_cost(3, 5)
    for policy in Policy:
        devices = world.devices[policy]
        gas = [drone.relay(registry, d.address, spec).gas_used for d in devices[:5]]
        row(
            f"submitTask, {policy.label}, 3 servers",
            float(np.mean(gas)),
            submit_bound,
            60_000,
            "+ cold reads: drone, its server (revocation cascades), server list, 3 servers "
            "(10,500); policy call (2,600 + its work)",
        )

    # submitTasks, batch of 10, per task.
    for policy in (Policy.NEAREST, Policy.DELAY_AWARE):
        batch = [(d.address, spec) for d in world.devices[policy][10:20]]
        relayed = drone.relay_batch(registry, batch)
        per_task = relayed[0].gas_used
        bound_batch = TX // 10 + 2 * REWRITE_COLD + log_cost(3, 5)
        row(
            f"submitTasks (10), {policy.label}, per task",
            per_task,
            bound_batch,
            25_000,
            "+ device cold read, warm policy call, calldata share",
        )

    # Per extra server: slope of one submitTask against the number of servers. DelayAware
    # runs one of two loops, so both of its branches are measured.
    transmission_heavy = TaskSpec(data_kb=50_000, compute_megacycles=100, kind=1)
    cases = [(policy, spec, policy.label) for policy in Policy]
    cases[-1] = (Policy.DELAY_AWARE, spec, "DelayAware (MCC branch)")
    cases.append((Policy.DELAY_AWARE, transmission_heavy, "DelayAware (Nearest branch)"))
    counts = [3, 8, 16, 32, 64]
    gas_at: dict[str, list[float]] = {label: [] for _, _, label in cases}
    registered = 3
    offset = 20
    for count in counts:
        while registered < count:
            registry.registerServer(
                synthetic_address(0x5E, registered),
                registered,
                -registered,
                1_000 + registered,
                sender=agent,
            )
            registered += 1
        for case, (policy, task, label) in enumerate(cases):
            # Each case draws fresh devices: a device has one outstanding task at a time.
            start = offset + 3 * len(counts) * (case // len(Policy))
            devices = world.devices[policy][start : start + 3]
            gas_at[label].append(
                float(np.mean([drone.relay(registry, d.address, task).gas_used for d in devices]))
            )
        offset += 3
    for _, _, label in cases:
        slope = float(np.polyfit(counts, gas_at[label], 1)[0])
        row(
            f"per extra server, {label}",
            slope,
            COLD_READ,
            2_600,
            "+ list walk, ABI copy to the policy, the policy's own loop",
        )

    result_receipt = world.server(relayed[0].server).process(
        registry, relayed[0].task_id, b"result"
    )[1]
    row(
        "submitResult",
        result_receipt.gas_used,
        TX + REWRITE_COLD + log_cost(3, 3),
        None,
        "+ latest task cold read (2,100)",
    )

    notes.append(
        f"Policy evaluation fits over m = {counts} servers, 3 tasks per point "
        "(gas_vs_servers in the replay shows the same)."
    )
    return rows, notes
