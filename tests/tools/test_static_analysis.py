"""The gate of tools/static_analysis.py: what fails `make test`, and what the triage may accept."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "static_analysis", ROOT / "tools/static_analysis.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _tool()


def finding(impact: str, check: str) -> dict[str, str]:
    return {"impact": impact, "check": check, "description": f"{check} somewhere\n details"}


def test_high_and_medium_always_left_even_when_named_in_the_triage() -> None:
    accepted = {"reentrancy-eth": {}, "timestamp": {}}
    found = [finding("High", "reentrancy-eth"), finding("Medium", "timestamp")]
    assert tool.left_over(found, accepted) == found


def test_lower_findings_left_unless_accepted() -> None:
    found = [finding("Low", "timestamp"), finding("Informational", "assembly")]
    assert tool.left_over(found, {"timestamp": {}}) == [found[1]]
    assert tool.left_over(found, {"timestamp": {}, "assembly": {}}) == []


def test_triage_entries_need_a_reason_and_a_low_impact() -> None:
    with pytest.raises(ValueError, match="has no reason"):
        tool.accepted_checks({"accepted": [{"check": "assembly", "impact": "Informational"}]})
    with pytest.raises(ValueError, match="never accepted"):
        tool.accepted_checks(
            {"accepted": [{"check": "arbitrary-send-eth", "impact": "High", "reason": "x"}]}
        )


def test_the_checked_in_triage_is_valid() -> None:
    triage = json.loads((ROOT / "static-analysis.json").read_text())
    accepted = tool.accepted_checks(triage)
    assert accepted and all(entry["reason"] for entry in accepted.values())
