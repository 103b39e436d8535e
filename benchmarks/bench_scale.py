"""At Internet scale, on paper: from gas measured in this run on the wired deployment
(`deploy_all`), how many DMEC tasks, reputation reports and market rounds a second one chain's
gas throughput holds, what each costs at a stated fee, and which gives first."""

from __future__ import annotations

import numpy as np
from bench_market import market_rounds
from bench_section import section

from edgeledger.deploy import REPUTATION_AWARE_POLICY_ID, deploy_all
from edgeledger.ethereum import synthetic_address
from edgeledger.fresco.reputation import Report
from edgeledger.reports import markdown_table

# Stated, not measured: each chain's sustained gas a second and a fee for it. Change them and
# run `make bench` again.
CHAINS = (
    # name, gas a second, fee (gwei a gas)
    ("Ethereum mainnet (60 M gas a 12 s block, 10 gwei)", 60_000_000 / 12, 10.0),
    ("an L2: Arbitrum One (7 M gas a second, 0.01 gwei)", 7_000_000, 0.01),
)
REPORTS_PER_BATCH = 100


def scale_section() -> list[str]:
    unit_gas = measured_units()
    header = ["unit of work", "gas each (measured)"]
    header += [f"per second, {name}" for name, _, _ in CHAINS]
    header += [f"ETH each, {name.split(' (')[0]}" for name, _, _ in CHAINS]
    rows = []
    for what, gas in unit_gas.items():
        per_second = [f"{rate / gas:,.1f}" for _, rate, _ in CHAINS]
        cost = [f"{gas * fee * 1e-9:.3g}" for _, _, fee in CHAINS]
        rows.append([what, f"{gas:,.0f}", *per_second, *cost])
    task, report, round_ = unit_gas.values()
    (_, mainnet_rate, _), (_, l2_rate, _) = CHAINS
    notes = [
        "Each figure gives a chain's whole capacity to one kind of work; real traffic shares it "
        "with everything else on the chain.",
        f"DMEC tasks give first: every IoT task is a relay and a result on chain ({task:,.0f} "
        f"gas), so all of mainnet holds {mainnet_rate / task:,.0f} tasks a second and the L2 "
        f"{l2_rate / task:,.0f}: the sensors of a single town. Relaying a device's tasks in "
        "batches (`submitTasks`, DMEC gas) is the first saving; beyond it, tasks would have to "
        "be settled off chain and only disputes brought on. Reports come next "
        f"({report:,.0f} gas each in a batch, {report / task:.0%} of a task): they are batched "
        "already and cost calldata and score words. A market round costs the most "
        f"({round_:,.0f} gas, {round_ / task:.1f} tasks' worth) but comes once per "
        "collaborative request, and the deposits it locks for its window bound it before gas "
        "does.",
    ]
    return section(
        "At Internet scale, on paper",
        [
            "Gas measured in this run on `deploy_all` (one identity); chain throughput and fees",
            "are stated in benchmarks/bench_scale.py.",
        ],
        [markdown_table(header, rows)],
        notes,
    )


def measured_units() -> dict[str, float]:
    """Gas of one wired DMEC task (relay and result, 3 servers, ReputationAware), of one report
    in a batch of 100 about 100 nodes, and of one market round with 4 bidders and a detector."""
    from ape import accounts, chain

    acc = list(accounts.test_accounts)
    agent, drone, reporter, requester, detector = acc[0], acc[4], acc[5], acc[6], acc[7]
    servers, bidders = acc[1:4], acc[8:12]
    deployment = deploy_all(agent)
    registry, reputation = deployment.registry, deployment.reputation
    reputation.registerNodes([*servers, *bidders, requester, detector], sender=agent)
    for i, server in enumerate(servers):
        registry.registerServer(server, 100 * (i + 1), 0, 10_000 * (i + 1), sender=agent)
    registry.registerDrone(drone, 0, 0, sender=servers[0])
    task_gas = []
    for i in range(3):
        device = synthetic_address(0x5CA1E, i)
        registry.registerDevice(device, sender=drone)
        registry.addOffloadingPolicy(device, REPUTATION_AWARE_POLICY_ID, sender=drone)
        relay = registry.submitTask(device, 20, 600, 0, sender=drone)
        server = next(s for s in servers if s.address == str(relay.events[0].server))
        chain.mine(deltatime=5)
        result = registry.submitResult(int(relay.events[0].taskId), b"\x01" * 32, sender=server)
        task_gas.append(int(relay.gas_used) + int(result.gas_used))

    reputation.grantRole(reputation.REPORTER_ROLE(), reporter, sender=agent)
    nodes = [synthetic_address(0x5CA1F, i) for i in range(REPORTS_PER_BATCH)]
    reputation.registerNodes(nodes, sender=agent)
    first = int(reputation.getNodeIndex(nodes[0]))
    words = [
        Report(first + i, 1 + i, 20_000 + 997 * i, 100_000, i % 7 != 0).packed()
        for i in range(REPORTS_PER_BATCH)
    ]
    batch = reputation.updateNodeReputation(words, sender=reporter)

    rounds = 2
    steps: dict[str, list[int]] = market_rounds(
        deployment.market, deployment.verifiers, requester, bidders, detector, rounds
    )
    return {
        "DMEC task (submitTask + submitResult)": float(np.mean(task_gas)),
        f"reputation report (in a batch of {REPORTS_PER_BATCH})": int(batch.gas_used)
        / REPORTS_PER_BATCH,
        "market round (post, 4 bids, close, result, commit, reveal, finalize, reclaim, "
        "withdraw)": sum(sum(values) for values in steps.values()) / rounds,
    }
