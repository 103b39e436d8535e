"""A replay's units as Ray tasks, for sweeps beyond one machine (`--ray auto|<address>`).

Each unit is one Ray task, taken by whichever worker is free (units are scheduled as they
finish). A worker process keeps its own anvil for every unit it runs (units.process_node), so a
unit never shares a chain with another worker's. A worker or a node lost mid-unit is Ray's to
notice: the task runs again from its start elsewhere (a unit is seeded and deploys what it
needs, so its row is the same). A unit that fails on its own (a bug, a bad input) stops the
replay with its line: that is not retried.

Ray is imported here only, and only when a replay is asked to run on it."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgeledger.errors import EdgeledgerError, first_line
from edgeledger.progress import ProgressCallback
from edgeledger.replays.units import MAX_NODE_LOSSES, failure_line

START_LOCAL = "auto"
# Ray, told it runs on a laptop, keeps every address on loopback (left to itself it picks the
# machine's network address, even for a cluster started on 127.0.0.1).
LOOPBACK_ONLY_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
# The checkout the package runs from: ape finds the project (contracts, build) from there.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Finished:
    """A unit done: what it was given, what it returned, and the Ray node it ran on."""

    item: Any
    result: Any
    node: str


def on_ray(
    address: str,
    unit: Callable[[Any], Any],
    items: list[Any],
    stage: str,
    progress: ProgressCallback,
    placement: Callable[[Any], dict[str, Any]] | None = None,
) -> Iterator[Finished]:
    """Run `unit(item)` for each item as a Ray task, on a local Ray started for the replay
    (`address` "auto", stopped at the end) or on the cluster at `address` (host:port of its
    head, or ray://host:port of its client server). Yields each unit as it finishes.
    `placement(item)` gives a unit's Ray options (a node to run on, say)."""
    ray = _connected(address)
    try:
        remote = ray.remote(max_retries=MAX_NODE_LOSSES, retry_exceptions=False)(_run_unit)
        unit_ref = ray.put(unit)  # sent to each node once, not with every task
        pending = {
            remote.options(**(placement(item) if placement else {})).remote(unit_ref, item): item
            for item in items
        }
        progress(stage, 0, len(items))
        done = 0
        while pending:
            [ready], _ = ray.wait(list(pending), num_returns=1)
            item = pending.pop(ready)
            try:
                result, node = ray.get(ready)
            except Exception as error:
                for reference in pending:
                    ray.cancel(reference, force=True)
                raise EdgeledgerError(
                    f"a unit of {stage!r} failed on Ray ({item!r}): {_cause(error)}"
                ) from None
            done += 1
            progress(stage, done, len(items))
            yield Finished(item, result, node)
    finally:
        ray.shutdown()


def _run_unit(unit: Callable[[Any], Any], item: Any) -> tuple[Any, str]:
    """In a Ray worker: the unit, run from the checkout; its result and the node it ran on."""
    import ray

    os.chdir(PROJECT_ROOT)
    return unit(item), ray.get_runtime_context().get_node_id()


def check_ray_address(address: str) -> tuple[str, int]:
    """The host and port of a cluster's address (host:port or ray://host:port); "auto" is
    ("", 0): a local Ray. Refused in one line if it is neither."""
    if address == START_LOCAL:
        return "", 0
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise EdgeledgerError(f"--ray takes auto or host:port, not {address!r}")
    return host, int(port)


def _connected(address: str) -> Any:
    """Ray, initialised: a local instance on loopback, or connected to `address`'s cluster
    (refused in one line if nothing answers there; Ray itself would retry for minutes)."""
    local = address == START_LOCAL
    host, port = check_ray_address(address)
    if not local:
        try:
            socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
        except OSError as error:
            raise EdgeledgerError(f"no Ray cluster answers at {address}: {error}") from None
    if local or host in ("127.0.0.1", "localhost"):
        os.environ.setdefault(LOOPBACK_ONLY_ENV, "0")
    import ray

    try:
        ray.init(
            address="local" if local else address,
            include_dashboard=False if local else None,
            log_to_driver=False,  # the workers' ape logs; failures come back with their unit
            configure_logging=False,
        )
    except Exception as error:  # not Ray there, another version, no token: one line
        where = "a local Ray" if local else f"the Ray cluster at {address}"
        raise EdgeledgerError(f"cannot start or join {where}: {first_line(error)}") from None
    return ray


def _cause(error: BaseException) -> str:
    """The unit's own error, not Ray's wrapping of it."""
    cause = getattr(error, "cause", None)
    return failure_line(cause if isinstance(cause, BaseException) else error)
