"""The Python mirrors of the contracts' packed words use the contracts' own offsets.

Each word the Python package builds or reads (a server word, a task id, a report word) is laid
out by one library in contracts/libraries/, whose named constants are the layout. These tests
read those constants from the Solidity source and hold the Python constants to them; the forge
tests (tests/forge/PurePieces.t.sol) hold the libraries' code to the Python words' values.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

from edgeledger.dmec import policies
from edgeledger.fresco import reputation

LIBRARIES = Path(__file__).resolve().parents[2] / "contracts" / "libraries"
_CONSTANT = re.compile(r"^\s*uint\d+\s+internal\s+constant\s+(\w+)\s*=\s*([^;]+);", re.MULTILINE)
_TYPE_MAX = re.compile(r"type\(uint(\d+)\)\.max")

# (library file, Python module, prefix of its mirror constants there)
MIRRORS = (
    ("PackedServer", policies, "SERVER_"),
    ("TaskId", policies, "TASK_ID_"),
    ("PackedReport", reputation, "REPORT_"),
)


def solidity_constants(library: str) -> dict[str, int]:
    """The library's integer constants whose value is a literal (or `type(uintN).max`)."""
    found = {}
    for name, expression in _CONSTANT.findall((LIBRARIES / f"{library}.sol").read_text()):
        expression = expression.strip()
        if widest := _TYPE_MAX.fullmatch(expression):
            found[name] = (1 << int(widest.group(1))) - 1
        elif re.fullmatch(r"0x[0-9a-fA-F_]+|[0-9_]+", expression):
            found[name] = int(expression.replace("_", ""), 0)
    return found


def python_constants(module: ModuleType, prefix: str) -> dict[str, int]:
    """The module's offsets and masks of one word, under the Solidity constants' names."""
    return {
        name.removeprefix(prefix): value
        for name, value in vars(module).items()
        if name.startswith(prefix) and name.endswith(("_OFFSET", "_MASK"))
    }


@pytest.mark.parametrize(("library", "module", "prefix"), MIRRORS)
def test_a_python_mirror_uses_the_librarys_offsets_and_masks(
    library: str, module: ModuleType, prefix: str
) -> None:
    solidity = solidity_constants(library)
    python = python_constants(module, prefix)
    offsets = {name for name in solidity if name.endswith("_OFFSET")}
    assert offsets, f"no offset constant found in {library}.sol"
    assert offsets <= set(python), f"{module.__name__} mirrors no {sorted(offsets - set(python))}"
    for name, value in python.items():
        assert name in solidity, f"{prefix}{name} has no constant {name} in {library}.sol"
        assert value == solidity[name], f"{prefix}{name} is {value}, not {solidity[name]}"


def test_the_mirrored_words_read_back_through_the_solidity_offsets() -> None:
    server = policies.Server("0x" + "ab" * 20, -5, 7, 1_234)
    word = server.packed()
    layout = solidity_constants("PackedServer")
    assert word & layout["ACCOUNT_MASK"] == int(server.account, 16)
    assert (word >> layout["X_OFFSET"]) & layout["COORDINATE_MASK"] == -5 & 0xFFFFFFFF
    assert (word >> layout["Y_OFFSET"]) & layout["COORDINATE_MASK"] == 7
    assert (word >> layout["CAPACITY_OFFSET"]) & layout["CAPACITY_MASK"] == 1_234

    layout = solidity_constants("TaskId")
    device = "0x" + "cd" * 20
    task = policies.task_id(device, 9)
    assert task >> layout["DEVICE_OFFSET"] == int(device, 16)
    assert task & layout["SEQUENCE_MASK"] == 9
    assert (policies.task_device(task), policies.task_sequence(task)) == (device, 9)

    layout = solidity_constants("PackedReport")
    report = reputation.Report(3, 11, 500, 1_000, True)
    word = report.packed()
    assert (word >> layout["TASK_ID_OFFSET"]) & ((1 << 64) - 1) == 11
    assert (word >> layout["EXECUTION_TIME_OFFSET"]) & 0xFFFFFFFF == 500
    assert (word >> layout["TIME_CONSTRAINT_OFFSET"]) & 0xFFFFFFFF == 1_000
    assert word >> layout["SUCCEEDED_OFFSET"] == 1
    assert reputation.Report.unpacked(word) == report
