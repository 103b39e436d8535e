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


def test_report__counts_kills_and_lists_survivors_not_stillborn_mutants() -> None:
    def mutant(line: int) -> object:
        return tool.Mutant("contracts/X.sol", line, "ROR", 0, 1, "<", ">")

    results = [(mutant(1), "killed"), (mutant(2), "killed (time limit)"), (mutant(3), "survived")]
    results.append((mutant(4), "does not compile"))
    text = tool.report(results, generated=100, seed=8, minutes=3.0)
    assert "2 of 3 compiled mutants killed: 67%" in text
    assert "1 did not compile" in text
    assert "time limit: 1 of the 2" in text
    assert "| contracts/X.sol | 3 | 2 | 1 |" in text
    assert "| contracts/X.sol | 3 | ROR |" in text  # the survivor, on line 3
