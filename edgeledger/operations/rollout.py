"""The operator's deployment on a live network: `full_plan` sent one transaction at a time,
each recorded in deployments/<chain-id>.json as soon as a block holds it, resumable.

Why one at a time, recorded: a public network fails halfway (a node that drops, fees that
rise, a laptop that sleeps). The record then holds every step done (address, block,
transaction, gas) and the one in flight (its nonce and every transaction sent for it), so a
rerun finishes the deployment without deploying anything twice:
- a step in flight is found by its transactions, else by its nonce (a nonce that a
  transaction not ours took means the step did not happen: it is sent again at a fresh one);
- a transaction that no block takes within `stuck_after_s` is replaced at a higher fee, never
  above the operator's cap;
- a wiring call whose effect the chain already shows is not sent (`Step.done`).
The transaction's hash goes into the record before it is broadcast (we sign it ourselves),
so a process that dies between broadcast and receipt leaves a record that finds it.

The same code rehearses a deployment on a fork of the target (`Impersonated`: anvil sends as
the operator's address without its key), for the dry run and the balance check.
"""

from __future__ import annotations

import fcntl
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edgeledger.chain import as_hex, code_at, code_hash_of, node_chain_id
from edgeledger.deploy import Deployment, DeployParameters, Step, full_plan, write_json
from edgeledger.errors import EdgeledgerError

GWEI = 10**9
# A replacement must raise both fees by at least 10% (geth's and anvil's pool rule); 12.5%
# clears it after rounding.
REPLACEMENT_BUMP = 1.125
# Gas limit over the node's estimate: an estimate is exact for these contracts on the state it
# was made on, and the headroom covers a state that moved between estimate and inclusion.
GAS_HEADROOM = 1.2


@dataclass
class DeployRecord:
    """deployments/<chain-id>.json while a deployment is under way and after it."""

    path: Path
    data: dict[str, Any]

    @classmethod
    def start_or_resume(
        cls, path: Path, chain_id: int, network: str, deployer: str, parameters: DeployParameters
    ) -> DeployRecord:
        """The unfinished record at `path` (same chain, deployer and parameters), or a new one.
        The caller has refused a finished record already (`check_can_record`)."""
        if path.exists():
            data = json.loads(path.read_text())
            if not data.get("complete", True):
                for key, ours in (
                    ("deployer", deployer),
                    ("parameters", json.loads(json.dumps(asdict(parameters)))),
                ):
                    if data.get(key) != ours:
                        raise EdgeledgerError(
                            f"{path} holds an unfinished deployment with another {key} "
                            f"({data.get(key)!r}); finish it with that, or move the record away"
                        )
                return cls(path, data)
        data = {
            "chain_id": chain_id,
            "network": network,
            "deployer": deployer,
            "parameters": asdict(parameters),
            "complete": False,
            "steps": [],
            "pending": None,
            "contracts": {},
            "contract_types": {},
        }
        return cls(path, data)

    def save(self) -> None:
        write_json(self.path, self.data)

    def done(self, name: str) -> dict[str, Any] | None:
        return next((entry for entry in self.data["steps"] if entry["name"] == name), None)

    @property
    def pending(self) -> dict[str, Any] | None:
        return self.data.get("pending")

    def begin(self, step: Step, nonce: int, from_block: int) -> None:
        self.data["pending"] = {
            "step": step.name,
            "nonce": nonce,
            "from_block": from_block,
            "transactions": [],
        }
        self.save()

    def sent(self, tx_hash: str) -> None:
        """Called before the transaction is broadcast: its hash must outlive the process."""
        assert self.pending is not None
        self.pending["transactions"].append(tx_hash)
        self.save()

    def finish(self, step: Step, receipt: dict[str, Any] | None) -> None:
        entry: dict[str, Any] = {"name": step.name}
        if receipt is None:
            entry["already_done"] = True  # the chain showed the call's effect: nothing sent
        else:
            entry.update(
                transaction=as_hex(receipt["transactionHash"]),
                block=int(receipt["blockNumber"]),
                gas_used=int(receipt["gasUsed"]),
                fee_wei=int(receipt["gasUsed"]) * int(receipt.get("effectiveGasPrice", 0)),
            )
        if step.deploys:
            assert receipt is not None
            entry["address"] = str(receipt["contractAddress"])
            self.data["contracts"][step.name] = entry["address"]
            self.data["contract_types"][step.name] = step.contract_type
        self.data["steps"].append(entry)
        self.data["pending"] = None
        self.save()

    def complete(self, deployment: Deployment) -> None:
        blocks = [entry["block"] for entry in self.data["steps"] if "block" in entry]
        self.data.update(
            complete=True,
            start_block=min(blocks, default=0),
            deployed_at=datetime.now(UTC).isoformat(timespec="seconds"),
            policies=deployment.policy_ids(),
            code_hashes={
                name: code_hash_of(address) for name, address in self.data["contracts"].items()
            },
        )
        self.save()


@contextmanager
def only_deployment(record: Path) -> Iterator[None]:
    """Hold the lock of `record` (a file beside it) for the whole run: two deployments from
    one record would each send the next step, and each deploy its own copy."""
    record.parent.mkdir(parents=True, exist_ok=True)
    lock = record.with_name(f".{record.name}.lock")
    with lock.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise EdgeledgerError(
                f"another `ape run deploy` is running on {record} (it holds {lock}); "
                "let it finish, or stop it first"
            ) from None
        yield


class KeySigner:
    """Sends with the operator's own key: signed here, so its hash is recorded first."""

    def __init__(self, account: Any) -> None:
        self.account = account
        self.address = str(account.address)

    def send(self, fields: dict[str, Any], before_broadcast: Callable[[str], None]) -> str:
        from ape import chain, networks
        from ape.logging import LogLevel, logger

        txn = networks.provider.network.ecosystem.create_transaction(**fields)
        # ape warns "Using cached key" at every signature of an unlocked keyfile: said once
        # when it was unlocked, it is noise fifteen times over.
        level = logger.level
        logger.set_level(LogLevel.ERROR)
        try:
            signed = self.account.sign_transaction(txn)
        finally:
            logger.set_level(level)
        if signed is None:
            raise EdgeledgerError(f"account {self.address} did not sign the transaction")
        tx_hash = as_hex(signed.txn_hash)
        before_broadcast(tx_hash)
        chain.provider.web3.eth.send_raw_transaction(signed.serialize_transaction())
        return tx_hash


class Impersonated:
    """Sends as `address` without its key: only on an anvil that impersonates (a fork)."""

    def __init__(self, address: str) -> None:
        self.address = address

    def send(self, fields: dict[str, Any], before_broadcast: Callable[[str], None]) -> str:
        from ape import chain

        # The node signs for the impersonated sender with its own chain id.
        unsigned = {key: value for key, value in fields.items() if key != "chainId"}
        tx_hash = as_hex(chain.provider.web3.eth.send_transaction(unsigned))
        before_broadcast(tx_hash)
        return tx_hash


@dataclass(frozen=True)
class FeePolicy:
    """EIP-1559 fees: twice the base fee plus the node's tip, never above `cap_wei`."""

    cap_wei: int | None = None

    def network(self) -> tuple[int, int]:
        """(base fee, priority fee) the node asks now."""
        from ape import chain

        web3 = chain.provider.web3
        return int(web3.eth.get_block("latest").get("baseFeePerGas", 0)), int(
            web3.eth.max_priority_fee
        )

    def current(self, asked: tuple[int, int] | None = None) -> tuple[int, int]:
        """(max fee, priority fee) for a transaction sent now, at the (base fee, tip) the node
        `asked` if the caller has just read them."""
        base, tip = asked or self.network()
        wanted = 2 * base + tip
        if self.cap_wei is not None and base + tip > self.cap_wei:
            raise EdgeledgerError(
                f"the network asks {(base + tip) / GWEI:.3f} gwei a gas now, above "
                f"--max-fee-gwei {self.cap_wei / GWEI:g}; wait for lower fees or raise the cap "
                "(the record keeps what is done)"
            )
        if self.cap_wei is not None:
            wanted = min(wanted, self.cap_wei)
        return wanted, min(tip, wanted)

    def replacing(self, max_fee: int, tip: int, waited_s: float) -> tuple[int, int]:
        """Fees for a transaction that replaces one stuck at (max_fee, tip)."""
        fresh_max, fresh_tip = self.current()
        bumped_max = max(fresh_max, int(max_fee * REPLACEMENT_BUMP) + 1)
        bumped_tip = max(fresh_tip, int(tip * REPLACEMENT_BUMP) + 1)
        if self.cap_wei is not None and bumped_max > self.cap_wei:
            raise EdgeledgerError(
                f"a transaction has waited {waited_s:.0f} s for a block; replacing it needs a "
                f"max fee of {bumped_max / GWEI:.3f} gwei, above --max-fee-gwei "
                f"{self.cap_wei / GWEI:g}: raise the cap and run again (the record keeps it)"
            )
        return bumped_max, min(bumped_tip, bumped_max)


# What a node answers a transaction that another one (ours, or mined) already stands for.
_ANSWERS_TO_A_RACE = ("already known", "underpriced", "nonce too low")


class _NonceTaken(Exception):
    """The nonce of the step in flight was used by a transaction this deployment never sent."""


@dataclass
class Rollout:
    """Runs `full_plan` from `sender`, recording every step in `record` (see the module)."""

    record: DeployRecord
    sender: KeySigner | Impersonated
    fees: FeePolicy = field(default_factory=FeePolicy)
    stuck_after_s: float = 180.0
    poll_s: float = 0.5
    echo: Callable[[str], None] = print

    def run(self, parameters: DeployParameters) -> Deployment:
        placed: dict[str, Any] = {}
        for step in full_plan(parameters):
            entry = self.record.done(step.name)
            if entry is not None:
                if step.deploys:
                    placed[step.name] = self._attach(step, entry["address"])
                continue
            pending = self.record.pending
            if pending is not None and pending["step"] != step.name:
                raise EdgeledgerError(
                    f"{self.record.path} has {pending['step']!r} in flight before "
                    f"{step.name!r} is done: not a record this version wrote; move it away"
                )
            receipt = self._step(step, placed)
            if receipt is None:
                continue
            self.record.finish(step, receipt)
            if step.deploys:
                placed[step.name] = self._attach(step, str(receipt["contractAddress"]))
            at = f"at {receipt['contractAddress']}" if step.deploys else "(a call)"
            self.echo(
                f"{step.name:<38} {at:<45} gas {int(receipt['gasUsed']):>9,}  block "
                f"{int(receipt['blockNumber'])}  tx {as_hex(receipt['transactionHash'])}"
            )
        deployment = Deployment.of(placed, parameters)
        self.record.complete(deployment)
        return deployment

    def _step(self, step: Step, placed: dict[str, Any]) -> dict[str, Any] | None:
        """The receipt of `step` done now, or None for a call whose effect was on chain."""
        while True:
            if self.record.pending is None and step.done is not None and step.done(placed):
                self.record.finish(step, None)
                self.echo(f"{step.name:<38} already on chain")
                return None
            try:
                return self._settle(step, placed)
            except _NonceTaken as taken:
                self.record.data["pending"] = None
                self.record.save()
                self.echo(f"{step.name}: {taken}; sent again")

    def _attach(self, step: Step, address: str) -> Any:
        from ape import project

        if not code_at(address):
            raise EdgeledgerError(
                f"{self.record.path} records {step.name} at {address}, but this chain has no "
                "code there (a chain that was reset?); move the record away and deploy anew"
            )
        return getattr(project, step.contract_type).at(address)

    def _fields(self, step: Step, placed: dict[str, Any], nonce: int) -> dict[str, Any]:
        """The transaction of `step` (without fees) at `nonce`, its gas limit estimated."""
        from ape import chain, project

        if step.deploys:
            container = getattr(project, step.contract_type)
            data = container.constructor.serialize_transaction(*step.arguments(placed)).data
            fields: dict[str, Any] = {"data": as_hex(data)}
        else:
            method = getattr(placed[step.target], step.method)
            fields = {
                "to": str(placed[step.target].address),
                "data": as_hex(method.encode_input(*step.arguments(placed))),
            }
        fields.update({"from": self.sender.address, "nonce": nonce, "value": 0})
        estimate = chain.provider.web3.eth.estimate_gas(fields)
        fields.update(gas=int(estimate * GAS_HEADROOM), chainId=node_chain_id(), type=2)
        return fields

    def _settle(self, step: Step, placed: dict[str, Any]) -> dict[str, Any]:
        """The receipt of `step`'s transaction: sent now, or found for the one in flight, or
        sent again (replaced) when none is mined or waiting."""
        from ape import chain
        from web3.exceptions import Web3RPCError

        web3 = chain.provider.web3
        if self.record.pending is None:
            address = self.sender.address
            nonce = web3.eth.get_transaction_count(address, "latest")
            if web3.eth.get_transaction_count(address, "pending") > nonce:
                # A transaction of this account waits that no record knows: this deployment's
                # next one would queue behind it, or take its place.
                raise EdgeledgerError(
                    f"{address} has a transaction waiting in the node's pool that this "
                    "deployment did not send; let it be mined (or replace it), then run again"
                )
            self.record.begin(step, nonce, web3.eth.block_number)
        pending = self.record.pending
        assert pending is not None
        fields: dict[str, Any] | None = None
        last_fees: tuple[int, int] | None = None
        sent_at: float | None = None  # when this process last sent one
        started = time.monotonic()
        while True:
            receipt = self._mined(pending)
            if receipt is not None:
                if int(receipt["status"]) != 1:
                    self.record.data["pending"] = None
                    self.record.save()
                    raise EdgeledgerError(
                        f"{step.name}: transaction {as_hex(receipt['transactionHash'])} reverted "
                        f"in block {int(receipt['blockNumber'])}; nothing of it is recorded"
                    )
                return dict(receipt)
            pooled = [tx for tx in pending["transactions"] if self._in_pool(tx)]
            waited_s = time.monotonic() - (sent_at if sent_at is not None else started)
            # One sent here counts as waiting even where the node does not show it yet (a
            # provider whose nodes answer in turn): sending it again would only be refused.
            waiting = bool(pooled) or sent_at is not None
            if waiting and waited_s < self.stuck_after_s:
                time.sleep(self.poll_s)
                continue
            if fields is None:
                fields = self._fields(step, placed, pending["nonce"])
            if pooled and last_fees is None:
                stuck = web3.eth.get_transaction(pooled[-1])
                last_fees = (int(stuck["maxFeePerGas"]), int(stuck["maxPriorityFeePerGas"]))
            if waiting and last_fees is not None:
                last_fees = self.fees.replacing(*last_fees, waited_s)
                self.echo(f"{step.name}: stuck {waited_s:.0f} s, replaced at a higher fee")
            else:
                last_fees = self.fees.current()
            fields.update(maxFeePerGas=last_fees[0], maxPriorityFeePerGas=last_fees[1])
            try:
                self.sender.send(fields, self.record.sent)
            except Web3RPCError as error:
                if not any(words in str(error).lower() for words in _ANSWERS_TO_A_RACE):
                    raise
                # The node has one for this nonce already (mined, or ours): look again.
            sent_at = time.monotonic()

    def _mined(self, pending: dict[str, Any]) -> dict[str, Any] | None:
        """The receipt of the transaction that took the step's nonce, if a block holds it:
        looked up by the hashes sent, then by the nonce itself."""
        from ape import chain
        from web3.exceptions import TransactionNotFound

        web3 = chain.provider.web3
        # The count first: a transaction mined between the two reads is then found by its hash.
        used = web3.eth.get_transaction_count(self.sender.address, "latest") > pending["nonce"]
        for tx_hash in pending["transactions"]:
            try:
                return dict(web3.eth.get_transaction_receipt(tx_hash))
            except TransactionNotFound:
                continue
        if not used:
            return None
        # The nonce is used, but by none of the hashes recorded: find who took it.
        ours = {tx_hash.lower() for tx_hash in pending["transactions"]}
        taken_by = "a transaction before the recorded block"
        for number in range(pending["from_block"], web3.eth.block_number + 1):
            for tx in web3.eth.get_block(number, full_transactions=True)["transactions"]:
                sender, nonce = str(tx["from"]).lower(), int(tx["nonce"])
                if sender != self.sender.address.lower() or nonce != int(pending["nonce"]):
                    continue
                if as_hex(tx["hash"]).lower() in ours:
                    return dict(web3.eth.get_transaction_receipt(tx["hash"]))
                taken_by = f"{as_hex(tx['hash'])} in block {number}"
        # None of ours took it: the step did not happen (the transactions recorded can never
        # be mined now). It is done again from the start, at a fresh nonce.
        raise _NonceTaken(f"nonce {pending['nonce']} was taken by {taken_by}, not by this step")

    def _in_pool(self, tx_hash: str) -> bool:
        from ape import chain
        from web3.exceptions import TransactionNotFound

        try:
            chain.provider.web3.eth.get_transaction(tx_hash)
        except TransactionNotFound:
            return False
        return True


def rehearse(
    target_uri: str, address: str, record: Path, parameters: DeployParameters
) -> dict[str, int]:
    """The gas of every step the deployment has still to do (all of them without a record at
    `record`), measured by doing them on a fork of the node at `target_uri` as `address`,
    without its key. Nothing is written: the fork dies after, the record is read only."""

    from ape import chain

    from edgeledger.chain import anvil_node, connected

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / record.name
        if record.exists():
            data = json.loads(record.read_text())
            # The step in flight is rehearsed as a new send: its transactions are the target's,
            # and a fork would find them in the target's pool (it asks the target for what it
            # does not know) and wait for them.
            data["pending"] = None
            write_json(copy, data)
        with anvil_node(fork_url=target_uri) as fork, connected(fork.network_choice):
            # Ether of the fork's own, so that an account not yet funded learns what it needs.
            request = chain.provider.web3.provider.make_request
            request("anvil_setBalance", [address, hex(10**24)])
            rehearsal = DeployRecord.start_or_resume(
                copy, node_chain_id(), fork.network_choice, address, parameters
            )
            before = {entry["name"] for entry in rehearsal.data["steps"]}
            Rollout(rehearsal, Impersonated(address), echo=lambda _: None).run(parameters)
    return {
        entry["name"]: int(entry.get("gas_used", 0))
        for entry in rehearsal.data["steps"]
        if entry["name"] not in before
    }
