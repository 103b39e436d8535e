"""Bulk transactions at the node's own speed, for replays that send thousands of them.

ape signs, sends and waits for one transaction at a time, with several requests to the node for
each (about a twentieth of a raw batch: BENCHMARKS.md, "Chain throughput"): right for a user
calling a contract, too slow for a replay. The driver signs every transaction of a batch itself
(the sender's own key, each sender's next nonce as the node counts it; the bytes eth-account
would give, by libsecp256k1 directly), sends them as one JSON-RPC batch, and only then collects
the receipts, in one batch request per poll. A lone call on a node that mines at once is sent by
`eth_sendRawTransactionSync`, which answers with its receipt. Within a batch only each sender's
own order is kept: calls whose order across senders matters go in separate batches. A
transaction that fails is reported with the step that sent it; nothing is lost silently, and
each batch starts from the nonces the node counts. A lone call after a batch that succeeded starts
from the driver's own count, unasked; the node refuses it if that count is stale, and it is sent
again from the node's.

Who may use it: a replay whose accounts are ape test accounts (their keys are known), on a node
of its own. ape stays the way contracts are deployed and called interactively.
"""

from __future__ import annotations

import http.client
import json
import select
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from edgeledger.chain import times_taken_back
from edgeledger.errors import EdgeledgerError

# Enough for any single call of the replays (a 41-node registerNodes takes 1.09 M, a batch of
# 256 reports less); a transaction pays for the gas it uses, not for its limit.
DEFAULT_GAS = 3_000_000
# Receipt polls: the first after 1 ms, each wait twice the last, at most 20 ms. A replay that
# sends one call at a time waits for every receipt, and anvil mines in a few ms.
RECEIPT_POLL_FIRST_S, RECEIPT_POLL_MAX_S = 0.001, 0.02
# No new receipt for this long, where anvil mines in milliseconds: the driver asks the node for
# each awaited transaction, and sends again the signed bytes of those it no longer knows
# (`_send_dropped_again`).
STALL_S = 5.0
TIP_WEI = 10**9
READ_INPUTS_KEPT = 256  # encoded reads a driver keeps (a replay reads a few things often)
SYNC_WAIT_S = 30.0  # how long anvil's eth_sendRawTransactionSync waits for its block
METHOD_NOT_FOUND = -32601  # JSON-RPC's error code for a method the node does not have
RPC_BATCH = 500  # requests per JSON-RPC batch: bounded bodies, whatever the calls
# Blocks a batch sent `together` may take: what is left pending after them (a gap in a
# sender's nonces) is awaited like any other and reported.
TOGETHER_BLOCKS = 64


@dataclass(frozen=True)
class Call:
    """One transaction: `sender` (an ape test account) calls `method(*args)` on `contract`.
    `step` says what it is, for the failure that names it."""

    sender: Any
    contract: Any
    method: str
    args: tuple[Any, ...] = ()
    step: str = ""
    value: int = 0
    gas: int = DEFAULT_GAS

    def data(self) -> str:
        """The call's input, ABI-encoded, as hex."""
        return encoded_input(self.contract, self.method, self.args)


def method_abi(contract: Any, method: str, arity: int) -> Any:
    """The ABI of `contract`'s `method` taking `arity` arguments (one, or it is ambiguous)."""
    key = (str(contract.address), str(contract.contract_type.name), method, arity)
    if key not in _METHOD_ABIS:
        abis = [a for a in getattr(contract, method).abis if len(a.inputs) == arity]
        if len(abis) != 1:
            raise EdgeledgerError(f"{method} with {arity} arguments: {len(abis)} overloads match")
        _METHOD_ABIS[key] = abis[0]
    return _METHOD_ABIS[key]


_METHOD_ABIS: dict[tuple[str, str, str, int], Any] = {}


def encoded_input(contract: Any, method: str, args: tuple[Any, ...]) -> str:
    """Selector and arguments ABI-encoded by eth-abi, as hex. Accounts and contracts stand for
    their addresses, at any depth (a struct's field as a tuple, a list's item). Arguments are
    otherwise what eth-abi takes (bytes for bytesN, ints, bools, address strings): ape's own
    `encode_input` gives the same bytes for those (tests/e2e/test_driver.py) and converts
    more shapes (hex text for bytes, dicts for structs), through converters that took 2 ms a
    call, most of a FRESCO unit's chain time before this."""
    from eth_abi import encode
    from eth_utils import keccak

    abi = method_abi(contract, method, len(args))
    types = [i.canonical_type for i in abi.inputs]
    return "0x" + (keccak(text=abi.selector)[:4] + encode(types, _plain(args))).hex()


def _plain(value: Any) -> Any:
    """`value` with every account or contract replaced by its address (a str)."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value] if isinstance(value, list) else tuple(map(_plain, value))
    address = getattr(value, "address", None)
    return str(address) if address is not None and not isinstance(value, str | bytes) else value


def signing_key(private_key: str | bytes) -> Any:
    """A sender's key, ready to sign (libsecp256k1 through coincurve)."""
    from coincurve import PrivateKey
    from eth_utils import to_bytes

    secret = private_key if isinstance(private_key, bytes) else to_bytes(hexstr=private_key)
    return PrivateKey(secret)


def signed_type2(transaction: dict[str, Any], key: Any) -> tuple[bytes, bytes]:
    """An EIP-1559 (type 2) call, signed by `key` (`signing_key`): its raw bytes and hash.
    `transaction` holds chainId, nonce, maxFeePerGas, maxPriorityFeePerGas, gas, to, value and
    data (hex), as eth-account takes them; the bytes are eth-account's own, byte for byte
    (tests/sim/test_driver_signing.py), at a fifth of its time: eth-account validates and
    converts every field through its typed-transaction model, 0.8 ms a call, where a replay's
    lone call takes 2.8 ms on a young chain (BENCHMARKS.md, "Chain throughput")."""
    import rlp
    from eth_utils import keccak, to_bytes

    fields = [
        transaction["chainId"],
        transaction["nonce"],
        transaction["maxPriorityFeePerGas"],
        transaction["maxFeePerGas"],
        transaction["gas"],
        to_bytes(hexstr=transaction["to"]),
        transaction["value"],
        to_bytes(hexstr=transaction.get("data", "0x")),
        [],  # no access list
    ]
    signature = key.sign_recoverable(keccak(b"\x02" + rlp.encode(fields)), hasher=None)
    r, s, y_parity = signature[:32], signature[32:64], signature[64]
    raw = b"\x02" + rlp.encode(
        [*fields, y_parity, int.from_bytes(r, "big"), int.from_bytes(s, "big")]
    )
    return raw, keccak(raw)


@dataclass(frozen=True)
class Receipt:
    """A mined transaction of a batch, as the node reported it."""

    index: int  # in the batch
    step: str
    tx_hash: str
    ok: bool  # False: it reverted
    block_number: int
    gas_used: int
    logs: list[dict[str, Any]] = field(repr=False)

    def events(self, event: Any) -> list[Any]:
        """The logs of this transaction that are `event` (an ape contract event, such as
        `registry.TaskSubmitted`), decoded."""
        from ape import chain

        abi = event.abi
        return list(chain.provider.network.ecosystem.decode_logs(self.logs, abi))


@dataclass(frozen=True)
class Signed:
    """A call of a batch, signed: its place in the batch, sender, nonce, raw bytes and hash."""

    index: int
    step: str
    sender: str
    nonce: int
    raw: str
    tx_hash: str


class BatchFailed(EdgeledgerError):
    """A transaction of a batch was refused by the node or reverted. `receipts` holds those of
    the batch that were mined and did not revert, in the batch's order (those after the
    failure too: they were sent)."""

    def __init__(self, message: str, receipts: list[Receipt]) -> None:
        super().__init__(message)
        self.receipts = receipts


def named_error(contract: Any, data: bytes) -> str:
    """Revert data as `Name(arguments)`, by the custom errors of `contract`'s ABI."""
    from eth_abi import decode
    from eth_utils import keccak

    for error in contract.contract_type.errors:
        if keccak(text=error.selector)[:4] == data[:4]:
            values = decode([i.canonical_type for i in error.inputs], data[4:])
            return f"{error.name}({', '.join(str(v) for v in values)})"
    if data[:4] == keccak(text="Error(string)")[:4]:
        return str(decode(["string"], data[4:])[0])
    return f"error 0x{data[:4].hex()}"


@dataclass(frozen=True)
class _Kept:
    """What a batch that succeeded leaves for the next lone call (`ChainDriver._remembered`):
    the fee cap, whether the node mines at once, and how many times the chain had been taken
    back then (a chain taken back since makes the kept nonces wrong)."""

    max_fee: int
    automine: Any
    times_taken_back: int


class ChainDriver:
    """Sends batches of calls to the connected node. A batch takes each sender's next nonce
    from the node, so ape may send between two batches; not during one. A chain taken back by
    other means than `state_taken_back` (ape's `chain.restore`) needs a new driver: the count a
    driver kept could be ahead of it."""

    def __init__(self, timeout_s: float = 120.0, stall_s: float = STALL_S) -> None:
        from ape import chain

        uri = chain.provider.http_uri
        if not uri:
            raise EdgeledgerError("the chain driver needs a node reached over HTTP")
        self.uri = uri
        self.chain_id = int(chain.provider.chain_id)
        self.timeout_s, self.stall_s = timeout_s, stall_s
        self._node = _NodeConnection(uri, timeout_s)
        self._keys: dict[str, Any] = {}
        self._read_inputs: dict[str, str] = {}  # a read's encoded input, by what it reads
        self.sent = 0
        self.sent_again = 0  # transactions the node had dropped, sent again (`_receipts`)
        self._sync = True  # until the node says it has no eth_sendRawTransactionSync
        # What the last batch learned and left (each sender's next nonce, the fee cap, whether
        # the node mines at once), for the next lone call: kept only while batches succeed.
        self._next_nonces: dict[str, int] = {}
        self._kept: _Kept | None = None

    # ------------------------------------------------------------ the batch

    def send(self, calls: Sequence[Call], together: bool = False) -> list[Receipt]:
        """Sign and send `calls` in order as one batch, then wait until every one is mined.
        Returns their receipts in the same order; raises BatchFailed naming the first step that
        the node refused or that reverted.

        `together` (an anvil that mines at once): the batch is mined in as few blocks as its
        gas allows, not one block a transaction; a replay that sends hundreds of thousands of
        transactions then keeps its chain young (a node's blocks cost more the longer it has
        run: BENCHMARKS.md, "Chain throughput"). Only the order within each sender holds, as
        ever; the blocks share a timestamp."""
        if not calls:
            return []
        # Every sender's next nonce from the node, for each batch (one request): a sender may
        # have sent through ape in between, and a refused batch leaves nothing to remember.
        senders = list(dict.fromkeys(str(call.sender.address) for call in calls))
        for call in calls:
            address = str(call.sender.address)
            if address not in self._keys:
                self._keys[address] = signing_key(call.sender.private_key)
        remembered = not together and len(calls) == 1 and self._remembered(senders)
        try:
            return self._sent(calls, senders, remembered, together)
        except BaseException:
            self._forget()
            raise

    def _remembered(self, senders: list[str]) -> bool:
        """Whether a lone call may go without asking the node first: the last batch
        succeeded and left each sender's next nonce. Asking costs a request, a quarter of a
        lone call (BENCHMARKS.md, "Chain throughput"); a replay that waits for every block sends
        thousands of them. What was left may be stale (the sender sent through ape since, the
        base fee rose): the node then refuses the call, which takes nothing, and `_sent` asks
        and sends again. A chain taken back would leave them ahead of it, and the node would
        keep the call in its pool for ever: so nothing is kept across `state_taken_back`."""
        return (
            self._kept is not None
            and self._kept.times_taken_back == times_taken_back()
            and all(a in self._next_nonces for a in senders)
        )

    def _forget(self) -> None:
        self._next_nonces.clear()
        self._kept = None

    def _sent(
        self, calls: Sequence[Call], senders: list[str], remembered: bool, together: bool
    ) -> list[Receipt]:
        """`send`'s work: `remembered`, with the nonces and fee cap the last batch left."""
        if remembered:
            assert self._kept is not None
            nonces = {a: self._next_nonces[a] for a in senders}
            max_fee, automine = self._kept.max_fee, self._kept.automine
        else:
            *counts, latest, automine = self._rpc(
                [("eth_getTransactionCount", [a, "pending"]) for a in senders]
                + [("eth_getBlockByNumber", ["latest", False]), ("anvil_getAutomine", [])]
            )
            nonces = {
                a: int(self._result(c, f"the nonce of {a}"), 16)
                for a, c in zip(senders, counts, strict=True)
            }
            # Twice the base fee now (it rises by at most an eighth a block) and a 1 gwei tip.
            base = int(self._result(latest, "the latest block").get("baseFeePerGas", "0x0"), 16)
            max_fee = 2 * base + TIP_WEI
        signed = []
        for i, call in enumerate(calls):
            sender = str(call.sender.address)
            signed.append(
                self._signed(
                    i,
                    call.step or call.method,
                    sender,
                    nonces[sender],
                    max_fee,
                    {
                        "to": str(call.contract.address),
                        "value": call.value,
                        "gas": call.gas,
                        "data": call.data(),
                    },
                )
            )
            nonces[sender] += 1
        mined_now: dict[str, dict[str, Any]] = {}
        if together:
            self._rpc([("evm_setAutomine", [False])])
            try:
                answers = self._rpc([("eth_sendRawTransaction", [s.raw]) for s in signed])
                refused = self._refused(answers)
                fillers = self._fill_gaps(signed, refused, max_fee) if refused else []
            finally:
                self._mine_the_pool()
        else:
            # The one-request send waits up to anvil's own SYNC_WAIT_S: only where the driver
            # would wait longer anyway, and while the node has the method.
            lone = len(signed) == 1 and self._sync and self.timeout_s > SYNC_WAIT_S
            if lone and automine.get("result") is True:
                answers, mined_now = self._send_and_await(signed[0])
            else:
                answers = self._rpc([("eth_sendRawTransaction", [s.raw]) for s in signed])
            refused = self._refused(answers)
            if remembered and refused:  # a lone call, so nothing was taken: ask, and send again
                self._forget()
                return self._sent(calls, senders, remembered=False, together=together)
            fillers = self._fill_gaps(signed, refused, max_fee) if refused else []
        # Where a gap stayed open, the sender's later transactions wait in the pool: not mined,
        # so not awaited (the failure below names the first refused step).
        open_gaps: dict[str, int] = {}
        for i in sorted(set(refused) - {f.index for f in fillers}):
            open_gaps.setdefault(signed[i].sender, signed[i].nonce)
        receipts = self._receipts(
            [
                s
                for s in signed
                if s.index not in refused and s.nonce < open_gaps.get(s.sender, 1 << 64)
            ],
            mined_now,
        )
        self._receipts(fillers)
        mined = [r for r in receipts if r.ok]
        reverted = next((r for r in receipts if not r.ok), None)
        first_refused = min(refused, default=None)
        if reverted is not None and (first_refused is None or reverted.index < first_refused):
            call = calls[reverted.index]
            raise BatchFailed(f"{reverted.step} reverted{self._reason(call)}", mined)
        if first_refused is not None:
            step = signed[first_refused].step
            waiting = ""
            if open_gaps:
                waiting = (
                    f"; {', '.join(sorted(open_gaps))} cannot pay even a transfer of nothing: "
                    "its later transactions of the batch wait in the node's pool"
                )
            raise BatchFailed(f"the node refused {step}: {refused[first_refused]}{waiting}", mined)
        self.sent += len(calls)
        self._next_nonces.update(nonces)
        self._kept = _Kept(max_fee, automine, times_taken_back())
        return mined

    @staticmethod
    def _refused(answers: list[dict[str, Any]]) -> dict[int, str]:
        """The sends the node refused, by their place in the batch: why, in its words."""
        return {
            i: str(answer["error"].get("message", answer["error"]))
            for i, answer in enumerate(answers)
            if "error" in answer
        }

    def _mine_the_pool(self) -> None:
        """Mine blocks until the node's pool holds nothing it can mine (a block holds what its
        gas limit allows), then let the node mine at once again."""
        try:
            for _ in range(TOGETHER_BLOCKS):
                (status,) = self._rpc([("txpool_status", [])])
                if int(self._result(status, "the node's pool")["pending"], 16) == 0:
                    break
                self._rpc([("evm_mine", [])])
        finally:
            self._rpc([("evm_setAutomine", [True])])

    def _send_and_await(self, one: Signed) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """`one` sent by `eth_sendRawTransactionSync` (EIP-7966), which answers with the receipt
        once the transaction is mined: on a node that mines at once, a lone call costs one
        request, not a send and then polls and the sleeps between them (replays that need each
        block before the next send one call at a time: BENCHMARKS.md, "Chain throughput").
        Returns the send's answer as `eth_sendRawTransaction` gives it, and the receipt by hash
        if it came. A node without the method, or one that took the transaction but did not mine
        it within its own wait, leaves it to be awaited by polls like any other."""
        (answer,) = self._rpc([("eth_sendRawTransactionSync", [one.raw])])
        if answer.get("result"):
            return [{"result": one.tx_hash}], {one.tx_hash: answer["result"]}
        if (answer.get("error") or {}).get("code") == METHOD_NOT_FOUND:
            self._sync = False
            return self._rpc([("eth_sendRawTransaction", [one.raw])]), {}
        if self._unknown([one]):
            return [answer], {}  # refused: the error says why
        return [{"result": one.tx_hash}], {}

    def _fill_gaps(
        self, signed: list[Signed], refused: dict[int, str], max_fee: int
    ) -> list[Signed]:
        """A refused transaction leaves a gap in its sender's nonces, and the sender's later
        transactions would wait in the node's pool for it for ever. Each gap is filled with a
        transfer of nothing to the sender itself, so they go on and nothing is left behind.
        Returns the fillers the node took; a sender whose filler it refused too (it cannot pay
        even that) is left with its later transactions waiting, which `send` reports."""
        fillers = [
            self._signed(
                i,
                f"filler of {signed[i].step}",
                signed[i].sender,
                signed[i].nonce,
                max_fee,
                {"to": signed[i].sender, "value": 0, "gas": 21_000},
            )
            for i in sorted(refused)
        ]
        answers = self._rpc([("eth_sendRawTransaction", [f.raw]) for f in fillers])
        return [f for f, answer in zip(fillers, answers, strict=True) if "error" not in answer]

    def call(self, call: Call) -> Receipt:
        """One call through the same nonces (when a replay needs its receipt before going on)."""
        return self.send([call])[0]

    def read(self, contract: Any, method: str, *args: Any) -> Any:
        """A view function's answer by one `eth_call`, decoded by the method's ABI (a single
        output as itself, several as a tuple)."""
        from eth_abi import decode

        abi = method_abi(contract, method, len(args))
        # A replay reads the same thing again and again (every node's score after each batch,
        # 41 addresses: 0.6 ms to encode each time); reads take few distinct arguments.
        key = repr((str(contract.address), abi.selector, _plain(args)))
        if key not in self._read_inputs:
            if len(self._read_inputs) >= READ_INPUTS_KEPT:
                self._read_inputs.clear()
            self._read_inputs[key] = encoded_input(contract, method, args)
        request = {"to": str(contract.address), "data": self._read_inputs[key]}
        answer = self._rpc([("eth_call", [request, "latest"])])[0]
        raw = bytes.fromhex(self._result(answer, f"{method} of {contract.address}")[2:])
        values = decode([o.canonical_type for o in abi.outputs], raw)
        return values[0] if len(values) == 1 else values

    def view(self, contract: Any) -> ContractView:
        """`contract`'s view functions read through `read`: `view(c).name(*args)`."""
        return ContractView(self, contract)

    # ------------------------------------------------------------ signing

    def _signed(
        self,
        index: int,
        step: str,
        sender: str,
        nonce: int,
        max_fee: int,
        fields: dict[str, Any],
    ) -> Signed:
        """`fields` (to, value, gas, and data if any) signed by `sender` as a type-2
        transaction with `nonce`, this chain's id, `max_fee` and the tip."""
        transaction = {
            "chainId": self.chain_id,
            "nonce": nonce,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": TIP_WEI,
            **fields,
        }
        raw, tx_hash = signed_type2(transaction, self._keys[sender])
        return Signed(index, step, sender, nonce, "0x" + raw.hex(), "0x" + tx_hash.hex())

    # ------------------------------------------------------------ receipts

    def _receipts(
        self, signed: list[Signed], found: dict[str, dict[str, Any]] | None = None
    ) -> list[Receipt]:
        """The receipts of `signed`, in order, once every one is mined (those in `found`, by
        hash, came already); raises if some are not mined within the driver's timeout (dropped
        by the node, or stuck).

        A node may lose a transaction it took: a `make demo` once had ten of a batch never
        mined, which never happened again in 670 batches of the same stage. So when no receipt
        has come for `stall_s`, those the node no longer knows are sent again, the same signed
        bytes: the same hash and nonce, so a transaction is never mined twice."""
        found = dict(found or {})
        now = time.monotonic()
        deadline, stalled_at = now + self.timeout_s, now + self.stall_s
        waiting = [s for s in signed if s.tx_hash not in found]
        pause = RECEIPT_POLL_FIRST_S
        while waiting:
            answers = self._rpc([("eth_getTransactionReceipt", [s.tx_hash]) for s in waiting])
            for each, answer in zip(waiting, answers, strict=True):
                if answer.get("result"):
                    found[each.tx_hash] = answer["result"]
            still = [s for s in waiting if s.tx_hash not in found]
            now = time.monotonic()
            if len(still) < len(waiting):
                stalled_at = now + self.stall_s
            waiting = still
            if waiting:
                if now > deadline:
                    raise EdgeledgerError(
                        f"{len(waiting)} transactions not mined within {self.timeout_s:g} s, "
                        f"the first {waiting[0].step} ({waiting[0].tx_hash}): "
                        f"{self._why_waiting(waiting)}"
                    )
                if now > stalled_at:
                    self._send_dropped_again(waiting)
                    stalled_at = now + self.stall_s
                time.sleep(pause)
                pause = min(2 * pause, RECEIPT_POLL_MAX_S)
        return [
            Receipt(
                s.index,
                s.step,
                s.tx_hash,
                int(found[s.tx_hash]["status"], 16) == 1,
                int(found[s.tx_hash]["blockNumber"], 16),
                int(found[s.tx_hash]["gasUsed"], 16),
                found[s.tx_hash]["logs"],
            )
            for s in signed
        ]

    def _unknown(self, waiting: list[Signed]) -> list[Signed]:
        """Those of `waiting` that the node does not know (neither mined nor in its pool)."""
        answers = self._rpc([("eth_getTransactionByHash", [s.tx_hash]) for s in waiting])
        return [s for s, answer in zip(waiting, answers, strict=True) if not answer.get("result")]

    def _send_dropped_again(self, waiting: list[Signed]) -> None:
        """Send again those of `waiting` the node dropped, each sender's in nonce order. The
        node's refusals are not failures here: a transaction it refuses now (its nonce taken
        since) stays awaited, and the timeout reports it."""
        dropped = sorted(self._unknown(waiting), key=lambda s: (s.sender, s.nonce))
        if dropped:
            answers = self._rpc([("eth_sendRawTransaction", [s.raw]) for s in dropped])
            self.sent_again += sum("error" not in answer for answer in answers)

    def _why_waiting(self, waiting: list[Signed]) -> str:
        """What the node says of the first of `waiting`: unknown to it, or in its pool behind
        the nonce it counts for the sender."""
        first = waiting[0]
        if self._unknown([first]):
            return "dropped by the node, and not taken again"
        (count,) = self._rpc([("eth_getTransactionCount", [first.sender, "latest"])])
        counted = int(self._result(count, f"the nonce of {first.sender}"), 16)
        return (
            f"stuck in the node's pool at nonce {first.nonce}, the sender's mined count {counted}"
        )

    def _reason(self, call: Call) -> str:
        """Why `call` reverted, by the contract's custom error, if calling it again now says
        (the state may have moved on since; then nothing is added)."""
        request = {
            "from": str(call.sender.address),
            "to": str(call.contract.address),
            "value": hex(call.value),
            "data": call.data(),
        }
        answer = self._rpc([("eth_call", [request, "latest"])])[0]
        data = (answer.get("error") or {}).get("data")
        if not isinstance(data, str) or len(data) < 10:
            return ""
        return ": " + named_error(call.contract, bytes.fromhex(data[2:]))

    # ------------------------------------------------------------ JSON-RPC

    def _rpc(self, requests_: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """The requests in batches of RPC_BATCH; the answers in the order of the requests."""
        answers = []
        for start in range(0, len(requests_), RPC_BATCH):
            answers += self._rpc_batch(requests_[start : start + RPC_BATCH])
        return answers

    def _rpc_batch(self, requests_: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        body = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": params}
            for i, (method, params) in enumerate(requests_)
        ]
        try:
            answers = json.loads(self._node.post(json.dumps(body).encode()))
        except (OSError, http.client.HTTPException, ValueError) as error:
            raise EdgeledgerError(f"{self.uri} did not answer a batch: {error}") from None
        if isinstance(answers, dict):  # a node that refuses the whole batch answers once
            raise EdgeledgerError(f"{self.uri} refused a batch: {answers.get('error')}")
        return sorted(answers, key=lambda answer: answer["id"])

    @staticmethod
    def _result(answer: dict[str, Any], what: str) -> Any:
        if "error" in answer or answer.get("result") is None:
            raise EdgeledgerError(f"the node did not give {what}: {answer.get('error')}")
        return answer["result"]


class _NodeConnection:
    """One kept-alive HTTP connection to the node, by the standard library: `requests` spent
    about 0.75 ms of Python on each of a replay's hundreds of thousands of posts (1.13 ms a post
    against 0.38 ms here, measured on anvil). No proxy is looked up: the node is the replay's.
    For one thread at a time, as the driver is."""

    def __init__(self, uri: str, timeout_s: float) -> None:
        parts = urlsplit(uri)
        try:
            port = parts.port
        except ValueError:  # a port that is no number, or out of range
            port = -1
        if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
            raise EdgeledgerError(f"the chain driver needs a node reached over HTTP, not {uri}")
        self._kind = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self._address = (parts.hostname, port or self._kind.default_port)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._timeout_s = timeout_s
        self._connection: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> bytes:
        """The node's answer to `body`. A kept-alive connection the node closed while idle is
        replaced before the request goes (its socket reads as closed: what urllib3 checks too).
        Nothing is ever sent twice: a request that failed may have been carried out (a
        transaction taken), so the failure is raised."""
        if self._connection is not None and self._closed_by_node(self._connection):
            self._drop()
        if self._connection is None:
            self._connection = self._kind(*self._address, timeout=self._timeout_s)
        try:
            self._connection.request("POST", self._path, body, {"Content-Type": "application/json"})
            response = self._connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException):
            self._drop()
            raise
        if response.status != 200:
            raise http.client.HTTPException(f"HTTP {response.status} {response.reason}")
        return answer

    @staticmethod
    def _closed_by_node(connection: http.client.HTTPConnection) -> bool:
        """Whether the idle connection's socket can be read: the node closed it (or sent what
        nobody asked for); either way it is not to be used again."""
        if connection.sock is None:
            return False  # not opened yet, or closed by http.client itself: it reopens
        readable, _, _ = select.select([connection.sock], [], [], 0)
        return bool(readable)

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class ContractView:
    """A contract's view functions, each read by one `eth_call` through a driver (ape makes
    several requests for one call). Addresses come back in lower case, arrays as tuples."""

    def __init__(self, driver: ChainDriver, contract: Any) -> None:
        self.driver, self.contract = driver, contract
        self.address = contract.address

    def __getattr__(self, method: str) -> Any:
        return lambda *args: self.driver.read(self.contract, method, *args)
