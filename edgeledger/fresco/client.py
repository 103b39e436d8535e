"""The decision engine's side of the reputation contract: FRESCO's "hybrid".

Decisions read scores from a local copy that one contract call refreshes (`getReputationScores`
for all nodes at once), and reports go into a queue that a background thread sends in batches.
So an offloading decision never waits for a block.

Reports get strictly rising task ids when they are queued; the contract counts an id once per
reporter. That makes every retry safe: after a failed or dropped transaction the client asks
the contract for the reporter's last counted id and re-sends only what is above it, so a report
is counted exactly once however often its batch was sent.

The chain is the judge of what was counted, not the client's memory. Before each flush the
client reads the reporter's last counted id; if it is below what the client saw counted, the node
came back from an older state (anvil restarted from its last dump, a reorg) and the reports it
forgot go back into the queue. A node that cannot be reached leaves everything queued
(`last_error` says why) until a later flush.

With `queue_path`, every report is also appended to a journal file (one JSON line each) before
`report` returns: a client started on the same file after a crash of its process takes back every
report above the contract's last counted id and sends them, so a crash loses nothing and counts
nothing twice.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from edgeledger.chain import mined
from edgeledger.errors import first_line
from edgeledger.fresco.reputation import Report, kth_highest

# Sends one batch of report words; raises if the transaction failed or its fate is unknown.
Transport = Callable[[list[int]], Any]


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
        receipt_timeout_s: float = 120.0,
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
        self.receipt_timeout_s = receipt_timeout_s
        self._lock = threading.Lock()
        self._pending: list[Report] = []
        self.queue_path = queue_path
        last_counted = int(contract.lastTaskId(reporter))
        self._next_task_id = last_counted + 1
        self._scores: dict[str, int] = {}
        self.counted: list[Report] = []
        self.last_error: str | None = None
        self.transactions = 0
        self.rewound = 0  # counted reports the node forgot (it came back from older state)
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
            self._journal(report)
            self._next_task_id += 1
            self._pending.append(report)
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

        A batch that fails stays queued (the next flush retries it). A node that cannot be
        reached keeps everything queued. (Every node of the client was registered, which
        `getNodeIndex` checked, so the contract never refuses one: it scores nodes that left
        too.)
        """
        try:
            self._rewind()
        except Exception as error:  # the node is unreachable: try again at the next flush
            self.last_error = first_line(error)
            return 0
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
                try:
                    counted += self._reconcile()
                except Exception as unreachable:
                    self.last_error = first_line(unreachable)
                break
            self.transactions += 1
            counted += self._settle(len(batch))
        if counted:
            try:
                self.refresh_scores()  # once for the whole flush, not per batch
            except Exception as error:
                self.last_error = first_line(error)
        return counted

    def _send(self, words: list[int]) -> Any:
        receipt = self.contract.updateNodeReputation(words, sender=self.reporter)
        return mined(receipt.txn_hash, self.receipt_timeout_s)

    def _settle(self, count: int) -> int:
        with self._lock:
            done, self._pending = self._pending[:count], self._pending[count:]
            self.counted.extend(done)
        return len(done)

    def _rewind(self) -> None:
        """Counted reports the chain no longer holds go back to the front of the queue."""
        last = int(self.contract.lastTaskId(self.reporter))
        with self._lock:
            forgotten = [r for r in self.counted if r.task_id > last]
            if forgotten:
                self.counted = self.counted[: len(self.counted) - len(forgotten)]
                self._pending = forgotten + self._pending
                self.rewound += len(forgotten)

    def _reconcile(self) -> int:
        """After a failure or a lost receipt: what the contract counted leaves the queue."""
        last = int(self.contract.lastTaskId(self.reporter))
        with self._lock:
            done = [r for r in self._pending if r.task_id <= last]
        return self._settle(len(done))

    # ------------------------------------------------------------ the journal on disk

    def _journal(self, report: Report) -> None:
        """Append the report (caller holds the lock) and make it durable before `report`
        returns; a crash mid-write leaves at most a torn last line, which `_resume` ignores
        (that report was never handed back to the caller)."""
        if self.queue_path is None:
            return
        self.queue_path.parent.mkdir(parents=True, exist_ok=True)
        with self.queue_path.open("a") as handle:
            handle.write(json.dumps(asdict(report)) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _resume(self, path: Path, last_counted: int) -> None:
        """Take back a crashed client's reports; what the contract counted is done."""
        lines = path.read_text().split("\n")
        if lines[-1]:  # no newline at the end: the write of the last report was torn
            lines = lines[:-1]
        try:
            saved = [Report(**json.loads(line)) for line in lines if line]
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path} is not a report journal ({error}); move it away") from None
        if saved:
            self._next_task_id = max(self._next_task_id, saved[-1].task_id + 1)
        # Task ids rise through the journal, so what was counted is a prefix of it.
        self._pending = [r for r in saved if r.task_id > last_counted]
        self.counted = [r for r in saved if r.task_id <= last_counted]

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
            try:
                self.flush()
            except Exception as error:  # the thread must outlive any one failure
                self.last_error = first_line(error)
