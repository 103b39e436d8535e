"""The forge tests (tests/forge/): invariant campaigns, the pure pieces' vectors and fuzz tests.

Runs every forge test, each campaign at `--runs` x `--depth` calls, with a seed, then checks
what forge's own numbers say: every test passed, and every handler function did its step in at least
`--min-success` of its calls (a campaign whose steps mostly revert tests nothing). Prints runs,
calls and reverts per invariant and the calls and reverts of each handler function. With
`--report` it writes its section of RELIABILITY.md. Exit 0 only when all of that holds.

    python tools/invariants.py [--runs 256] [--depth 500] [--seed 1] [--report RELIABILITY.md]
    python tools/invariants.py --plant [--report RELIABILITY.md]

With `--plant` it proves the campaigns can fail: it plants each bug of PLANTED, one at a time,
in a copy of the contracts, and reports which campaign caught it and after how many calls.

`make test` runs the field's default campaign (256 x 500 = 128,000 calls per invariant) with
seed 1; `make fuzz` ten times the runs with a fresh seed, which it prints: a failure is then
replayed with `--seed` (forge also keeps the failing sequence in .forge/cache/invariant and
replays it first on the next run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MIN_SUCCESS = 0.30


@dataclass(frozen=True)
class PlantedBug:
    """A one-line change to a contract that some campaign must catch."""

    name: str
    path: str
    original: str
    planted: str


PLANTED = (
    PlantedBug(
        "a loser reclaims its deposit twice (the bid's state is not checked)",
        "contracts/CollaborationMarket.sol",
        "if (bid.state != BidState.Active) revert NoBid(requestId, msg.sender);",
        "",
    ),
    PlantedBug(
        "a detector reveals twice (its commitment is kept after the reveal)",
        "contracts/CollaborationMarket.sol",
        "_reports[requestId][msg.sender] = DetectorReportLib.revealed(guilty);",
        "",
    ),
    PlantedBug(
        "anyone may send reports (no role check on updateNodeReputation)",
        "contracts/ReputationManager.sol",
        "calldata reports) external onlyRole(REPORTER_ROLE) {",
        "calldata reports) external {",
    ),
    PlantedBug(
        "a revoked server answers its old task (and is scored for it)",
        "contracts/DroneMecRegistry.sol",
        "if (_servers[msg.sender].membership != Membership.Active) "
        "revert ServerNotActive(msg.sender);\n"
        "        _devices[device] = record.setTaskState(TaskState.Completed);",
        "_devices[device] = record.setTaskState(TaskState.Completed);",
    ),
    PlantedBug(
        "one party moves a score beyond its bound (the influence bound is not applied)",
        "contracts/ReputationManager.sol",
        "if (after_ > bound) after_ = bound;\n        else if (after_ < -bound) after_ = -bound;",
        "",
    ),
    PlantedBug(
        "a server revoked before its task's deadline is failed for it (revocation time unread)",
        "contracts/DroneMecRegistry.sol",
        "(active || _revokedAt[server] >= timesOutAt)",
        "(active || true)",
    ),
)
# What a copy of the tree needs for forge: the rest is linked (node_modules) or not needed.
COPIED = ("contracts", "interfaces", "tests/forge", "tools/solc-bridge", "foundry.toml")
COPIED_FILES = ("tools/solcjs-standard-json.js",)


@dataclass(frozen=True)
class Step:
    """One handler function's share of a campaign."""

    name: str
    calls: int
    reverts: int

    @property
    def success(self) -> float:
        return (self.calls - self.reverts) / self.calls if self.calls else 0.0


@dataclass(frozen=True)
class Campaign:
    """One invariant's campaign as forge reports it."""

    suite: str
    invariant: str
    passed: bool
    reason: str
    runs: int
    calls: int
    reverts: int
    steps: tuple[Step, ...]


def run_forge(runs: int, depth: int, seed: int, root: Path = ROOT) -> dict[str, Any]:
    """forge test over the campaigns, as JSON; forge's own errors end the run in one line."""
    env = {**os.environ, "FOUNDRY_INVARIANT_RUNS": str(runs), "FOUNDRY_INVARIANT_DEPTH": str(depth)}
    command = ["forge", "test", "--json", "--fuzz-seed", hex(seed)]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    start = done.stdout.find("{")
    if start < 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise RuntimeError(f"forge test printed no results: {last}")
    return dict(json.loads(done.stdout[start:]))


def campaigns(results: dict[str, Any]) -> list[Campaign]:
    found = []
    for suite, outcome in sorted(results.items()):
        for name, test in sorted(outcome["test_results"].items()):
            kind = test.get("kind", {}).get("Invariant")
            if kind is None:
                continue
            steps = tuple(
                Step(selector.rsplit(".", 1)[-1], int(m["calls"]), int(m["reverts"]))
                for selector, m in sorted(kind.get("metrics", {}).items())
            )
            found.append(
                Campaign(
                    suite=suite.rsplit(":", 1)[-1],
                    invariant=name.removesuffix("()"),
                    passed=test["status"] == "Success",
                    reason=str(test.get("reason") or ""),
                    runs=int(kind["runs"]),
                    calls=int(kind["calls"]),
                    reverts=int(kind["reverts"]),
                    steps=steps,
                )
            )
    return found


def failures(results: dict[str, Any]) -> list[str]:
    """Every forge test that did not pass, with forge's reason."""
    return [
        f"{suite.rsplit(':', 1)[-1]}.{name} failed: {test.get('reason')}"
        for suite, outcome in sorted(results.items())
        for name, test in sorted(outcome["test_results"].items())
        if test["status"] != "Success"
    ]


def problems(results: dict[str, Any], found: list[Campaign], min_success: float) -> list[str]:
    """Every failed test and every hollow step, one line each."""
    lines = failures(results)
    for c in found:
        lines += [
            f"{c.suite}.{s.name} did its step in {s.success:.0%} of {s.calls:,} calls"
            f" (at least {min_success:.0%} wanted)"
            for s in c.steps
            if s.success < min_success
        ]
    if not found:
        lines.append("no invariant campaign found in tests/forge")
    return lines


def plant(bug: PlantedBug, seed: int) -> list[tuple[Campaign, int]]:
    """The campaigns that fail with `bug` planted, each with its shortest failing sequence."""
    with tempfile.TemporaryDirectory(prefix="planted-") as folder:
        copy = Path(folder)
        for name in (*COPIED, *COPIED_FILES):
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
        (copy / "node_modules").symlink_to(ROOT / "node_modules")
        contract = copy / bug.path
        text = contract.read_text()
        if text.count(bug.original) != 1:
            raise RuntimeError(f"planted bug {bug.name!r}: its line is not in {bug.path} once")
        contract.write_text(text.replace(bug.original, bug.planted))
        results = run_forge(256, 500, seed, root=copy)
    caught = []
    for campaign in campaigns(results):
        if campaign.passed:
            continue
        suite = next(v for k, v in results.items() if k.endswith(f":{campaign.suite}"))
        test = suite["test_results"][f"{campaign.invariant}()"]
        sequence = (test.get("counterexample") or {}).get("Sequence") or []
        caught.append((campaign, len(sequence)))
    return caught


def plant_report(outcomes: list[tuple[PlantedBug, list[tuple[Campaign, int]]]], seed: int) -> str:
    rows = ["| planted bug | caught by | failing sequence (calls) |", "|---|---|---|"]
    for bug, caught in outcomes:
        by = "; ".join(f"{c.suite}: {c.reason}" for c, _ in caught) or "**nothing**"
        calls = ", ".join(str(n) for _, n in caught) or "-"
        rows.append(f"| {bug.name} (`{bug.path}`) | {by} | {calls} |")
    return (
        f"Each bug planted alone in a copy of the contracts, campaigns at 256 x 500, seed "
        f"{seed:#x} (`python tools/invariants.py --plant`); the failing sequence is forge's "
        "shrunk one.\n\n" + "\n".join(rows)
    )


def table(found: list[Campaign]) -> str:
    rows = [
        "| campaign | runs | calls | reverts | steps (success share) |",
        "|---|---|---|---|---|",
    ]
    for c in found:
        steps = ", ".join(f"{s.name} {s.success:.0%}" for s in c.steps)
        rows.append(
            f"| {c.suite}.{c.invariant} | {c.runs:,} | {c.calls:,} | {c.reverts:,} | {steps} |"
        )
    return "\n".join(rows)


def report(found: list[Campaign], seed: int, depth: int, minutes: float, commit: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    total = sum(c.calls for c in found)
    return (
        f"Written by `make fuzz` (`python tools/invariants.py`) on {when} in {minutes:.1f} min,"
        f" contracts and campaigns as of commit {commit}; seed {seed:#x}, depth {depth}.\n"
        f"{len(found)} campaigns, {total:,} calls in all, every invariant held: "
        f"{'yes' if all(c.passed for c in found) else 'no'}. A campaign checks every promise of "
        "its suite after each call; a step is one handler function (one actor's step of the "
        "protocol, or an attack that must fail), and its success share is the calls that did "
        "the step.\n\n" + table(found)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=256)
    parser.add_argument("--depth", type=int, default=500)
    parser.add_argument("--seed", type=lambda text: int(text, 0), default=1)
    parser.add_argument("--min-success", type=float, default=MIN_SUCCESS)
    parser.add_argument("--report", type=Path, help="write its section of this file")
    parser.add_argument("--plant", action="store_true", help="show that planted bugs are caught")
    args = parser.parse_args()
    if args.plant:
        return _plant_all(args.seed, args.report)
    print(f"invariant campaigns: {args.runs} runs x depth {args.depth}, seed {args.seed:#x}")
    started = time.monotonic()
    try:
        results = run_forge(args.runs, args.depth, args.seed)
        found = campaigns(results)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    minutes = (time.monotonic() - started) / 60
    print(table(found))
    print(f"{minutes * 60:.0f} s")
    if args.report:
        from edgeledger.reports import checkout_commit, replace_section

        body = report(found, args.seed, args.depth, minutes, checkout_commit(ROOT))
        replace_section(args.report, "Reliability", "Invariant campaigns", body)
    tests = sum(len(outcome["test_results"]) for outcome in results.values())
    print(f"{tests} forge tests, {len(found)} of them invariant campaigns")
    wrong = problems(results, found, args.min_success)
    for line in wrong:
        print(f"error: {line}", file=sys.stderr)
    return 1 if wrong else 0


def _plant_all(seed: int, report_to: Path | None) -> int:
    outcomes = []
    for bug in PLANTED:
        print(f"planting: {bug.name}", flush=True)
        try:
            caught = plant(bug, seed)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        for campaign, calls in caught:
            print(f"  caught by {campaign.suite} after {calls} calls: {campaign.reason}")
        outcomes.append((bug, caught))
    text = plant_report(outcomes, seed)
    if report_to:
        from edgeledger.reports import replace_section

        replace_section(report_to, "Reliability", "Planted bugs", text)
    missed = [bug.name for bug, caught in outcomes if not caught]
    for name in missed:
        print(f"error: no campaign caught the planted bug: {name}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
