"""Test vectors from the Python references, for the forge tests of the contracts' pure pieces.

tests/forge/PurePieces.t.sol replays these files against the contracts: the score formula and
its per-party bound (edgeledger.fresco.reputation.ScoreBook), the report word
(Report.packed), the bid score (edgeledger.blockedge.market.bid_score), the detectors'
commitments (report_commitment) and the registry's server word (dmec.policies.Server.packed).
The files are committed; tests/tools/test_forge_vectors.py fails when they are not what this
script writes today, so a change to a reference cannot leave stale facts behind.

    python tools/forge_vectors.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.blockedge.market import PPM, bid_score, report_commitment
from edgeledger.dmec.policies import Server
from edgeledger.fresco.reputation import Report, ScoreBook, ScoreParameters

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "forge" / "vectors"
SEED = 19
NODES = 20
REPORTS = 600
CASES = 300
PARTIES = ("reporter 0", "reporter 1")


def scores(rng: np.random.Generator) -> dict[str, Any]:
    """Reports from two reporters about 20 nodes, each with the node's score after it (one
    period: the influence bound binds when a reporter pushes one node far)."""
    book = ScoreBook(ScoreParameters())
    for index in range(NODES):
        book.register(f"node {index}", index)
    words, parties, expected = [], [], []
    task_ids = [0, 0]
    for _ in range(REPORTS):
        party = int(rng.integers(0, 2))
        task_ids[party] += int(rng.integers(1, 4))
        constraint = int(rng.integers(1, 2_000_000))
        report = Report(
            node_index=int(rng.integers(0, NODES)),
            task_id=task_ids[party],
            execution_time_us=int(rng.integers(0, 2 * constraint + 1)),
            time_constraint_us=constraint,
            succeeded=bool(rng.random() < 0.8),
        )
        words.append(str(report.packed()))
        parties.append(party)
        expected.append(book.apply(report, PARTIES[party]))
    return {"parties": parties, "reports": words, "scores": expected}


def reports(rng: np.random.Generator) -> dict[str, Any]:
    """Report words with their fields, at the edges of each field's width too."""
    rows = []
    for i in range(CASES):
        edge = i < 4
        rows.append(
            Report(
                node_index=(1 << 32) - 1 if edge else int(rng.integers(0, 1 << 32)),
                task_id=(1 << 64) - 1 - i if edge else int(rng.integers(1, 1 << 63)),
                execution_time_us=(1 << 32) - 1 if edge else int(rng.integers(0, 1 << 32)),
                time_constraint_us=(1 << 32) - 1 if edge else int(rng.integers(1, 1 << 32)),
                succeeded=bool(i % 2),
            )
        )
    return {
        "nodeIndex": [r.node_index for r in rows],
        "taskId": [str(r.task_id) for r in rows],
        "executionTime": [r.execution_time_us for r in rows],
        "timeConstraint": [r.time_constraint_us for r in rows],
        "succeeded": [r.succeeded for r in rows],
        "word": [str(r.packed()) for r in rows],
    }


def bids(rng: np.random.Generator) -> dict[str, Any]:
    costs = [int(c) for c in rng.integers(1, 1 << 32, CASES)]
    capabilities = [int(c) for c in rng.integers(0, 1 << 32, CASES)]
    ppms = [int(p) for p in rng.integers(0, 2 * PPM, CASES)]  # above PPM: no trust at all
    return {
        "cost": costs,
        "capability": capabilities,
        "ppm": ppms,
        "score": [
            str(bid_score(c, k, p)) for c, k, p in zip(costs, capabilities, ppms, strict=True)
        ],
    }


def commitments(rng: np.random.Generator) -> dict[str, Any]:
    ids = [int(i) for i in rng.integers(1, 1 << 40, CASES)]
    detectors = ["0x" + rng.bytes(20).hex() for _ in range(CASES)]
    guilty = [bool(g) for g in rng.integers(0, 2, CASES)]
    salts = ["0x" + rng.bytes(32).hex() for _ in range(CASES)]
    hashes = [
        "0x" + report_commitment(i, d, g, bytes.fromhex(s[2:])).hex()
        for i, d, g, s in zip(ids, detectors, guilty, salts, strict=True)
    ]
    return {
        "requestId": ids,
        "detector": detectors,
        "guilty": guilty,
        "salt": salts,
        "hash": hashes,
    }


def servers(rng: np.random.Generator) -> dict[str, Any]:
    rows = [
        Server(
            account="0x" + rng.bytes(20).hex(),
            x_m=int(rng.integers(-(1 << 31), 1 << 31)),
            y_m=int(rng.integers(-(1 << 31), 1 << 31)),
            capacity_mcps=int(rng.integers(0, 1 << 24)),
        )
        for _ in range(CASES)
    ]
    return {
        "account": [s.account for s in rows],
        "x": [s.x_m for s in rows],
        "y": [s.y_m for s in rows],
        "capacity": [s.capacity_mcps for s in rows],
        "word": [str(s.packed()) for s in rows],
    }


def vectors() -> dict[str, dict[str, Any]]:
    """Every file's content, from one seeded generator per file (a new case in one file does
    not change the others)."""
    makers = {"scores": scores, "reports": reports, "bids": bids, "commitments": commitments}
    makers["servers"] = servers
    return {
        name: make(np.random.default_rng([SEED, i]))
        for i, (name, make) in enumerate(makers.items())
    }


def text(content: dict[str, Any]) -> str:
    return json.dumps(content, separators=(",", ":")) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the files")
    args = parser.parse_args()
    stale = []
    for name, content in vectors().items():
        path = FOLDER / f"{name}.json"
        if args.check:
            if not path.exists() or path.read_text() != text(content):
                stale.append(path.relative_to(ROOT))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text(content))
    if stale:
        print(f"error: stale vectors {', '.join(map(str, stale))}; run tools/forge_vectors.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
