"""Chain throughput on one anvil, side by side in one run: the same `registerNode` calls sent
through ape one at a time (how a user calls a contract), pre-signed and sent as one raw JSON-RPC
batch (what the node takes), and through the replays' chain driver (edgeledger/driver.py); then
each replay's chain phase on a reduced size: the calls its driver sent a second while sending,
against the raw batch's rate of the same run."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from bench_section import section

from edgeledger.deploy import deploy_reputation
from edgeledger.driver import Call, ChainDriver
from edgeledger.ethereum import synthetic_address

CALLS = 200
ROUNDS = 3  # each way is timed this many times, interleaved; the best round counts


def throughput_section() -> list[str]:
    from ape import accounts

    agent = accounts.test_accounts[0]
    ways: dict[str, Callable[[Any, list[str]], None]] = {
        "ape, one transaction at a time": _through_ape,
        "raw: pre-signed, one JSON-RPC batch": _raw_batch,
        "chain driver (edgeledger/driver.py)": _through_driver,
    }
    best = {name: 0.0 for name in ways}
    for round_ in range(ROUNDS):
        for w, (name, send) in enumerate(ways.items()):
            contract = deploy_reputation(agent)
            nodes = [synthetic_address(0xB0 + w, round_ * CALLS + i) for i in range(CALLS)]
            started = time.perf_counter()
            send(contract, nodes)
            rate = CALLS / (time.perf_counter() - started)
            if [int(contract.getNodeIndex(n)) for n in (nodes[0], nodes[-1])] != [0, CALLS - 1]:
                raise RuntimeError(f"{name}: the nodes were not registered in order")
            best[name] = max(best[name], rate)
    raw = best["raw: pre-signed, one JSON-RPC batch"]
    table = ["| way | tx/s | of raw |", "|---|---|---|"]
    table += [f"| {name} | {rate:.1f} | {rate / raw:.0%} |" for name, rate in best.items()]
    intro = [
        f"{CALLS} `registerNode` calls from one sender on ape's anvil (automine), each way on a",
        f"contract of its own, timed until the last receipt; the best of {ROUNDS} interleaved",
        "rounds. Ratios are within this run.",
    ]
    replays = [
        "| replay's chain phase | calls | batches | tx/s | of raw |",
        "|---|---|---|---|---|",
    ]
    for name, phase in REPLAY_PHASES.items():
        calls, batches, seconds = _driver_tally(phase)
        rate = calls / seconds
        replays.append(f"| {name} | {calls} | {batches} | {rate:.1f} | {rate / raw:.0%} |")
    notes = [
        "ape signs, sends and waits for each transaction in turn; the raw batch and the driver",
        "sign every transaction first and send them at once. The driver adds what a replay",
        "needs on top of the raw batch: nonces from the node, every receipt checked, a failure",
        "named by its step. A FRESCO unit registers its 41 sites in one `registerNodes`",
        "transaction (see FRESCO reputation gas).",
        "",
        "The replays' chain phases (second table) on reduced sizes, every transaction through the",
        "driver: calls sent a second of the time spent in its `send` (signing, sending, awaiting",
        "receipts). DMEC sends each policy's relays, then their results, as one batch each. A",
        "FRESCO unit sends one batch of reports per application. BlockEdge's rounds and the",
        "scenario send one call at a time: each step needs the block of the one before it (a",
        "bid after the request, a reveal after the commit phase, a result at its own simulated",
        "time), so their rate is the node's answer time for one transaction, not a batch's.",
    ]
    return section("Chain throughput", intro, ["\n".join(table), "\n".join(replays)], notes)


def _driver_tally(phase: Callable[[list[Any]], object]) -> tuple[int, int, float]:
    """Run `phase` on ape's test accounts; the calls and batches its chain drivers sent and the
    seconds they spent sending them."""
    from ape import accounts

    tally = [0, 0, 0.0]
    send = ChainDriver.send

    def timed(driver: ChainDriver, calls: Any) -> Any:
        started = time.perf_counter()
        try:
            return send(driver, calls)
        finally:
            tally[0] += len(calls)
            tally[1] += 1
            tally[2] += time.perf_counter() - started

    ChainDriver.send = timed  # type: ignore[method-assign]
    try:
        phase(list(accounts.test_accounts))
    finally:
        ChainDriver.send = send  # type: ignore[method-assign]
    return int(tally[0]), int(tally[1]), float(tally[2])


def _dmec(accounts: list[Any]) -> None:
    from edgeledger.replays.dmec.experiment import gas_versus_tasks
    from edgeledger.replays.dmec.settings import DmecReplayConfig

    gas_versus_tasks(accounts, DmecReplayConfig(task_counts=(50,), repetitions=1))


def _fresco(accounts: list[Any]) -> None:
    from edgeledger.replays.fresco.experiment import replay_run
    from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs

    config = FrescoReplayConfig(applications=("mobiar",), engines=("FRESCO",))
    replay_run(0, config, Inputs.load(config), accounts)


def _blockedge(accounts: list[Any]) -> None:
    from edgeledger.replays.blockedge.experiment import balance_versus_abnormality
    from edgeledger.replays.blockedge.settings import BlockedgeReplayConfig

    config = BlockedgeReplayConfig(deposits_ether=(1_000,), abnormality=(0.0, 0.2), rounds=10)
    balance_versus_abnormality(accounts, config)


def _scenario(accounts: list[Any]) -> None:
    from edgeledger.progress import quiet
    from edgeledger.replays.scenario.experiment import run_population
    from edgeledger.replays.scenario.settings import ScenarioConfig

    config = ScenarioConfig(worlds=1, rounds=8)
    run_population(accounts, config, 0, quiet, config.rounds)


REPLAY_PHASES: dict[str, Callable[[list[Any]], object]] = {
    "DMEC, 50 tasks a policy (relays, results)": _dmec,
    "FRESCO, a quick unit (MobiAR, FRESCO engine)": _fresco,
    "BlockEdge balance, 2 cases x 10 rounds": _blockedge,
    "scenario, one world x 8 rounds": _scenario,
}


def _through_ape(contract: Any, nodes: list[str]) -> None:
    from ape import accounts

    agent = accounts.test_accounts[0]
    for node in nodes:
        contract.registerNode(node, sender=agent)


def _raw_batch(contract: Any, nodes: list[str]) -> None:
    """The node's own rate: signed ahead, one batch, then only the last receipt awaited."""
    from ape import accounts, chain
    from eth_account import Account

    agent = accounts.test_accounts[0]
    web3 = chain.provider.web3
    nonce = web3.eth.get_transaction_count(agent.address, "pending")
    base = int(web3.eth.get_block("latest")["baseFeePerGas"])
    raws = []
    for i, node in enumerate(nodes):
        transaction = {
            "chainId": int(chain.provider.chain_id),
            "nonce": nonce + i,
            "to": str(contract.address),
            "value": 0,
            "gas": 200_000,
            "maxFeePerGas": 2 * base + 10**9,
            "maxPriorityFeePerGas": 10**9,
            "data": contract.registerNode.encode_input(node),
        }
        raws.append(
            "0x" + Account.sign_transaction(transaction, agent.private_key).raw_transaction.hex()
        )
    uri = chain.provider.http_uri
    body = [
        {"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction", "params": [raw]}
        for i, raw in enumerate(raws)
    ]
    answers = requests.post(uri, json=body, timeout=120).json()
    last = max(answers, key=lambda answer: answer["id"])["result"]
    web3.eth.wait_for_transaction_receipt(last, timeout=120, poll_latency=0.001)


def _through_driver(contract: Any, nodes: list[str]) -> None:
    from ape import accounts

    agent = accounts.test_accounts[0]
    ChainDriver().send(
        [
            Call(agent, contract, "registerNode", (node,), step=f"node {i}")
            for i, node in enumerate(nodes)
        ]
    )
