"""The chain driver (edgeledger/driver.py): a batch is mined in each sender's order with every
receipt; a revert or a refusal names its step and loses nothing that went through; the nonces
after a failed batch are the node's, so the next batch, or ape, goes on."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
from eth_utils import to_checksum_address

from edgeledger.chain import poll_until
from edgeledger.driver import READ_INPUTS_KEPT, BatchFailed, Call, ChainDriver, _NodeConnection
from edgeledger.errors import EdgeledgerError


def synthetic(i: int) -> str:
    return to_checksum_address("0x" + format(0xD1000 + i, "040x"))


def register(reputation: Any, agent: Any, i: int, **fields: Any) -> Call:
    return Call(agent, reputation, "registerNode", (synthetic(i),), step=f"node {i}", **fields)


def test_a_batch__is_mined_in_order_with_every_receipt(reputation: Any, agent: Any) -> None:
    driver = ChainDriver()

    receipts = driver.send([register(reputation, agent, i) for i in range(30)])

    assert [r.step for r in receipts] == [f"node {i}" for i in range(30)]
    assert all(r.ok and r.gas_used > 40_000 for r in receipts)
    assert [reputation.getNodeIndex(synthetic(i)) for i in range(30)] == list(range(30))
    (event,) = receipts[7].events(reputation.NodeRegistered)
    assert (event.node, event.index) == (synthetic(7), 7)
    assert driver.sent == 30


def test_a_batch__after_ape_takes_the_node_s_nonce(
    reputation: Any, agent: Any, server: Any
) -> None:
    driver = ChainDriver()
    driver.send([register(reputation, agent, 0)])
    reputation.registerNode(server, sender=agent)  # through ape, between two batches
    asked = methods_asked(driver)

    driver.send([register(reputation, agent, 1)])

    assert reputation.getNodeIndex(synthetic(1)) == 2
    # The nonce the first call left was taken by ape: refused, then asked for and sent again.
    assert asked == [
        "eth_sendRawTransactionSync",
        "eth_getTransactionByHash",
        *PRELUDE,
        "eth_sendRawTransactionSync",
    ]


def test_lone_calls_after_a_good_one__go_without_asking_the_node_first(
    reputation: Any, agent: Any
) -> None:
    driver = ChainDriver()
    driver.call(register(reputation, agent, 0))
    asked = methods_asked(driver)

    for i in range(1, 4):
        driver.call(register(reputation, agent, i))

    assert asked == ["eth_sendRawTransactionSync"] * 3
    assert [reputation.getNodeIndex(synthetic(i)) for i in range(4)] == list(range(4))


def test_a_lone_call__after_the_base_fee_rose_past_the_kept_cap__is_sent_again_with_a_new_one(
    reputation: Any, agent: Any, chain: Any
) -> None:
    driver = ChainDriver()
    driver.call(register(reputation, agent, 0))
    asked = methods_asked(driver)
    request = chain.provider.make_request
    base_fee = request("eth_getBlockByNumber", ["latest", False])["baseFeePerGas"]
    # A block whose base fee is far above the cap the first call left.
    request("anvil_setNextBlockBaseFeePerGas", [hex(100 * 10**9)])
    request("evm_mine", [])
    try:
        receipt = driver.call(register(reputation, agent, 1))
    finally:  # anvil keeps the next base fee through the test's snapshot being taken back
        request("anvil_setNextBlockBaseFeePerGas", [base_fee])

    assert receipt.ok and reputation.getNodeIndex(synthetic(1)) == 1
    assert asked.count("eth_sendRawTransactionSync") == 2  # refused once, then taken
    assert "eth_getTransactionCount" in asked


def test_a_lone_call__after_the_chain_was_taken_back__asks_the_node_first(
    reputation: Any, agent: Any
) -> None:
    """The count a driver kept would be ahead of a chain taken back: the call would wait in
    the node's pool for a nonce that never comes."""
    from edgeledger.chain import state_taken_back

    driver = ChainDriver(timeout_s=40)
    with state_taken_back() as taken_back:
        driver.call(register(reputation, agent, 0))
        driver.call(register(reputation, agent, 1))
    assert taken_back
    asked = methods_asked(driver)

    receipt = driver.call(register(reputation, agent, 2))

    assert receipt.ok and reputation.getNodeIndex(synthetic(2)) == 0
    assert asked == [*PRELUDE, "eth_sendRawTransactionSync"]


def test_a_failed_call__leaves_nothing_kept(reputation: Any, agent: Any) -> None:
    """After a revert the next lone call asks the node again: a failure may leave the
    driver's count behind the node's."""
    driver = ChainDriver()
    driver.call(register(reputation, agent, 0))
    with pytest.raises(BatchFailed):
        driver.call(register(reputation, agent, 0))
    asked = methods_asked(driver)

    driver.call(register(reputation, agent, 1))

    assert asked == [*PRELUDE, "eth_sendRawTransactionSync"]


def test_a_revert__names_its_step_and_keeps_what_went_through(reputation: Any, agent: Any) -> None:
    driver = ChainDriver()
    twice = Call(agent, reputation, "registerNode", (synthetic(1),), step="node 1 again")
    calls = [register(reputation, agent, 0), register(reputation, agent, 1), twice]

    with pytest.raises(
        BatchFailed, match=r"node 1 again reverted.*NodeAlreadyRegistered"
    ) as failed:
        driver.send([*calls, register(reputation, agent, 2)])

    # The transactions on either side of the revert were mined, and are reported.
    assert [r.step for r in failed.value.receipts] == ["node 0", "node 1", "node 2"]
    assert reputation.getNodeCount() == 3
    driver.send([register(reputation, agent, 3)])
    assert reputation.getNodeIndex(synthetic(3)) == 3


def test_a_read__answers_what_the_chain_holds_now_for_its_arguments(
    reputation: Any, agent: Any
) -> None:
    """Reads keep their encoded inputs (a replay reads every node's score after each batch);
    the answers are always the node's, for each read's own arguments, also once more distinct
    reads were made than are kept."""
    driver = ChainDriver()
    nodes = [synthetic(i) for i in range(3)]
    view = driver.view(reputation)
    assert view.getNodeCount() == 0

    driver.send([register(reputation, agent, i) for i in range(3)])

    assert view.getNodeCount() == 3
    assert view.getReputationScores(nodes) == tuple(reputation.getReputationScores(nodes))
    assert [view.getNodeIndex(n) for n in reversed(nodes)] == [2, 1, 0]
    for i in range(READ_INPUTS_KEPT + 2):
        assert view.isRegistered(synthetic(100 + i)) is False
    assert [view.getNodeIndex(n) for n in nodes] == [0, 1, 2]


def test_a_refused_send__is_named_and_leaves_no_gap(
    reputation: Any, agent: Any, outsider: Any
) -> None:
    """The node refuses a transaction the sender cannot pay for. The sender's later ones would
    wait for its nonce for ever: the driver fills the gap with a transfer of nothing, so they
    are mined and reported, and the next batch (or ape) starts from the node's nonce."""
    driver = ChainDriver()
    unaffordable = register(reputation, agent, 1, value=10**30)
    by_another = Call(outsider, reputation, "getNodeCount", step="outsider's call")

    with pytest.raises(BatchFailed, match="the node refused node 1: Insufficient funds") as failed:
        driver.send(
            [
                register(reputation, agent, 0),
                unaffordable,
                register(reputation, agent, 2),
                by_another,
            ]
        )

    assert [r.step for r in failed.value.receipts] == ["node 0", "node 2", "outsider's call"]
    assert not reputation.isRegistered(synthetic(1))
    driver.send([register(reputation, agent, 3)])
    reputation.registerNode(synthetic(4), sender=agent)  # ape agrees on the nonce
    assert [reputation.getNodeIndex(synthetic(i)) for i in (0, 2, 3, 4)] == [0, 1, 2, 3]


def test_a_sender_that_cannot_pay_at_all__is_named_and_the_others_go_on(
    reputation: Any, agent: Any, outsider: Any, chain: Any
) -> None:
    """Not even the filler can go through for a sender with nothing: the failure says its later
    transactions wait in the node's pool, and every other sender's calls were mined."""
    chain.provider.set_balance(outsider.address, 0)
    driver = ChainDriver()
    broke = [Call(outsider, reputation, "getNodeCount", step=f"broke call {i}") for i in range(2)]
    try:
        with pytest.raises(BatchFailed, match="cannot pay even a transfer of nothing") as failed:
            driver.send([broke[0], register(reputation, agent, 0), broke[1]])
    finally:  # the waiting call must not run in a later test
        chain.provider.make_request("anvil_dropAllTransactions", [])

    assert [r.step for r in failed.value.receipts] == ["node 0"]
    assert reputation.isRegistered(synthetic(0))


def test_transactions_the_node_dropped__are_sent_again_and_mined_once(
    reputation: Any, agent: Any, chain: Any
) -> None:
    """The node loses transactions of a batch after taking them (anvil drops a transaction
    with the later ones of its sender). The driver, seeing no receipt come, sends those again:
    every call of the batch is mined once, in order."""
    request = chain.provider.make_request
    # The first look for dropped ones comes 2 s after the batch: long after this test dropped
    # and mined what it does below (milliseconds), so it finds exactly those 3.
    driver = ChainDriver(timeout_s=20, stall_s=2)
    calls = [register(reputation, agent, i) for i in range(5)]
    sent: list[Any] = []
    failed: list[BaseException] = []

    def in_pool() -> list[str]:
        by_sender = request("txpool_content", [])["pending"]
        queued = next((v for k, v in by_sender.items() if k.lower() == agent.address.lower()), {})
        return [tx["hash"] for _, tx in sorted(queued.items(), key=lambda kv: int(kv[0]))]

    def send() -> None:
        try:
            sent.extend(driver.send(calls))
        except BaseException as error:  # reported by the test, not lost in the thread
            failed.append(error)

    batch = threading.Thread(target=send, daemon=True)
    request("evm_setAutomine", [False])  # the batch waits in the pool, to be dropped there
    try:
        batch.start()
        assert poll_until(lambda: len(in_pool()) == 5, 10, 0.01)
        request("anvil_dropTransaction", [in_pool()[2]])  # its sender's later ones go with it
        assert len(in_pool()) == 2
        request("evm_mine", [])  # the two the node kept
    finally:
        request("evm_setAutomine", [True])
        batch.join(timeout=30)

    assert not failed, failed
    assert not batch.is_alive()
    assert driver.sent_again == 3
    assert [r.step for r in sent] == [f"node {i}" for i in range(5)]
    assert all(r.ok for r in sent)
    assert [reputation.getNodeIndex(synthetic(i)) for i in range(5)] == list(range(5))
    assert reputation.getNodeCount() == 5


def test_a_transaction_that_stays_unmined__is_named_with_what_the_node_holds(
    reputation: Any, agent: Any, chain: Any
) -> None:
    request = chain.provider.make_request
    driver = ChainDriver(timeout_s=0.5, stall_s=0.1)
    request("evm_setAutomine", [False])
    try:
        with pytest.raises(
            EdgeledgerError,
            match=r"1 transactions not mined within 0.5 s, the "
            r"first node 0 .*stuck in the node's pool at nonce (\d+), the "
            r"sender's mined count \1",
        ):
            driver.send([register(reputation, agent, 0)])
    finally:
        request("anvil_dropAllTransactions", [])
        request("evm_setAutomine", [True])
    assert driver.sent_again == 0  # it was in the pool: nothing to send again


# What a batch asks the node before it signs: the sender's nonce, the base fee, automine.
PRELUDE = ["eth_getTransactionCount", "eth_getBlockByNumber", "anvil_getAutomine"]


def methods_asked(driver: ChainDriver) -> list[str]:
    """The JSON-RPC methods `driver` asks of the node from now on, in order (recorded)."""
    asked: list[str] = []
    rpc = driver._rpc

    def recorded(requests_: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        asked.extend(method for method, _ in requests_)
        return rpc(requests_)

    driver._rpc = recorded  # type: ignore[method-assign]
    return asked


def test_a_lone_call__comes_back_mined_from_one_send(reputation: Any, agent: Any) -> None:
    """On a node that mines at once, a lone call is sent by eth_sendRawTransactionSync, whose
    answer is its receipt: no polls. A revert and a refusal are named as in a batch."""
    driver = ChainDriver()
    asked = methods_asked(driver)

    receipt = driver.call(register(reputation, agent, 0))
    with pytest.raises(BatchFailed, match=r"node 0 again reverted.*NodeAlreadyRegistered"):
        driver.call(Call(agent, reputation, "registerNode", (synthetic(0),), "node 0 again"))
    assert asked.count("eth_sendRawTransactionSync") == 2
    assert "eth_getTransactionReceipt" not in asked
    assert "eth_sendRawTransaction" not in asked
    with pytest.raises(BatchFailed, match="the node refused node 1: Insufficient funds"):
        driver.call(register(reputation, agent, 1, value=10**30))

    assert receipt.ok and receipt.step == "node 0"
    (event,) = receipt.events(reputation.NodeRegistered)
    assert event.node == synthetic(0)
    driver.call(register(reputation, agent, 2))  # no gap was left
    assert [reputation.getNodeIndex(synthetic(i)) for i in (0, 2)] == [0, 1]


def test_a_lone_call__on_a_node_without_the_one_request_send__is_sent_and_awaited(
    reputation: Any, agent: Any
) -> None:
    driver = ChainDriver()
    asked = methods_asked(driver)
    rpc = driver._rpc
    sync_asked: list[int] = []

    def without_sync(requests_: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        if requests_[0][0] == "eth_sendRawTransactionSync":
            sync_asked.append(1)
            return [{"id": 0, "error": {"code": -32601, "message": "Method not found"}}]
        return rpc(requests_)

    driver._rpc = without_sync  # type: ignore[method-assign]

    receipt = driver.call(register(reputation, agent, 0))
    driver.call(register(reputation, agent, 1))

    assert receipt.ok
    assert [reputation.getNodeIndex(synthetic(i)) for i in (0, 1)] == [0, 1]
    assert "eth_sendRawTransaction" in asked and "eth_getTransactionReceipt" in asked
    assert len(sync_asked) == 1  # the node's answer is remembered


def test_encoded_input__is_ape_s_encoding_with_accounts_and_contracts_as_addresses(
    reputation: Any, agent: Any, server: Any
) -> None:
    from edgeledger.deploy import deploy_blockedge
    from edgeledger.driver import encoded_input

    market, verifiers = deploy_blockedge(agent)
    task = (b"\x01" * 32, verifiers["ProofOfWork"], 10**9, 60, 24, 10**18, 1_000_000)
    cases = [
        (reputation, "registerNode", (synthetic(3),)),  # an address as text
        (reputation, "getReputationScores", ([server, synthetic(4)],)),  # a list of accounts
        (reputation, "grantRole", (reputation.REPORTER_ROLE(), server)),  # bytes32, an account
        (market, "postRequest", (task,)),  # a struct holding a contract
        (market, "placeBid", (7, 10, 100)),
    ]
    for contract, method, args in cases:
        ape_s = "0x" + bytes(getattr(contract, method).encode_input(*args)).hex()
        assert encoded_input(contract, method, args) == ape_s, method


def test_the_node_connection__opens_again_once_the_node_closed_it_while_idle() -> None:
    """A node may close a kept-alive connection between two requests without a word; the next
    request then goes on a new connection. A node that is gone is an error."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)  # a failing client must not leave the server waiting
    port = listener.getsockname()[1]
    answer = b'[{"jsonrpc":"2.0","id":0,"result":"0x1"}]'
    served: list[int] = []

    def serve_each_once_then_close() -> None:
        for i in range(2):
            peer, _ = listener.accept()
            peer.recv(65536)
            peer.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(answer)}\r\n\r\n".encode()
                + answer
            )
            served.append(i)
            peer.close()  # no "Connection: close": the client believes it kept alive

    server = threading.Thread(target=serve_each_once_then_close, daemon=True)
    server.start()
    node = _NodeConnection(f"http://127.0.0.1:{port}", timeout_s=5)

    assert node.post(b"[]") == answer
    assert poll_until(lambda: served == [0], 5, 0.01)
    assert node.post(b"[]") == answer  # on a second connection
    server.join(timeout=5)
    listener.close()

    assert served == [0, 1]
    with pytest.raises(OSError):  # nobody listens any more
        node.post(b"[]")


def test_a_batch_together__takes_few_blocks_keeps_its_order_and_leaves_the_node_mining(
    reputation: Any, agent: Any, chain: Any
) -> None:
    driver = ChainDriver()
    first = chain.blocks.head.number

    receipts = driver.send([register(reputation, agent, i) for i in range(40)], together=True)

    assert [r.step for r in receipts] == [f"node {i}" for i in range(40)]
    assert [reputation.getNodeIndex(synthetic(i)) for i in range(40)] == list(range(40))
    # One block a transaction would be 40; the gas limit fits them in one or two.
    assert {r.block_number for r in receipts} <= {first + 1, first + 2}
    assert chain.provider.make_request("anvil_getAutomine", []) is True
    reputation.registerNode(synthetic(40), sender=agent)  # ape's next call is mined at once
    assert reputation.getNodeIndex(synthetic(40)) == 40


def test_a_batch_together__names_a_revert_and_a_refusal_and_leaves_the_node_mining(
    reputation: Any, agent: Any, chain: Any
) -> None:
    driver = ChainDriver()
    twice = Call(agent, reputation, "registerNode", (synthetic(0),), step="node 0 again")
    with pytest.raises(BatchFailed, match=r"node 0 again reverted.*NodeAlreadyRegistered"):
        driver.send([register(reputation, agent, 0), twice], together=True)
    unaffordable = register(reputation, agent, 1, value=10**30)

    with pytest.raises(BatchFailed, match="the node refused node 1") as failed:
        driver.send([unaffordable, register(reputation, agent, 2)], together=True)

    assert [r.step for r in failed.value.receipts] == ["node 2"]
    assert chain.provider.make_request("anvil_getAutomine", []) is True
    driver.send([register(reputation, agent, 3)])
    assert [reputation.getNodeIndex(synthetic(i)) for i in (0, 2, 3)] == [0, 1, 2]
