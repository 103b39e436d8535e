"""tools/coverage.py without running forge: reading lcov, naming why a line is uncovered,
and failing on coverage under the goal or on a line no reason explains."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("coverage_tool", ROOT / "tools/coverage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["coverage_tool"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


tool = _tool()

SOURCE = """contract C {
    function f() external {
        _pause();
        assembly ("memory-safe") {
            let x := 1
            if x { x := 2 }
        }
        g();
    }
}
"""

LCOV = """TN:
SF:contracts/C.sol
DA:3,0
DA:5,0
DA:6,0
DA:8,4
BRDA:6,0,0,-
BRDA:8,1,0,2
BRDA:8,1,1,0
end_of_record
"""


def test_parse_lcov__counts_lines_and_branches_per_file() -> None:
    files = tool.parse_lcov(LCOV)
    cover = files["contracts/C.sol"]
    assert cover.lines == {3: 0, 5: 0, 6: 0, 8: 4}
    assert cover.branches == [(6, False), (8, True), (8, False)]
    assert cover.line_share == 0.25 and cover.branch_share == 1 / 3
    assert (8, "branch") in cover.uncovered() and (3, "line") in cover.uncovered()


def test_spans__joins_consecutive_lines() -> None:
    assert tool.spans([5, 1, 2, 3, 9, 10]) == "1–3, 5, 9–10"
    assert tool.spans([7]) == "7"


def test_why_uncovered__names_assembly_and_inlined_pausable_and_nothing_else() -> None:
    assert tool.assembly_lines(SOURCE) == {4, 5, 6, 7}
    assert "assembly" in tool.why_uncovered(SOURCE, 5)
    assert "Pausable" in tool.why_uncovered(SOURCE, 3)
    assert tool.why_uncovered(SOURCE, 8) is None


def test_problems__fails_under_the_goal_and_on_unexplained_lines(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts/C.sol").write_text(SOURCE)
    found = tool.problems(tool.parse_lcov(LCOV), root=tmp_path)
    assert any("of lines (goal 95%)" in problem for problem in found)
    assert any("of branches (goal 90%)" in problem for problem in found)
    assert "contracts/C.sol:8: a branch no test reaches" in found
    # Assembly and the inlined pause are explained, so they are not problems of their own.
    assert not any(":5:" in problem or ":3:" in problem for problem in found)
    # Above both goals, with only explained lines uncovered: nothing to report.
    whole = tool.parse_lcov(LCOV.replace(",-\n", ",1\n").replace("BRDA:8,1,1,0", "BRDA:8,1,1,3"))
    whole["contracts/C.sol"].lines = {3: 0} | {n: 1 for n in range(20, 60)}
    assert tool.problems(whole, root=tmp_path) == []
