"""Mutation testing: do the tests notice when a contract is subtly wrong?

Mutants come from slither-mutate's generators (all 15 operators: revert and comment
replacement, relational/arithmetic/logical operator swaps, literal changes, removed modifiers,
...), over every contract in contracts/ except the test doubles. A seeded sample of them is
tested (all of them with `--mutants 0`): each is written into a scratch copy of the project,
compiled by ape (a mutant that does not compile is not counted), and then faced by two kinds of
tests, each on its own: the ape tests that exercise that source file (with `-x` and a time
limit) and the forge suites of that file (unit tests and invariant campaigns, `--fail-fast`, at
`--forge-runs` runs per campaign). A failing test, or a run over the time limit, kills the
mutant; green runs mean it survived. The kill share of each kind, of both together, and every
survivor go to a section of RELIABILITY.md.

    python tools/mutation.py [--mutants 60] [--seed 8] [--timeout 600] [--forge-runs 32]
                             [--report RELIABILITY.md]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from static_analysis import ROOT, project_slither

sys.path.insert(0, str(ROOT))
from edgeledger.reports import checkout_commit, markdown_table, replace_section

# The tests that exercise each source file, quick unit tests first so `-x` stops early.
SUITES = {
    "ReputationManager.sol": [
        "tests/contracts/reputation/test_reputation.py",
        "tests/contracts/reputation/test_reputation_properties.py",
        "tests/contracts/identity",
        "tests/contracts/reputation/test_client.py",
        "tests/contracts/reputation/test_reputation_stateful.py",
    ],
    "CollaborationMarket.sol": [
        "tests/contracts/market/test_market.py",
        "tests/contracts/identity",
        "tests/contracts/market/test_market_stateful.py",
    ],
    "ReputationAwarePolicy.sol": [
        "tests/contracts/identity",
        "tests/contracts/dmec/test_policies.py",
    ],
}
SUITES["ProofOfWorkVerifier.sol"] = SUITES["QuorumVerifier.sol"] = SUITES["CollaborationMarket.sol"]
# The registry, its libraries and the other policies.
REGISTRY_SUITE = [
    "tests/contracts/dmec/test_policies.py",
    "tests/contracts/dmec/test_registration.py",
    "tests/contracts/dmec/test_tasks.py",
    "tests/contracts/dmec/test_audit.py",
    "tests/contracts/identity",
    "tests/contracts/dmec/test_registry_stateful.py",
]


# The forge suites (tests/forge/) that exercise each source file: its unit tests, its
# campaign and the wired deployment's; the pure pieces' vectors face every file.
FORGE_MARKET = ["units/MarketUnits", "units/VerifierUnits", "MarketInvariants"]
FORGE_REGISTRY = ["units/RegistryUnits", "units/PolicyUnits", "RegistryInvariants"]
FORGE_REPUTATION = ["units/ReputationUnits", "ReputationInvariants"]
FORGE_SUITES = {
    "ReputationManager.sol": FORGE_REPUTATION,
    "CollaborationMarket.sol": FORGE_MARKET,
    "ProofOfWorkVerifier.sol": FORGE_MARKET,
    "QuorumVerifier.sol": FORGE_MARKET,
    "GuardedCalls.sol": FORGE_MARKET + FORGE_REGISTRY + FORGE_REPUTATION,
}


def common_prefix_length(first: str, second: str) -> int:
    return next(
        (i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b),
        min(len(first), len(second)),
    )


@dataclass(frozen=True)
class Mutant:
    file: str  # relative to the project
    line: int
    operator: str
    start: int  # byte offsets in the file
    end: int
    old: str
    new: str

    def apply(self, source: bytes) -> bytes:
        return source[: self.start] + self.new.encode() + source[self.end :]

    def describe(self) -> str:
        """The changed text only (some operators patch a whole function or contract)."""
        prefix = common_prefix_length(self.old, self.new)
        suffix = common_prefix_length(self.old[prefix:][::-1], self.new[prefix:][::-1])
        old, new = (  # a little unchanged context on both sides
            " ".join(text[max(prefix - 15, 0) : max(len(text) - suffix, prefix) + 15].split())
            for text in (self.old, self.new)
        )
        return f"`{old[:80]}` → `{new[:80]}`"


def generate() -> list[Mutant]:
    """Every mutant slither-mutate's operators make of the project's contracts."""
    from slither.tools.mutator.mutators import all_mutators
    from slither.tools.mutator.mutators.abstract_mutator import AbstractMutator

    operators = [
        cls
        for cls in vars(all_mutators).values()
        if isinstance(cls, type) and issubclass(cls, AbstractMutator) and cls is not AbstractMutator
    ]
    slither = project_slither()
    mutants: set[Mutant] = set()
    with tempfile.TemporaryDirectory() as scratch:
        for unit in slither.compilation_units:
            for contract in unit.contracts:
                path = Path(contract.source_mapping.filename.absolute)
                if contract.is_interface or (ROOT / "contracts") not in path.parents:
                    continue
                source = path.read_bytes()
                for operator in operators:
                    mutator = operator(unit, 0, "", "", contract, None, False, Path(scratch), [])
                    try:
                        made = mutator._mutate()
                    except Exception as error:  # slither-mutate itself logs these and goes on
                        print(f"note: {operator.NAME} made nothing of {contract.name}: {error}")
                        continue
                    for patches in made.get("patches", {}).values():
                        for patch in patches:
                            # The line of the first changed byte, not of the patch's start.
                            changed = patch["start"] + common_prefix_length(
                                patch["old_string"], patch["new_string"]
                            )
                            mutants.add(
                                Mutant(
                                    file=str(path.relative_to(ROOT)),
                                    line=source[:changed].count(b"\n") + 1,
                                    operator=operator.NAME,
                                    start=patch["start"],
                                    end=patch["end"],
                                    old=patch["old_string"],
                                    new=patch["new_string"],
                                )
                            )
    return sorted(mutants, key=lambda m: (m.file, m.start, m.operator, m.new))


def suite(file: str) -> list[str]:
    return SUITES.get(Path(file).name, REGISTRY_SUITE)


def forge_suite(file: str) -> str:
    """A --match-path glob over the forge test files that face `file`."""
    names = [*FORGE_SUITES.get(Path(file).name, FORGE_REGISTRY), "WiredInvariants", "PurePieces"]
    return "tests/forge/{" + ",".join(f"{name}.t.sol" for name in names) + "}"


def scratch_project(into: Path) -> Path:
    """A copy of what ape needs to compile and test, with the compile cache."""
    for name in ("contracts", "interfaces", "tests", "tools", ".build", ".forge"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, into / name, symlinks=True)
    for name in ("ape-config.yaml", "pyproject.toml", "foundry.toml"):
        shutil.copy2(ROOT / name, into / name)
    (into / "node_modules").symlink_to(ROOT / "node_modules")
    return into


LOCAL = ["--network", "ethereum:local:foundry"]


def run(
    project: Path, command: list[str], timeout_s: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            command,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return None


def outcome(done: subprocess.CompletedProcess[str] | None, what: str, mutant: Mutant) -> str:
    """'killed', 'killed (time limit)' or 'survived' from a test run's exit status."""
    if done is None:
        return "killed (time limit)"
    if done.returncode == 0:
        return "survived"
    if done.returncode == 1:  # pytest and forge: some test failed
        return "killed"
    raise RuntimeError(
        f"{what} could not run ({done.returncode}) for {mutant.file}:{mutant.line}: "
        f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}"
    )


@dataclass(frozen=True)
class Verdict:
    """What each kind of test made of one mutant ('does not compile' for both if so)."""

    ape: str
    forge: str

    @property
    def compiled(self) -> bool:
        return self.ape != "does not compile"

    @property
    def killed(self) -> bool:
        return self.ape.startswith("killed") or self.forge.startswith("killed")


def verdict(project: Path, mutant: Mutant, timeout_s: float, forge_runs: int) -> Verdict:
    path = project / mutant.file
    original = path.read_bytes()
    path.write_bytes(mutant.apply(original))
    try:
        compiled = run(project, ["ape", "compile"], timeout_s)
        if compiled is None or compiled.returncode != 0:
            return Verdict("does not compile", "does not compile")
        ape_tests = run(
            project,
            ["ape", "test", *suite(mutant.file), "-x", "-q", "-p", "no:cacheprovider", *LOCAL],
            timeout_s,
        )
        forge = [str(project / "tools/bin/forge"), "test", "--fail-fast", "--match-path"]
        forge_tests = run(
            project,
            [*forge, forge_suite(mutant.file)],
            timeout_s,
            env={**os.environ, "FOUNDRY_INVARIANT_RUNS": str(forge_runs)},
        )
        return Verdict(
            outcome(ape_tests, "ape test", mutant), outcome(forge_tests, "forge test", mutant)
        )
    finally:
        path.write_bytes(original)


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval: how far a sampled share may be from the whole population's."""
    if trials == 0:
        return 0.0, 1.0
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    spread = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    spread /= 1 + z * z / trials
    return max(centre - spread, 0.0), min(centre + spread, 1.0)


def report(
    results: list[tuple[Mutant, Verdict]],
    generated: int,
    seed: int,
    minutes: float,
    forge_runs: int,
    tested_commit: str = "",
) -> str:
    counted = [(m, v) for m, v in results if v.compiled]
    n = len(counted)
    by_ape = sum(v.ape.startswith("killed") for _, v in counted)
    by_forge = sum(v.forge.startswith("killed") for _, v in counted)
    killed = sum(v.killed for _, v in counted)
    # An equivalent mutant can only be "killed" by the clock, so a reader needs this count.
    timed_out = sum(v.killed and "killed" not in (v.ape, v.forge) for _, v in counted)
    by_file: dict[str, Counter[str]] = {}
    for mutant, result in counted:
        tally = by_file.setdefault(mutant.file, Counter())
        tally["tested"] += 1
        tally["ape"] += result.ape.startswith("killed")
        tally["forge"] += result.forge.startswith("killed")
        tally["either"] += result.killed

    def share(count: int) -> str:
        return f"{count / n:.0%}" if n else "–"

    low, high = wilson_interval(killed, n)
    survivors = [(m.file, m.line, m.operator, m.describe()) for m, v in counted if not v.killed]
    return "\n".join(
        [
            f"Written by `make fuzz` (`python tools/mutation.py`) on "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {minutes:.0f} min, contracts and tests "
            f"as of commit {tested_commit or checkout_commit(ROOT)}.",
            f"slither-mutate's 15 operators made {generated} mutants of contracts/; a sample of "
            f"{len(results)} (seed {seed}) was tested, {len(results) - n} did not compile. "
            f"**{killed} of {n} compiled mutants killed: {share(killed)}** "
            f"(95% interval for all {generated}: {low:.0%}–{high:.0%}); the ape tests alone "
            f"killed {by_ape} ({share(by_ape)}), the forge suites alone {by_forge} "
            f"({share(by_forge)}, campaigns at {forge_runs} runs x 500).",
            "A mutant is killed when a test of its source file fails (or the tests exceed the "
            f"time limit: {timed_out} of the {killed}).",
            "",
            markdown_table(
                ["file", "tested", "killed by ape", "killed by forge", "killed", "survived"],
                [
                    (f, c["tested"], c["ape"], c["forge"], c["either"], c["tested"] - c["either"])
                    for f, c in sorted(by_file.items())
                ],
            ),
            "",
            "Survivors (each is a change no test notices; equivalent mutants, such as a",
            "change to a bound no input reaches, cannot be killed):",
            "",
            markdown_table(["file", "line", "operator", "change"], survivors)
            if survivors
            else "none",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mutants", type=int, default=60, help="how many to test; 0: all")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per mutant")
    parser.add_argument("--forge-runs", type=int, default=32, help="runs per forge campaign")
    parser.add_argument("--report", type=Path, help="write the results into this markdown file")
    args = parser.parse_args()
    if args.mutants < 0:
        print("error: --mutants must be 0 (all) or more", file=sys.stderr)
        return 2

    started = time.monotonic()
    tested_commit = checkout_commit(ROOT)  # the scratch copy is made now; the checkout moves on
    mutants = generate()
    chosen = mutants
    if 0 < args.mutants < len(mutants):
        chosen = sorted(random.Random(args.seed).sample(mutants, args.mutants), key=mutants.index)
    print(f"{len(mutants)} mutants generated; testing {len(chosen)}", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="edgeledger-mutants-") as scratch:
        project = scratch_project(Path(scratch))
        for number, mutant in enumerate(chosen, 1):
            result = verdict(project, mutant, args.timeout, args.forge_runs)
            results.append((mutant, result))
            print(
                f"[{number}/{len(chosen)}] ape {result.ape:<18} forge {result.forge:<18} "
                f"{mutant.file}:{mutant.line} "
                f"{mutant.operator} {mutant.describe()}",
                flush=True,
            )
    minutes = (time.monotonic() - started) / 60
    text = report(results, len(mutants), args.seed, minutes, args.forge_runs, tested_commit)
    print(text)
    if args.report:
        replace_section(args.report, "Reliability", "Mutation testing", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
