"""Chains that the replays and the deploy checks run on, besides the one ape starts itself."""

from __future__ import annotations

import functools
import http.client
import itertools
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from edgeledger.errors import EdgeledgerError, first_line

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
R = TypeVar("R")


# tools/bin/anvil makes a node die with its parent (setpriv --pdeathsig), and Linux means the
# parent *thread*: a node started by a short-lived thread (a timer that restarts it, say) would
# die with that thread. So every node is started by this one thread, which lives as long as
# the process does.
_NODE_STARTER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="node-starter")


_STARTED_HERE: set[str] = set()  # the URIs of the nodes this process started (AnvilNode)


class AnvilNode:
    """A separately started anvil, reached by URI like any remote node.

    With `state_path`, anvil loads its state from that file when it starts and dumps it there
    every `state_interval_s` (whole) seconds and on a clean exit: `kill()` (no dump, the worst case)
    then `start()` brings the same chain back on the same port as of its last dump."""

    def __init__(
        self,
        block_time_s: float | None = None,
        state_path: Path | None = None,
        state_interval_s: int = 1,
        timeout_s: float = 20.0,
        chain_id: int | None = None,
        fork_url: str | None = None,
    ) -> None:
        binary = shutil.which("anvil")
        if binary is None:
            raise EdgeledgerError(
                "anvil is not on PATH; run `make install` (npm @foundry-rs/anvil)"
            )
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        _STARTED_HERE.add(self.uri)
        self.timeout_s = timeout_s
        self.command = [binary, "--port", str(self.port), "--host", "127.0.0.1", "--silent"]
        if block_time_s:
            self.command += ["--block-time", str(block_time_s)]
        if state_path is not None:
            self.command += ["--state", str(state_path), "--state-interval", str(state_interval_s)]
        if chain_id is not None:
            self.command += ["--chain-id", str(chain_id)]
        if fork_url is not None:
            # A rehearsal: the target's state, and any sender's transactions taken without
            # its key (the operator's address, as it is).
            self.command += ["--fork-url", fork_url, "--auto-impersonate"]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def network_choice(self) -> str:
        """The ape network choice that reaches this node."""
        return f"ethereum:local:{self.uri}"

    def start(self) -> AnvilNode:
        # Its own process group, so that kill() and stop() reach all of it (npm's `anvil`, if it
        # is the one on PATH, is a node wrapper around the native binary). Started by the one
        # starter thread: see _NODE_STARTER.
        self.process = _NODE_STARTER.submit(
            subprocess.Popen,
            self.command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ).result()
        # Ready when it answers a request: an open port alone can be a node still loading its
        # state.
        process = self.process

        def exited() -> bool:
            return process.poll() is not None

        if not poll_until(lambda: exited() or self._answers(), self.timeout_s, 0.1) or exited():
            self.kill()
            raise EdgeledgerError(f"anvil did not start on port {self.port}")
        return self

    def kill(self) -> None:
        """SIGKILL: the node dies at once, without dumping its state."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None
            # Reaping the wrapper does not wait for the native node in its group: until that
            # one is gone too, a start() on the same port would find the dying node answering.
            poll_until(lambda: not self._answers(), self.timeout_s, 0.05)

    def _answers(self) -> bool:
        """Whether the node answers a request at its URI (ape need not be connected to it)."""
        request = urllib.request.Request(
            self.uri,
            data=b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                return bool(response.status == 200)
        except (OSError, http.client.HTTPException):
            return False

    def stop(self) -> None:
        """SIGTERM: a clean exit (anvil dumps its state if it keeps one)."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            self.process = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def anvil_node(
    block_time_s: float | None = None,
    state_path: Path | None = None,
    state_interval_s: int = 1,
    timeout_s: float = 20.0,
    chain_id: int | None = None,
    fork_url: str | None = None,
) -> Iterator[AnvilNode]:
    """Start anvil on a free loopback port (with a block time: a PoA-like chain; with a chain
    id: a public network's; with a fork URL: a fork of that node's chain); stop it after."""
    node = AnvilNode(
        block_time_s, state_path, state_interval_s, timeout_s, chain_id, fork_url
    ).start()
    try:
        yield node
    finally:
        node.stop()


@contextmanager
def connected(choice: str) -> Iterator[Any]:
    """Connect ape to the network `choice` for the CLIs, refusing in one readable line.

    ape's own `--network` option prints a traceback for an unknown network or a dead node;
    the CLIs take the choice as a string and connect here instead. Yields the network.
    """
    from ape import networks
    from ape.exceptions import ApeException

    if not choice.strip():
        # ape would read it as its default network and start a node of its own: more likely
        # an unset variable in a script than a choice.
        raise EdgeledgerError(
            "--network is empty; give an ape network choice (`ape networks list`) or a node "
            "URI such as ethereum:local:http://127.0.0.1:8545"
        )
    try:
        context = networks.parse_network_choice(choice)
    except ApeException as error:
        raise EdgeledgerError(
            f"unknown network {choice!r} ({first_line(error)}); see `ape networks list`, "
            "or pass a node URI such as ethereum:local:http://127.0.0.1:8545"
        ) from None
    try:
        context.__enter__()
    except Exception as error:
        raise EdgeledgerError(
            f"cannot reach the node for {choice!r} ({first_line(error)}); start it or check the URI"
        ) from None
    try:
        yield networks.provider.network
    except EdgeledgerError:
        raise
    except Exception as error:
        failure = _chain_failure(choice, error)
        if failure is None:
            raise
        raise failure from error
    finally:
        try:
            context.__exit__(None, None, None)
        except Exception:
            if node_answers():
                raise  # a node that is gone cannot be disconnected from cleanly: nothing lost


def _chain_failure(choice: str, error: Exception) -> EdgeledgerError | None:
    """A node lost or a transaction that failed mid-run, as one line that says what to do;
    any other error is a bug and keeps its traceback."""
    from ape.exceptions import TransactionError, TransactionNotFoundError
    from web3.exceptions import TimeExhausted

    if not node_answers():
        return EdgeledgerError(
            f"the node for {choice!r} stopped answering during the run ({first_line(error)}); "
            "check that it runs and run the same command again"
        )
    if isinstance(error, TransactionError | TransactionNotFoundError | TimeExhausted):
        return EdgeledgerError(
            f"a transaction failed on {choice!r} ({type(error).__name__}: {first_line(error)}); "
            "the run stopped there: run the same command again, on a fresh node if it repeats"
        )
    return None


def on_network(default: str = "ethereum:local:foundry") -> Callable[[F], F]:
    """A `--network` option (an ape network choice or a node URI) for a CLI whose body runs
    connected to it (`connected`): a bad choice or a dead node is one line, where ape's own
    network option prints a traceback or every known ecosystem. Goes below
    `exit_on_user_error`, which prints that line."""
    import click

    def decorate(function: F) -> F:
        @click.option(
            "--network",
            "network_choice",
            default=default,
            show_default=True,
            help="An ape network choice, or a node URI such as ethereum:local:http://127.0.0.1:8545.",
        )
        @functools.wraps(function)
        def run_connected(*args: Any, network_choice: str, **kwargs: Any) -> Any:
            with connected(network_choice):
                return function(*args, **kwargs)

        return cast(F, run_connected)

    return decorate


def node_answers() -> bool:
    """Whether the connected node answers a request now (a raw one: nothing ape caches)."""
    from ape import chain

    try:
        chain.provider.web3.provider.make_request("eth_blockNumber", [])
    except Exception:
        return False
    return True


_times_taken_back = [0]  # by state_taken_back, in this process


def times_taken_back() -> int:
    """How many times this process took a chain back (`state_taken_back`): what a count kept
    from before (the chain driver's next nonces) may have got ahead of."""
    return _times_taken_back[0]


@contextmanager
def state_taken_back() -> Iterator[bool]:
    """The connected node taken back, after the block, to the state it had before it (anvil's
    `evm_snapshot` and `evm_revert`): nothing the block deployed or sent stays on the chain.
    Yields whether it will be.

    Why: anvil keeps a copy of the whole state for every block, and once it holds 500 it writes
    the oldest to disk at every new block (InMemoryBlockStates in anvil's storage.rs), so each
    block costs in proportion to all the chain holds. Forty FRESCO units one after another on
    one anvil went from 1.6 s to 5 s each; taken back after each one, they stayed near 1.5 s.

    Only a node this process started (an AnvilNode, or the one ape launched for the command) is
    taken back: on a node the user runs, what others sent meanwhile would be undone too. A node
    without snapshots keeps what the block did, and so does every node when the block raises:
    the caller may look at the chain to tell why it failed. A node restarted during the block
    (from a dump) knows the snapshot no more and keeps the state too: that costs later blocks
    time, never a result."""
    from ape import chain

    provider = chain.provider
    ours = getattr(provider, "process", None) is not None or provider.http_uri in _STARTED_HERE
    request = provider.web3.provider.make_request
    snapshot = request("evm_snapshot", []).get("result") if ours else None
    yield snapshot is not None
    if snapshot is not None:
        request("evm_revert", [snapshot])
        _times_taken_back[0] += 1


def on_young_chain(run: Callable[[T], R]) -> Callable[[T], R]:
    """`run`, with the chain taken back afterwards to where it was (`state_taken_back`): for a
    stage that deploys what it needs (each replay of `make demo`), so that no stage pays for
    the blocks of the ones before it (a block costs more the longer the chain: BENCHMARKS.md,
    "Chain throughput")."""

    def taken_back(argument: T) -> R:
        with state_taken_back():
            return run(argument)

    return taken_back


_fresh_nonces = itertools.count(1 << 32)


def fresh_nonce(account: Any) -> None:
    """Give `account` a nonce no earlier one had on this node (anvil's `anvil_setNonce`), so its
    next contract lands at an address of its own. A node taken back after each unit would
    otherwise see every unit deploy at the same address, and a node restarted from a dump of an
    earlier unit would show that unit's contract as this one's."""
    from ape import chain

    chain.provider.web3.provider.make_request(
        "anvil_setNonce", [str(account.address), hex(next(_fresh_nonces))]
    )


def wait_for_node(timeout_s: float, poll_s: float = 0.5) -> bool:
    """Wait until the connected node answers again (restarted, reachable again); False if it
    did not within `timeout_s`."""
    return poll_until(node_answers, timeout_s, poll_s)


def poll_until(condition: Callable[[], bool], timeout_s: float, poll_s: float) -> bool:
    """Check `condition` every `poll_s` until it holds (True) or `timeout_s` has passed (False)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_s)
    return True


def code_at(address: str) -> bool:
    """Whether the chain holds a contract at `address` (a node restarted from an older state
    may not)."""
    from ape import chain

    return bool(chain.provider.web3.eth.get_code(address))


def as_hex(value: Any) -> str:
    """A hash or bytes as 0x-hex, whichever form a library handed it back in."""
    if isinstance(value, str):
        return value if value.startswith("0x") else "0x" + value
    return "0x" + bytes(value).hex()


def node_chain_id() -> int:
    """The chain id the connected node answers (eth_chainId). ape's `chain.chain_id` gives the
    id its network config expects instead: 31337 for any node on `ethereum:local:<URI>`, even
    an anvil started with a public testnet's id, whose record and signatures need the real one."""
    from ape import chain

    return int(chain.provider.web3.eth.chain_id)


def code_hash_of(address: str) -> str:
    """The keccak of the code at `address` (what EXTCODEHASH answers), as 0x-hex."""
    from ape import chain
    from eth_utils import keccak

    return "0x" + keccak(bytes(chain.provider.web3.eth.get_code(address))).hex()


def mined(tx_hash: Any, timeout_s: float) -> Any:
    """The receipt of a transaction once a block holds it; raises EdgeledgerError if it
    reverted or no block took it within `timeout_s` (dropped from the pool, or stuck). A send
    is done only then: on a node that does not mine at once, ape hands back a receipt before
    any block holds the transaction."""
    from ape import chain
    from web3.exceptions import TimeExhausted

    hex_hash = as_hex(tx_hash)
    try:
        receipt = chain.provider.web3.eth.wait_for_transaction_receipt(hex_hash, timeout=timeout_s)
    except TimeExhausted:
        raise EdgeledgerError(
            f"transaction {hex_hash} was not mined within {timeout_s:g} s (dropped or stuck)"
        ) from None
    if receipt["status"] != 1:
        raise EdgeledgerError(f"transaction {hex_hash} reverted in block {receipt['blockNumber']}")
    return receipt
