"""A replay's work as units that survive a node or a process lost: the journal of finished units,
the retries through a node that stopped answering, and the worker processes with a node each.

A unit is a piece of a replay that can run again from its start (it is seeded and deploys what it
needs). Its row goes to the journal once it finished, so a replay started again with the same
settings, and the same code, skips it; a unit the node let down runs again on the node once it
answers again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from edgeledger.chain import anvil_node, connected, node_answers, wait_for_node
from edgeledger.errors import EdgeledgerError
from edgeledger.processes import die_with_parent, spawn_context
from edgeledger.progress import ProgressCallback, show_chain_logs
from edgeledger.stages import code_fingerprint

# A replay's journal of finished units, in its output folder until every output is written.
UNIT_JOURNAL = "units.jsonl"
MAX_NODE_LOSSES = 5  # per unit: a node that keeps dying is reported, not waited for forever
Row = dict[str, Any]


class NodeLost(Exception):
    """The node stopped answering, or came back without some of a unit's transactions."""


class UnitJournal:
    """The rows of finished units, one fsynced JSON line each, tagged with the settings they
    belong to (worker processes append to the same file). Lines of other settings are ignored,
    not deleted; a torn last line is a unit that did not finish.

    `settings` is what changes results, as text (not the number of workers, not how long to
    wait for a node); the code's fingerprint is added, so an edit never serves a unit finished
    before it. `key` names a unit from its row."""

    def __init__(self, path: Path, settings: str, key: Callable[[Row], Hashable]) -> None:
        self.path, self.key = path, key
        self.tag = hashlib.sha256((settings + code_fingerprint()).encode()).hexdigest()[:16]
        self.done: dict[Hashable, Row] = {}
        if path.exists():
            for line in path.read_text().split("\n")[:-1]:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("config") == self.tag:
                    self.done[key(entry["row"])] = entry["row"]

    def add(self, row: Row) -> None:
        line = json.dumps({"config": self.tag, "row": row}) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One write with O_APPEND: lines of several processes never interleave.
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line.encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def through_node_losses(unit: Callable[[], Row], what: str, wait_s: float) -> Row:
    """Run `unit`; each time the node lets it down, wait for the node, then run it again."""
    for _ in range(MAX_NODE_LOSSES):
        try:
            return unit()
        except NodeLost as lost:
            if not wait_for_node(wait_s):
                raise EdgeledgerError(
                    f"the node stopped answering during {what} ({lost}) and was not back "
                    f"within {wait_s:g} s; start it and run the same command again to resume"
                ) from None
    raise EdgeledgerError(f"the node failed {MAX_NODE_LOSSES} times during {what}; check it")


@contextmanager
def own_node() -> Iterator[list[Any]]:
    """A worker process's own anvil, connected; yields its test accounts. The worker dies with
    its parent (a killed CLI leaves no worker behind, nor the worker's node)."""
    die_with_parent()
    show_chain_logs(verbose=False)
    with anvil_node() as node, connected(node.network_choice):
        from ape import accounts

        yield list(accounts.test_accounts)


_process_node: list[Any] = []  # [the ExitStack that holds the node, its test accounts]


def process_node() -> list[Any]:
    """This process's own anvil (own_node), started by the first unit that asks and kept for
    the next ones until the process ends; its test accounts. For a Ray worker, which runs one
    unit after another and is never told that it is done. A node that stopped answering is
    replaced by a new one (nobody else would restart it)."""
    if _process_node and not node_answers():
        stack, _ = _process_node
        _process_node.clear()
        with suppress(Exception):  # the node is gone already: nothing of it to stop cleanly
            stack.close()
    if not _process_node:
        stack = ExitStack()
        _process_node.extend([stack, list(stack.enter_context(own_node()))])
    return list(_process_node[1])


def node_accounts() -> list[Any]:
    """The test accounts of the chain ape is connected to; in a worker that is connected to
    none (a process of `in_workers`, a Ray worker), of its process's own node (process_node)."""
    from ape import accounts, networks

    if networks.active_provider is None:
        return process_node()
    return list(accounts.test_accounts)


class Pulled:
    """A worker's items, taken one at a time from the queue every worker shares until it is
    empty: a worker that finishes a unit early takes the next one instead of waiting for the
    others (units are scheduled as they finish, not split up front)."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue

    def __iter__(self) -> Iterator[Any]:
        while (item := self.queue.get()) is not None:
            yield item


def in_workers(
    work: Callable[[Iterable[Any], Any], None],
    items: list[Any],
    workers: int,
    stage: str,
    progress: ProgressCallback,
    each: Callable[[Any], None] | None = None,
) -> list[Any]:
    """Run `items` (none of them None) in `workers` spawned processes, each taking the next
    item when it is done with one. `work(items, results)` runs in each (a picklable top-level
    function), iterates over the items it is given, and puts one message per item on
    `results`: its result, or a one-line failure as a str, which stops them all. `each(result)`
    sees every result here as it comes (to journal it). Returns the results in the order they
    came."""
    context = spawn_context()
    results, queue = context.Queue(), context.Queue()
    for item in [*items, *[None] * workers]:
        queue.put(item)
    processes = [
        context.Process(target=work, args=(Pulled(queue), results)) for _ in range(workers)
    ]
    for process in processes:
        process.start()
    done: list[Any] = []
    progress(stage, 0, len(items))
    while len(done) < len(items):
        message = results.get()
        if isinstance(message, str):
            for process in processes:
                process.terminate()
            raise EdgeledgerError(f"a worker of {stage!r} failed: {message}")
        if each is not None:
            each(message)
        done.append(message)
        progress(stage, len(done), len(items))
    for process in processes:
        process.join()
    return done


def failure_line(error: BaseException) -> str:
    """How a worker reports its failure to the parent: one line."""
    return f"{type(error).__name__}: {error}".splitlines()[0]
