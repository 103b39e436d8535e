"""The decision engine's side of the reputation contract: FRESCO's "hybrid".

Decisions read scores from a local copy that one contract call refreshes (`getReputationScores`
for all nodes at once), and reports go into a queue that a background thread sends in batches.
So an offloading decision never waits for a block.

Reports get strictly rising task ids when they are queued; the contract counts an id once per
reporter. That makes every retry safe: after a failed or dropped transaction the client asks
the contract for the reporter's last counted id and re-sends only what is above it, so a report
is counted exactly once however often its batch was sent.

With `queue_path`, the queue is also a file, rewritten atomically whenever it changes: a client
started on the same file after a crash takes the unsent reports back, drops those the contract
counted meanwhile (a batch mined just before the crash) and sends the rest, so a crash loses
nothing and counts nothing twice.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edgeledger.errors import first_line
from edgeledger.fresco.reputation import Report, kth_highest

# Sends one batch of report words; raises if the transaction failed or its fate is unknown.
Transport = Callable[[list[int]], Any]


@dataclass(frozen=True)
class RejectedReport:
    """A report the contract will never count (its node is not registered), kept, not lost."""

    report: Report
    reason: str


class ReputationClient:
    def __init__(
        self,
        contract: Any,
        reporter: Any,
        nodes: Iterable[str],
        *,
        batch_size: int = 32,
        flush_interval_s: float = 1.0,
        transport: Transport | None = None,
        queue_path: Path | None = None,
    ) -> None:
        if not 1 <= batch_size <= 256:
            raise ValueError(f"batch_size {batch_size} is outside 1..256 (the contract's bound)")
        self.contract = contract
        self.reporter = reporter
        self.nodes = [str(n) for n in nodes]
        # Reports name nodes by registration index; it never changes for an address.
        self.indices = {n.lower(): int(contract.getNodeIndex(n)) for n in self.nodes}
        self._addresses = {index: node for node, index in self.indices.items()}
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.transport = transport or self._send
        self._lock = threading.Lock()
        self._pending: list[Report] = []
        self.queue_path = queue_path
        last_counted = int(contract.lastTaskId(reporter))
        self._next_task_id = last_counted + 1
        self._scores: dict[str, int] = {}
        self.counted: list[Report] = []
        self.rejected: list[RejectedReport] = []
        self.last_error: str | None = None
        self.transactions = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        if queue_path is not None and queue_path.exists():
            self._resume(queue_path, last_counted)
        self.refresh_scores()

    # ------------------------------------------------------------ reading (never waits)

    def refresh_scores(self) -> dict[str, int]:
        """One contract call for every node's score; the decision engine reads the copy."""
        values = self.contract.getReputationScores(self.nodes) if self.nodes else []
        scores = {node: int(v) for node, v in zip(self.nodes, values, strict=True)}
        with self._lock:
            self._scores = scores
        return dict(scores)

    def scores(self) -> dict[str, int]:
        with self._lock:
            return dict(self._scores)

    def threshold(self, candidates: Iterable[str], k: int) -> int:
        """FRESCO's k-th highest score among candidates, from the local copy."""
        scores = self.scores()
        return kth_highest((scores[c] for c in candidates), k)

    # ------------------------------------------------------------ reporting (never waits)

    def report(
        self, node: str, execution_time_us: int, time_constraint_us: int, succeeded: bool
    ) -> Report:
        """Queue one measured outcome; it is sent with the next batch."""
        if str(node).lower() not in self.indices:
            raise ValueError(f"{node} is not one of this client's nodes")
        with self._lock:
            report = Report(
                node_index=self.indices[str(node).lower()],
                task_id=self._next_task_id,
                execution_time_us=execution_time_us,
                time_constraint_us=time_constraint_us,
                succeeded=succeeded,
            )
            report.packed()  # refuse a malformed report now, not in the background
            self._next_task_id += 1
            self._pending.append(report)
            self._persist()
            full = len(self._pending) >= self.batch_size
        if full:
            self._wake.set()
        return report

    @property
    def pending(self) -> list[Report]:
        with self._lock:
            return list(self._pending)

    # ------------------------------------------------------------ sending

    def flush(self) -> int:
        """Send everything queued, batch by batch; returns how many reports were counted.

        A batch that fails stays queued (the next flush retries it) unless the contract refuses
        one of its nodes, in which case that node's reports move to `rejected` and the rest is
        retried at once.
        """
        counted = 0
        while True:
            with self._lock:
                batch = self._pending[: self.batch_size]
            if not batch:
                break
            try:
                self.transport([r.packed() for r in batch])
            except Exception as error:
                self.last_error = first_line(error)
                if self._drop_unregistered(error):
                    continue
                counted += self._reconcile()
                break
            self.transactions += 1
            counted += self._settle(len(batch))
        if counted:
            self.refresh_scores()  # once for the whole flush, not per batch
        return counted

    def _send(self, words: list[int]) -> Any:
        return self.contract.updateNodeReputation(words, sender=self.reporter)

    def _settle(self, count: int) -> int:
        with self._lock:
            done, self._pending = self._pending[:count], self._pending[count:]
            self.counted.extend(done)
            self._persist()
        return len(done)

    def _reconcile(self) -> int:
        """After a failure or a lost receipt: what the contract counted leaves the queue."""
        last = int(self.contract.lastTaskId(self.reporter))
        with self._lock:
            done = [r for r in self._pending if r.task_id <= last]
        return self._settle(len(done))

    def _drop_unregistered(self, error: Exception) -> bool:
        index = _refused_index(error)
        if index is None:
            return False
        with self._lock:
            refused = [r for r in self._pending if r.node_index == index]
            self._pending = [r for r in self._pending if r.node_index != index]
            self._persist()
        reason = f"node {self._addresses.get(index, index)} (index {index}) is not registered"
        self.rejected.extend(RejectedReport(r, reason) for r in refused)
        return bool(refused)

    # ------------------------------------------------------------ the queue on disk

    def _persist(self) -> None:
        """Write the queue (caller holds the lock): a temporary file, then an atomic rename,
        so a crash leaves the old queue or the new one, never half of one."""
        if self.queue_path is None:
            return
        self.queue_path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=self.queue_path.parent, delete=False, suffix=".tmp"
        ) as handle:
            json.dump([asdict(r) for r in self._pending], handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, self.queue_path)

    def _resume(self, path: Path, last_counted: int) -> None:
        """Take back a crashed client's queue; what the contract counted is done."""
        try:
            saved = [Report(**entry) for entry in json.loads(path.read_text())]
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path} is not a report queue ({error}); move it away") from None
        self._pending = saved
        if saved:
            self._next_task_id = max(self._next_task_id, saved[-1].task_id + 1)
        # Task ids rise through the queue, so what was counted is a prefix of it.
        self._settle(sum(1 for r in saved if r.task_id <= last_counted))

    # ------------------------------------------------------------ background thread

    def send_soon(self) -> None:
        """Wake the background thread to send what is queued; returns at once."""
        self._wake.set()

    def start(self) -> ReputationClient:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="reputation-reports")
            self._thread.daemon = True
            self._thread.start()
        return self

    def stop(self) -> None:
        """Send what is queued, then stop the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()

    def __enter__(self) -> ReputationClient:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_interval_s)
            self._wake.clear()
            self.flush()


def _refused_index(error: Exception) -> int | None:
    """The node index of a NodeIndexNotRegistered revert, if that is what `error` is."""
    if type(error).__name__ != "NodeIndexNotRegistered":
        return None
    inputs = getattr(error, "inputs", None) or {}
    index = inputs.get("index")
    return int(index) if index is not None else None
