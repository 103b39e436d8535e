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

from edgeledger.chain import state_taken_back
from edgeledger.deploy import deploy_reputation
from edgeledger.driver import Call, ChainDriver
from edgeledger.ethereum import synthetic_address

CALLS = 200
ROUNDS = 3  # each way is timed this many times, interleaved; the best round counts


def throughput_section() -> list[str]:
    # Each way prepares (untimed) and gives what is timed: sending and awaiting the receipts.
    ways: dict[str, Callable[[Any, list[str]], Callable[[], object]]] = {
        "ape, one transaction at a time": _through_ape,
        RAW: _raw_batch,
        "the node alone: the same batch signed before the clock starts": _node_alone,
        "chain driver (edgeledger/driver.py)": _through_driver,
    }
    best = {name: 0.0 for name in ways}
    for round_ in range(ROUNDS):
        for name, way in ways.items():
            best[name] = max(best[name], _rate(way, round_)[0])
    raw = best[RAW]
    table = ["| way | tx/s | of raw |", "|---|---|---|"]
    table += [f"| {name} | {rate:.1f} | {rate / raw:.0%} |" for name, rate in best.items()]
    intro = [
        f"{CALLS} `registerNode` calls from one sender on ape's anvil (automine), each way on a",
        f"contract of its own, timed until the last receipt; the best of {ROUNDS} interleaved",
        "rounds. Every measurement here starts from the same chain (`state_taken_back`): a",
        "node's blocks cost more the longer it has run (third table). Ratios are within this run.",
    ]
    replays = [
        "| replay's chain phase | calls | batches | tx/s | of raw tx/s | M gas/s | of raw gas/s "
        "| of the node alone, tx/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, phase in REPLAY_PHASES.items():
        raw_tx, raw_gas = max(_rate(_raw_batch, round_) for round_ in range(ROUNDS))
        alone_tx = max(_rate(_node_alone, round_)[0] for round_ in range(ROUNDS))
        calls, batches, gas, seconds = min(
            (_driver_tally(phase) for _ in range(ROUNDS)), key=lambda tally: tally[3]
        )
        rate, gas_rate = calls / seconds, gas / seconds
        replays.append(
            f"| {name} | {calls} | {batches} | {rate:.1f} | {rate / raw_tx:.0%} | "
            f"{gas_rate / 1e6:.1f} | {gas_rate / raw_gas:.0%} | {rate / alone_tx:.0%} |"
        )
    notes = [
        "ape signs, sends and waits for each transaction in turn; the raw batch and the driver",
        "sign every transaction first and send them at once (the raw batch by eth-account, as",
        "the issue measured it, the driver by libsecp256k1 directly: `signed_type2`); the raw",
        "batch's calls are encoded before its clock starts, the driver's inside it. The node",
        "alone, with no signing timed, shows what is left for a client to win. The driver adds",
        "what a replay needs on top of the raw batch: nonces from the node, every receipt",
        "checked, a failure named by its step. A FRESCO unit registers its 41 sites in one",
        "`registerNodes` transaction (see FRESCO reputation gas).",
        "",
        "The replays' chain phases (second table) on reduced sizes, every transaction through the",
        "driver: calls sent, and gas used, a second of the time spent in its `send` (signing,",
        "sending, awaiting receipts), against the raw batch measured just before on the same",
        "chain (the best of 3 rounds each). Gas is the node's work: a FRESCO call carries a batch",
        "of reports, a hundred times a registration's calldata and storage writes. DMEC sends",
        "each policy's relays, then their results, as one batch each. A FRESCO unit sends one",
        "batch of reports per application. BlockEdge's rounds and the scenario send one call at a",
        "time: each step needs the block of the one before it (a bid after the request, a reveal",
        "after the commit phase, a result at its own simulated time). A lone call goes by",
        "`eth_sendRawTransactionSync`, whose answer is the receipt: one request, no polls. Such a",
        "replay waits for a block a call, which a batch shares among many calls: that bounds its",
        "rate, not the client.",
        "",
        "The third table: lone `registerNode` calls through the driver, one block each, in",
        f"stretches of {AGE_STRETCH} on one chain. Anvil keeps a copy of the state for every",
        "block and, past 500, writes the oldest to disk at each new one, so a block's cost grows",
        "with what the chain holds: a raw batch escapes most of it (anvil mines many of its",
        "transactions a block), a replay that must wait for each block does not. For this",
        "reason the FRESCO units are taken back after each one (`state_taken_back`), `make demo`",
        "takes the chain back after each replay (`on_young_chain`), and this section is measured",
        "first, on a young chain, like every replay of `make demo`.",
    ]
    tables = ["\n".join(table), "\n".join(replays), _ageing_table()]
    return section("Chain throughput", intro, tables, notes)


RAW = "raw: signed by eth-account, one JSON-RPC batch"
AGE_STRETCH, AGE_STRETCHES = 300, 8


def _rate(
    way: Callable[[Any, list[str]], Callable[[], object]], round_: int
) -> tuple[float, float]:
    """`CALLS` registrations sent by `send` on a new contract: calls and gas a second, on a
    chain taken back afterwards."""
    from ape import accounts, chain

    agent = accounts.test_accounts[0]
    web3 = chain.provider.web3
    with state_taken_back():
        contract = deploy_reputation(agent)
        nodes = [synthetic_address(0xB0, round_ * CALLS + i) for i in range(CALLS)]
        send = way(contract, nodes)
        first = web3.eth.block_number + 1
        started = time.perf_counter()
        send()
        seconds = time.perf_counter() - started
        if [int(contract.getNodeIndex(n)) for n in (nodes[0], nodes[-1])] != [0, CALLS - 1]:
            raise RuntimeError("the nodes were not registered in order")
        gas = sum(
            web3.eth.get_block(number)["gasUsed"]
            for number in range(first, web3.eth.block_number + 1)
        )
    return CALLS / seconds, gas / seconds


def _ageing_table() -> str:
    """Milliseconds a lone driver call takes, stretch after stretch of one chain's life."""
    from ape import accounts

    agent = accounts.test_accounts[0]
    driver = ChainDriver()
    times = []
    with state_taken_back():
        contract = deploy_reputation(agent)
        for stretch in range(AGE_STRETCHES):
            started = time.perf_counter()
            for i in range(AGE_STRETCH):
                node = synthetic_address(0xA0, stretch * AGE_STRETCH + i + 1)
                driver.call(Call(agent, contract, "registerNode", (node,)))
            times.append((time.perf_counter() - started) / AGE_STRETCH * 1000)
    header = "| lone calls sent before | " + " | ".join(
        f"{s * AGE_STRETCH:,}-{(s + 1) * AGE_STRETCH:,}" for s in range(AGE_STRETCHES)
    )
    return "\n".join(
        [
            header + " |",
            "|---" * (AGE_STRETCHES + 1) + "|",
            "| ms a lone call | " + " | ".join(f"{t:.1f}" for t in times) + " |",
        ]
    )


def _driver_tally(phase: Callable[[list[Any]], object]) -> tuple[int, int, int, float]:
    """Run `phase` on ape's test accounts; the calls and batches its chain drivers sent, the gas
    they used and the seconds spent sending them."""
    from ape import accounts

    tally = [0, 0, 0, 0.0]
    send = ChainDriver.send

    def timed(driver: ChainDriver, calls: Any) -> Any:
        started = time.perf_counter()
        receipts = send(driver, calls)
        tally[3] += time.perf_counter() - started
        tally[0] += len(calls)
        tally[1] += 1
        tally[2] += sum(r.gas_used for r in receipts)
        return receipts

    ChainDriver.send = timed  # type: ignore[method-assign]
    try:
        with state_taken_back():  # each round from the same chain
            phase(list(accounts.test_accounts))
    finally:
        ChainDriver.send = send  # type: ignore[method-assign]
    return int(tally[0]), int(tally[1]), int(tally[2]), float(tally[3])


def _dmec(accounts: list[Any]) -> None:
    from edgeledger.replays.dmec.experiment import gas_versus_tasks
    from edgeledger.replays.dmec.settings import DmecReplayConfig

    gas_versus_tasks(DmecReplayConfig(task_counts=(50,), repetitions=1))


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


def _through_ape(contract: Any, nodes: list[str]) -> Callable[[], object]:
    from ape import accounts

    agent = accounts.test_accounts[0]
    return lambda: [contract.registerNode(node, sender=agent) for node in nodes]


def _raw_batch(contract: Any, nodes: list[str]) -> Callable[[], object]:
    """The issue's raw measure: the calls (encoded before the clock starts) signed by
    eth-account, sent as one batch, then only the last receipt awaited."""
    transactions = _transactions(contract, nodes)
    return lambda: _post_and_await(_signed_batch(transactions))


def _node_alone(contract: Any, nodes: list[str]) -> Callable[[], object]:
    """The node's own rate: the same batch signed before the clock starts."""
    body = _signed_batch(_transactions(contract, nodes))
    return lambda: _post_and_await(body)


def _transactions(contract: Any, nodes: list[str]) -> list[dict[str, Any]]:
    """`registerNode(node)` calls from the agent, encoded, each with its nonce."""
    from ape import accounts, chain

    agent = accounts.test_accounts[0]
    web3 = chain.provider.web3
    nonce = web3.eth.get_transaction_count(agent.address, "pending")
    base = int(web3.eth.get_block("latest")["baseFeePerGas"])
    return [
        {
            "chainId": int(chain.provider.chain_id),
            "nonce": nonce + i,
            "to": str(contract.address),
            "value": 0,
            "gas": 200_000,
            "maxFeePerGas": 2 * base + 10**9,
            "maxPriorityFeePerGas": 10**9,
            "data": "0x" + bytes(contract.registerNode.encode_input(node)).hex(),
        }
        for i, node in enumerate(nodes)
    ]


def _signed_batch(transactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`transactions` signed by eth-account, as one JSON-RPC batch."""
    from ape import accounts
    from eth_account import Account

    key = accounts.test_accounts[0].private_key
    return [
        {
            "jsonrpc": "2.0",
            "id": i,
            "method": "eth_sendRawTransaction",
            "params": ["0x" + Account.sign_transaction(t, key).raw_transaction.hex()],
        }
        for i, t in enumerate(transactions)
    ]


def _post_and_await(body: list[dict[str, Any]]) -> None:
    from ape import chain

    answers = requests.post(chain.provider.http_uri, json=body, timeout=120).json()
    last = max(answers, key=lambda answer: answer["id"])["result"]
    chain.provider.web3.eth.wait_for_transaction_receipt(last, timeout=120, poll_latency=0.001)


def _through_driver(contract: Any, nodes: list[str]) -> Callable[[], object]:
    from ape import accounts

    agent = accounts.test_accounts[0]
    calls = [
        Call(agent, contract, "registerNode", (node,), step=f"node {i}")
        for i, node in enumerate(nodes)
    ]
    return lambda: ChainDriver().send(calls)
