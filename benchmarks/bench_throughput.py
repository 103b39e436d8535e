"""Chain throughput on one anvil, side by side in one run: the same `registerNode` calls sent
through ape one at a time (how a user calls a contract), pre-signed and sent as one raw JSON-RPC
batch (what the node takes), and through the replays' chain driver (edgeledger/driver.py)."""

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
    notes = [
        "ape signs, sends and waits for each transaction in turn; the raw batch and the driver",
        "sign every transaction first and send them at once. The driver adds what a replay",
        "needs on top of the raw batch: nonces from the node, every receipt checked, a failure",
        "named by its step. A FRESCO unit registers its 41 sites in one `registerNodes`",
        "transaction (see FRESCO reputation gas).",
    ]
    return section("Chain throughput", intro, ["\n".join(table)], notes)


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
    web3.eth.wait_for_transaction_receipt(last, timeout=120, poll_latency=0.02)


def _through_driver(contract: Any, nodes: list[str]) -> None:
    from ape import accounts

    agent = accounts.test_accounts[0]
    ChainDriver().send(
        [
            Call(agent, contract, "registerNode", (node,), step=f"node {i}")
            for i, node in enumerate(nodes)
        ]
    )
