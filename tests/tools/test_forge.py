"""forge beside ape: the same bytecode from the same sources, the Python references' vectors
up to date, and tools/invariants.py's verdicts on forge's numbers."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


invariants = _tool("invariants")


def _without_metadata(code: str) -> bytes:
    """Runtime code without its CBOR metadata (its last two bytes give the length): the
    metadata hash covers the source paths, which differ between ape and forge."""
    raw = bytes.fromhex(code.removeprefix("0x"))
    return raw[: -(int.from_bytes(raw[-2:], "big") + 2)]


def test_forge_and_ape_build_the_same_runtime_bytecode(project: Any) -> None:
    subprocess.run(["forge", "build"], cwd=ROOT, check=True, capture_output=True)
    compared = 0
    for contract_type in project.contracts.values():
        name = contract_type.name
        code = contract_type.runtime_bytecode.bytecode if contract_type.runtime_bytecode else None
        if not code or code == "0x":
            continue
        [artifact] = (ROOT / ".forge" / "out").glob(f"*/{name}.json")
        forge_code = json.loads(artifact.read_text())["deployedBytecode"]["object"]
        assert _without_metadata(forge_code) == _without_metadata(code), name
        compared += 1
    # Every deployable contract of contracts/ (policies, verifiers, test doubles included).
    assert compared >= 13


def test_the_vectors_are_what_the_python_references_give_today() -> None:
    done = subprocess.run(
        ["python", str(ROOT / "tools" / "forge_vectors.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


def _results(status: str, metrics: dict[str, tuple[int, int]]) -> dict[str, Any]:
    kind = {
        "runs": 2,
        "calls": sum(c for c, _ in metrics.values()),
        "reverts": sum(r for _, r in metrics.values()),
        "metrics": {
            f"tests/forge/handlers/H.sol:H.{name}": {"calls": c, "reverts": r, "discards": 0}
            for name, (c, r) in metrics.items()
        },
    }
    return {
        "tests/forge/X.t.sol:XInvariants": {
            "test_results": {
                "invariant_x()": {"status": status, "reason": "boom", "kind": {"Invariant": kind}},
                "test_y()": {"status": "Success", "reason": None, "kind": {"Unit": {}}},
            }
        }
    }


def test_a_campaign_whose_steps_mostly_revert_fails_the_check() -> None:
    results = _results("Success", {"bid": (100, 71), "post": (100, 0)})
    found = invariants.campaigns(results)
    assert [(s.name, s.success) for s in found[0].steps] == [("bid", 0.29), ("post", 1.0)]
    assert invariants.problems(results, found, 0.30) == [
        "XInvariants.bid did its step in 29% of 100 calls (at least 30% wanted)"
    ]
    assert invariants.problems(results, found, 0.29) == []


def test_a_failed_invariant_fails_the_check() -> None:
    results = _results("Failure", {"post": (10, 0)})
    found = invariants.campaigns(results)
    assert invariants.problems(results, found, 0.30) == ["XInvariants.invariant_x() failed: boom"]
