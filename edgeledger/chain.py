"""Chains that the replays and the deploy checks run on, besides the one ape starts itself."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from edgeledger.errors import EdgeledgerError, first_line


@dataclass(frozen=True)
class AnvilNode:
    """A separately started anvil, reached by URI like any remote node."""

    uri: str
    block_time_s: float | None

    @property
    def network_choice(self) -> str:
        """The ape network choice that reaches this node."""
        return f"ethereum:local:{self.uri}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def anvil_node(block_time_s: float | None = None, timeout_s: float = 20.0) -> Iterator[AnvilNode]:
    """Start anvil on a free loopback port (with a block time: a PoA-like chain); stop it after."""
    binary = shutil.which("anvil")
    if binary is None:
        raise EdgeledgerError("anvil is not on PATH; run `make install` (npm @foundry-rs/anvil)")
    port = free_port()
    command = [binary, "--port", str(port), "--host", "127.0.0.1", "--silent"]
    if block_time_s:
        command += ["--block-time", str(block_time_s)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise EdgeledgerError(f"anvil did not start on port {port}") from None
                time.sleep(0.1)
        yield AnvilNode(uri=f"http://127.0.0.1:{port}", block_time_s=block_time_s)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def connected(choice: str) -> Iterator[Any]:
    """Connect ape to the network `choice` for the CLIs, refusing in one readable line.

    ape's own `--network` option prints a traceback for an unknown network or a dead node;
    the CLIs take the choice as a string and connect here instead. Yields the network.
    """
    from ape import networks
    from ape.exceptions import ApeException

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
    finally:
        context.__exit__(None, None, None)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the body, then put the chain back as it was (anvil's evm_snapshot/evm_revert, which
    any anvil answers, however ape reached it)."""
    from ape import chain

    snapshot = chain.provider.make_request("evm_snapshot", [])
    try:
        yield
    finally:
        if not chain.provider.make_request("evm_revert", [snapshot]):
            raise EdgeledgerError(f"the node could not revert to snapshot {snapshot}")
