"""`make bench`: measure gas on a local anvil and rewrite BENCHMARKS.md.

Every figure comes from a receipt measured in this run. Lower bounds are what the EVM charges
at least for the storage the function must touch (EIP-2929/2200 prices, cancun):
21,000 per transaction, 22,100 per new slot (cold zero to non-zero), 5,000 per rewritten cold
slot, 2,100 per cold read, 375 + 375 per topic + 8 per data byte per event.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
from eth_utils import keccak

from edgeledger.blockedge.actors import phase_times
from edgeledger.blockedge.market import PPM, new_salt, report_commitment, solve
from edgeledger.deploy import (
    REPUTATION_AWARE_POLICY_ID,
    deploy_all,
    deploy_blockedge,
    deploy_dmec,
    deploy_reputation,
)
from edgeledger.dmec.actors import TaskSpec
from edgeledger.dmec.policies import Policy
from edgeledger.dmec.replay import build_world, synthetic_address
from edgeledger.fresco.engines import SHORTLIST
from edgeledger.fresco.reputation import Report
from edgeledger.reports import markdown_table

ROOT = Path(__file__).resolve().parent.parent
TX, NEW_SLOT, REWRITE_COLD, COLD_READ = 21_000, 22_100, 5_000, 2_100


def log_cost(topics: int, data_words: int) -> int:
    return 375 + 375 * topics + 8 * 32 * data_words


def dmec_gas() -> tuple[list[list[str]], list[str]]:
    from ape import accounts

    test_accounts = list(accounts.test_accounts)
    world = build_world(test_accounts[:5], devices_per_policy=80, rng=np.random.default_rng(1))
    registry, drone, agent = world.registry, world.drone, test_accounts[0]
    spec = TaskSpec(data_kb=2_000, compute_megacycles=1_500, kind=1)
    rows: list[list[str]] = []
    notes: list[str] = []

    def row(name: str, gas: float, bound: int, target: int | None, why: str) -> None:
        rows.append(_row(name, gas, bound, target, why))

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


def reputation_gas() -> tuple[list[list[str]], list[str]]:
    """FRESCO's ReputationManager: registration and batches of reports."""
    from ape import accounts

    agent, reporter = accounts.test_accounts[0], accounts.test_accounts[1]
    contract = deploy_reputation(agent)
    contract.grantRole(contract.REPORTER_ROLE(), reporter, sender=agent)
    nodes = [synthetic_address(0xF0, i) for i in range(130)]
    registrations = [contract.registerNode(n, sender=agent).gas_used for n in nodes]
    rows: list[list[str]] = []
    # registerNode: one new slot (the node record) + the list slot rewritten, and its event.
    register_bound = TX + NEW_SLOT + log_cost(2, 1)
    rows.append(
        _row(
            "registerNode (mean of 130; max)",
            float(np.mean(registrations[1:])),
            register_bound,
            60_000,
            f"max {max(registrations[1:]):,}; + role check and record cold reads (4,200), "
            "list slot rewrite (5,000)",
        )
    )
    task_id = 0

    def batch(targets: list[int]) -> int:
        nonlocal task_id
        words = []
        for i, node_index in enumerate(targets):
            task_id += 1
            words.append(
                Report(node_index, task_id, 20_000 + 997 * i, 100_000, i % 7 != 0).packed()
            )
        return int(contract.updateNodeReputation(words, sender=reporter).gas_used)

    def report_bound(n: int, words_touched: int) -> int:
        # tx + the reporter's high-water mark + the score words and the reporter's influence
        # words (one per score word, this period) rewritten + the event (period, reports).
        return TX + REWRITE_COLD + 2 * words_touched * REWRITE_COLD + log_cost(2, 3 + n)

    indices = list(range(len(nodes)))  # registered in order
    # Warm-up: the first report into a score word writes it fresh, and so does the reporter's
    # first report of the period into an influence word.
    batch(indices[:128])
    cases = [
        ("10 reports, 10 distinct nodes", indices[:10], 1, 80_000),
        ("10 reports, 10 nodes in two score words", indices[11:21], 2, 80_000),
        ("100 reports, 100 distinct nodes", indices[16:116], 7, 450_000),
        ("100 reports, 10 nodes", indices[:10] * 10, 1, 450_000),
    ]
    for name, targets, words_touched, target in cases:
        gas = batch(targets)
        rows.append(
            _row(
                f"updateNodeReputation, {name}",
                gas,
                report_bound(len(targets), words_touched),
                target,
                "+ role check and list cold reads (4,200), calldata (~16 a non-zero byte), "
                "score word warm reads and writes, arithmetic",
            )
        )
    rows.append(
        _row(
            "resetReputation",
            contract.resetReputation(nodes[3], sender=agent).gas_used,
            TX + REWRITE_COLD + log_cost(3, 1),
            None,
            "+ role check and record cold reads (4,200)",
        )
    )
    notes = [
        "Reports are one word each (node index, task id, times, success): calldata, not "
        "storage, carries them; the batch event repeats them so the log replays every score. "
        "Scores are 16 to a storage word by registration index, so a batch about nodes "
        "registered near each other rewrites few words.",
    ]
    return rows, notes


def market_gas() -> tuple[list[list[str]], list[str]]:
    """BlockEdge's CollaborationMarket: the four paths with targets, and the rest of a round."""
    from ape import accounts

    test_accounts = list(accounts.test_accounts)
    agent, requester, bidders, detector = (
        test_accounts[0],
        test_accounts[1],
        test_accounts[2:6],
        test_accounts[6],
    )
    market, verifiers = deploy_blockedge(agent)
    rows: list[list[str]] = []
    gas = _market_rounds(market, verifiers, requester, bidders, detector, rounds=3)

    bounds = {
        # a new bid slot, the request slots read and the best bid rewritten, the event
        "placeBid": (
            TX + NEW_SLOT + 2 * REWRITE_COLD + log_cost(3, 4),
            75_000,
            "+ request, reputation cold reads (6,300), calldata",
        ),
        # one new slot (the hash), the request's commit counter rewritten, the event
        "commitReport": (
            TX + NEW_SLOT + REWRITE_COLD + log_cost(3, 1),
            50_000,
            "+ cold reads of the requester and the window (4,200), the bond check, calldata",
        ),
        # the commitment rewritten, the request's two counter slots rewritten, the event
        "revealReport": (
            TX + 3 * REWRITE_COLD + log_cost(3, 1),
            60_000,
            "+ the hash, calldata",
        ),
        # the credit zeroed, the value sent (9,000 less the 2,300 stipend an EOA leaves
        # unused), the event; zeroing the credit refunds 4,800
        "withdraw": (
            TX + REWRITE_COLD + 9_000 - 2_300 + log_cost(2, 1) - 4_800,
            35_000,
            "+ transient reentrancy guard (~300), the call's own overhead",
        ),
    }
    for name, values in gas.items():
        bound, target, why = bounds.get(name, (0, None, "not targeted"))
        rows.append(
            _row(f"{name} (mean of {len(values)})", float(np.mean(values)), bound, target, why)
        )
    notes = [
        "A round: post, 4 bids, close, result, one commit (with its bond) and reveal (in the "
        "reveal phase), finalize, a loser's reclaim and withdraw; 3 rounds. Bounds of untargeted "
        "steps are not worked out (0).",
    ]
    return rows, notes


def _market_rounds(
    market: Any,
    verifiers: dict[str, Any],
    requester: Any,
    bidders: list[Any],
    detector: Any,
    rounds: int,
) -> dict[str, list[int]]:
    """Gas of each step over `rounds` market rounds (the first slashed, the rest refunded):
    post, a bid by each bidder, close, result, one commit-reveal, finalize, reclaim, withdraw."""
    from ape import chain

    ether = 10**18
    challenge = keccak(b"benchmark")
    gas: dict[str, list[int]] = {}
    bond = int(market.DETECTOR_BOND())

    def measure(name: str, receipt: Any) -> Any:
        gas.setdefault(name, []).append(int(receipt.gas_used))
        return receipt

    for round_ in range(rounds):
        terms = (
            challenge,
            verifiers["ProofOfWork"],
            chain.pending_timestamp + 60,
            120,
            60,
            ether,
            PPM,
        )
        posted = measure("postRequest", market.postRequest(terms, value=ether, sender=requester))
        request_id = int(posted.events[0].requestId)
        for i, bidder in enumerate(bidders):
            measure(
                "placeBid", market.placeBid(request_id, 10 + i, 100, value=ether, sender=bidder)
            )
        chain.mine(deltatime=61)
        measure("closeBidding", market.closeBidding(request_id, sender=requester))
        nonce = solve(challenge, 12)[0].to_bytes(32, "big")
        measure("submitResult", market.submitResult(request_id, nonce, sender=bidders[0]))
        salt = new_salt()
        commitment = report_commitment(request_id, detector.address, round_ == 0, salt)
        measure(
            "commitReport",
            market.commitReport(request_id, commitment, value=bond, sender=detector),
        )
        reveal_from, verify_until = phase_times(market, request_id)
        chain.mine(timestamp=reveal_from)
        measure("revealReport", market.revealReport(request_id, round_ == 0, salt, sender=detector))
        chain.mine(timestamp=verify_until + 1)
        measure("finalize", market.finalize(request_id, sender=requester))
        measure("reclaimDeposit", market.reclaimDeposit(request_id, sender=bidders[1]))
        measure("withdraw", market.withdraw(sender=bidders[1]))
    return gas


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
        for name, values in _market_rounds(
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


FRESCO_TARGETS_MS = {15: 3.0, 1_000: 8.0, 2_000: 15.0}


def fresco_timing() -> tuple[list[list[str]], list[list[str]], list[str]]:
    """FRESCO's decision time against the number of sites (every engine, for comparison) and
    the wall time of the quick replay of all engines, on the connected chain."""
    import tempfile
    import time
    from dataclasses import replace

    from ape import accounts

    from edgeledger.fresco.replay import (
        FrescoReplayConfig,
        Inputs,
        decision_time_sweep,
        run_fresco_replay,
    )

    sweep_config = replace(
        FrescoReplayConfig(), sweep_sites=(15, 228, 1_000, 2_000), sweep_decisions=200
    )
    sweep = decision_time_sweep(sweep_config, Inputs.load(sweep_config))
    rows = []
    for r in sweep:
        target = FRESCO_TARGETS_MS.get(r["sites"]) if r["engine"] == "FRESCO" else None
        met = "" if target is None else ("yes" if r["p50_ms"] <= target else "NO")
        rows.append(
            [
                r["engine"],
                str(r["sites"]),
                f"{r['p50_ms']:.2f}",
                f"{r['p95_ms']:.2f}",
                "" if target is None else f"{target:g}",
                met,
            ]
        )
    quick = FrescoReplayConfig()
    started = time.perf_counter()
    stages: dict[str, float] = {}
    last = [started]

    def progress(stage: str, done: int, total: int) -> None:
        if done == total:
            stages[stage] = time.perf_counter() - last[0]
            last[0] = time.perf_counter()

    with tempfile.TemporaryDirectory() as out:
        run_fresco_replay(list(accounts.test_accounts), quick, Path(out), progress)
    total = time.perf_counter() - started
    replay_rows = [[stage, f"{seconds:.1f}"] for stage, seconds in stages.items()]
    replay_rows.append(["whole quick replay", f"{total:.1f}"])
    sim = quick.simulation
    notes = [
        f"The quick replay: {quick.runs} runs x {sim.applications} applications x "
        f"{len(quick.applications)} applications x {len(quick.engines)} engines, "
        f"{sim.towers} towers; the target is 5 minutes (300 s) on this 2-core machine.",
        "",
        "FRESCO at 15 sites against the paper's published code (85 ms at 228 sites, which "
        "rebuilds a Z3 model per task): numpy filters the model's constraints over every "
        f"candidate, then one persistent Z3 solver chooses among the best {SHORTLIST} "
        "survivors (push/pop per task).",
    ]
    return rows, replay_rows, notes


# Issue 18 allows a path up to 15% over its old target where a new check must cost more: the
# row then names the check (NEW_CHECKS) and its excess.
ALLOWED_EXCESS = 0.15
NEW_CHECKS = {
    "updateNodeReputation": "the influence bound: a (party, period) word per score word",
    "commitReport": "detectors' eligibility: requester, bond and commit phase",
}


def _row(name: str, gas: float, bound: int, target: int | None, why: str) -> list[str]:
    verdict = "" if target is None else ("yes" if gas <= target else "**no**")
    check = next((c for prefix, c in NEW_CHECKS.items() if name.startswith(prefix)), None)
    if target is not None and target < gas <= target * (1 + ALLOWED_EXCESS) and check:
        verdict = f"+{gas / target - 1:.1%}, within 15%: {check}"
    target_text = "-" if target is None else f"{target:,}"
    return [name, f"{gas:,.0f}", f"{bound:,}", target_text, verdict, why]


def main() -> int:
    from ape import networks

    with networks.parse_network_choice("ethereum:local:foundry"):
        rows, notes = dmec_gas()
        reputation_rows, reputation_notes = reputation_gas()
        market_rows, market_notes = market_gas()
        identity_rows, identity_notes = identity_gas()
        fresco_rows, fresco_replay_rows, fresco_notes = fresco_timing()
    header = ["function", "measured gas", "EVM lower bound", "target", "met", "difference"]
    table = markdown_table(header, rows)
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            "Written by `make bench` (benchmarks/run.py) from receipts on a local anvil;",
            "solc 0.8.28, optimizer 200 runs, via-IR, EVM cancun.",
            "",
            "## DMEC gas",
            "",
            "The lower bound counts only what the function must pay: the transaction, the",
            "storage it must write (a device's two slots are pre-written at registration, so a",
            "task rewrites them: 5,000 each) and its event. The last column names what makes",
            "up the rest.",
            "",
            table,
            "",
            *notes,
            "",
            "## FRESCO reputation gas",
            "",
            "Lower bounds: the transaction, the reporter's high-water mark and each 16-score",
            "word rewritten (5,000 each), the batch event with every report in it.",
            "",
            markdown_table(header, reputation_rows),
            "",
            *reputation_notes,
            "",
            "## BlockEdge market gas",
            "",
            markdown_table(header, market_rows),
            "",
            *market_notes,
            "",
            "## One identity: what feeding reputation costs",
            "",
            "Each path measured on a stand-alone deployment and on the wired one, same steps.",
            "",
            markdown_table(
                ["function", "alone", "wired", "difference", "what the difference pays for"],
                identity_rows,
            ),
            "",
            *identity_notes,
            "",
            "## FRESCO decision time",
            "",
            "Wall time of one decision (models, constraint filter and solver included), over",
            "200 decisions per size on random cells (benchmarks/run.py, `decision_time_sweep`).",
            "",
            markdown_table(
                ["engine", "sites", "p50 (ms)", "p95 (ms)", "target p50 (ms)", "met"], fresco_rows
            ),
            "",
            markdown_table(
                ["stage of `ape run fresco` (quick default)", "wall time (s)"], fresco_replay_rows
            ),
            "",
            *fresco_notes,
            "",
        ]
    )
    (ROOT / "BENCHMARKS.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
