"""One identity: each path of the registry and the market alone, and wired to the reputation
manager (`deploy_all`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from bench_market import market_rounds
from bench_section import section

from edgeledger.deploy import (
    REPUTATION_AWARE_POLICY_ID,
    deploy_all,
    deploy_blockedge,
    deploy_dmec,
)
from edgeledger.dmec.policies import Policy
from edgeledger.ethereum import synthetic_address
from edgeledger.reports import markdown_table


def identity_section() -> list[str]:
    rows, notes = identity_gas()
    header = ["function", "alone", "wired", "difference", "what the difference pays for"]
    return section(
        "One identity: what feeding reputation costs",
        ["Each path measured on a stand-alone deployment and on the wired one, same steps."],
        [markdown_table(header, rows)],
        notes,
    )


def identity_gas() -> tuple[list[list[str]], list[str]]:
    """What one identity costs: each wired path against the same path standing alone, on
    two deployments driven through the same steps in this run."""
    from ape import accounts, chain

    acc = list(accounts.test_accounts)
    agent, drone, requester, detector = acc[0], acc[9], acc[10], acc[11]
    servers = acc[1:9]
    gas: dict[tuple[str, bool], list[int]] = {}

    def measure(name: str, wired: bool, receipt: Any) -> Any:
        gas.setdefault((name, wired), []).append(int(receipt.gas_used))
        return receipt

    def submit_and_answer(deployment: Any, device: str, wired: bool, timeout: bool) -> None:
        registry = deployment.registry
        receipt = measure(
            "submitTask, 3 servers", wired, registry.submitTask(device, 20, 600, 0, sender=drone)
        )
        task_id, assigned = int(receipt.events[0].taskId), str(receipt.events[0].server)
        if timeout:
            chain.mine(deltatime=deployment.parameters.task_timeout_s)
            receipt = measure(
                "reassignTask after the timeout",
                wired,
                registry.reassignTask(task_id, sender=drone),
            )
            assigned = str(receipt.events[0].toServer)
        else:
            chain.mine(deltatime=5)
        answer = next(s for s in servers if s.address == assigned)
        measure("submitResult", wired, registry.submitResult(task_id, b"\x01" * 32, sender=answer))

    per_server: dict[str, float] = {}
    for wired in (False, True):
        deployment = deploy_all(agent) if wired else deploy_dmec(agent)
        registry = deployment.registry
        policy = REPUTATION_AWARE_POLICY_ID if wired else int(Policy.DELAY_AWARE)
        for i, server in enumerate(servers[:3]):
            if wired:
                deployment.reputation.registerNode(server, sender=agent)
            receipt = registry.registerServer(
                server, 100 * (i + 1), 0, 10_000 * (i + 1), sender=agent
            )
            measure("registerServer", wired, receipt)
        registry.registerDrone(drone, 0, 0, sender=servers[0])
        devices = [synthetic_address(0x1D, i) for i in range(12)]
        for device in devices:
            registry.registerDevice(device, sender=drone)
            registry.addOffloadingPolicy(device, policy, sender=drone)
        for i, device in enumerate(devices[:6]):
            submit_and_answer(deployment, device, wired, timeout=i >= 3)
        # Five more servers: the policy's cost per extra candidate.
        for i, server in enumerate(servers[3:]):
            if wired:
                deployment.reputation.registerNode(server, sender=agent)
            registry.registerServer(server, 1_000 * (i + 1), 0, 1_000, sender=agent)
        eight = [
            int(registry.submitTask(d, 20, 600, 0, sender=drone).gas_used) for d in devices[6:9]
        ]
        three = gas[("submitTask, 3 servers", wired)]
        label = "ReputationAware(DelayAware)" if wired else "DelayAware"
        per_server[label] = (float(np.mean(eight)) - float(np.mean(three))) / 5
        if wired:
            market, verifiers = deployment.market, deployment.verifiers
            # Bidders, the requester and the detector are nodes: the requester's outcomes count.
            for node in [*acc[12:16], requester, detector]:
                deployment.reputation.registerNode(node, sender=agent)
        else:
            market, verifiers = deploy_blockedge(agent)
        for name, values in market_rounds(
            market, verifiers, requester, acc[12:16], detector, 2
        ).items():
            if name in ("placeBid", "finalize"):
                gas[(name, wired)] = values

    names = [
        "registerServer",
        "submitTask, 3 servers",
        "submitResult",
        "reassignTask after the timeout",
        "placeBid",
        "finalize",
    ]
    why = {
        "registerServer": "isRegistered: is the server an active reputation node",
        "submitTask, 3 servers": "ReputationAware: every candidate's score, then DelayAware",
        "submitResult": "guarded recordOutcome: the drone's operator (party), role, node and "
        "party records, score and influence words, event",
        "reassignTask after the timeout": "the silent server's failure (as submitResult) + "
        "ReputationAware choice",
        "placeBid": "standingOf: bidder's membership and score",
        "finalize": "guarded recordOutcome of the winner's result, on behalf of the requester",
    }
    rows = []
    for name in names:
        alone, wired_ = float(np.mean(gas[(name, False)])), float(np.mean(gas[(name, True)]))
        rows.append([name, f"{alone:,.0f}", f"{wired_:,.0f}", f"{wired_ - alone:+,.0f}", why[name]])
    notes = [
        "Per extra candidate server in submitTask (3 → 8 servers): "
        + ", ".join(f"{label} {value:,.0f}" for label, value in per_server.items())
        + ". Alone = the paper's registry/market with no reputation manager (DelayAware for the "
        "policy row); wired = `deploy_all`. submitResult and reassignTask are means over three "
        "tasks each; placeBid over 8 bids, finalize over 2 (one slashed, one refunded).",
    ]
    return rows, notes
