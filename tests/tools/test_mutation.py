"""tools/mutation.py without running a campaign: how a mutant is applied and shown, which
tests face each contract, and the interval around a sampled kill share."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    sys.path.insert(0, str(ROOT / "tools"))  # it imports static_analysis beside it
    spec = importlib.util.spec_from_file_location("mutation", ROOT / "tools/mutation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


tool = _tool()


def test_mutant__applies_at_its_byte_offsets_and_shows_only_the_change() -> None:
    source = b"if (a >= b) revert Late();\nx += 1;\n"
    old = "a >= b"
    mutant = tool.Mutant("c.sol", 1, "ROR", 4, 4 + len(old), old, "a < b")
    assert mutant.apply(source) == b"if (a < b) revert Late();\nx += 1;\n"
    assert mutant.describe() == "`a >= b` → `a < b`"
    # An operator that patches a whole block still shows just the changed part.
    body = "function f() external view {" + " " * 40 + "return;}"
    whole = tool.Mutant("c.sol", 1, "FHR", 0, len(body), body, body.replace("view", "pure"))
    assert "view" in whole.describe() and "pure" in whole.describe()
    assert len(whole.describe()) < len(body)


def test_suites__every_contract_file_has_tests_that_exist() -> None:
    sources = [p for p in (ROOT / "contracts").rglob("*.sol") if "testing" not in p.parts]
    assert sources
    for source in sources:
        suite = tool.suite(str(source.relative_to(ROOT)))
        assert suite, source
        for path in suite:
            assert (ROOT / path).exists(), f"{source.name}: {path}"
    # The contract's own unit tests come first, so `-x` stops early.
    assert tool.suite("contracts/ReputationManager.sol")[0].endswith("test_reputation.py")


@pytest.mark.parametrize(
    ("killed", "tested", "low", "high"),
    [(45, 50, 0.786, 0.957), (0, 10, 0.0, 0.278), (10, 10, 0.722, 1.0)],
)
def test_wilson_interval__matches_published_values(
    killed: int, tested: int, low: float, high: float
) -> None:
    lower, upper = tool.wilson_interval(killed, tested)
    assert lower == pytest.approx(low, abs=1e-3) and upper == pytest.approx(high, abs=1e-3)


def test_forge_suite__names_forge_test_files_that_exist_for_every_contract_file() -> None:
    sources = [p for p in (ROOT / "contracts").rglob("*.sol") if "testing" not in p.parts]
    for source in sources:
        glob = tool.forge_suite(str(source.relative_to(ROOT)))
        assert glob.startswith("tests/forge/{") and glob.endswith("}")
        for name in glob[len("tests/forge/{") : -1].split(","):
            assert (ROOT / "tests/forge" / name).exists(), f"{source.name}: {name}"
    assert "MarketUnits" in tool.forge_suite("contracts/CollaborationMarket.sol")
    assert "RegistryInvariants" in tool.forge_suite("contracts/policies/NearestPolicy.sol")


def test_report__counts_kills_of_each_kind_and_lists_survivors_not_stillborn_mutants() -> None:
    def mutant(line: int) -> object:
        return tool.Mutant("contracts/X.sol", line, "ROR", 0, 1, "<", ">")

    verdict = tool.Verdict
    results = [
        (mutant(1), verdict("killed", "survived")),
        (mutant(2), verdict("killed (time limit)", "survived")),
        (mutant(3), verdict("survived", "survived")),
        (mutant(5), verdict("survived", "killed")),
        (mutant(4), verdict("does not compile", "does not compile")),
    ]
    text = tool.report(results, generated=100, seed=8, minutes=3.0, forge_runs=32)
    assert "3 of 4 compiled mutants killed: 75%" in text
    assert "the ape tests alone killed 2 (50%), the forge suites alone 1 (25%" in text
    assert "1 did not compile" in text
    assert "time limit: 1 of the 3" in text
    assert "| contracts/X.sol | 4 | 2 | 1 | 3 | 1 |" in text
    assert "| contracts/X.sol | 3 | ROR |" in text  # the survivor, on line 3
