"""Slither over every contract, through the same offline compiler bridge and settings as ape.

Compiles contracts/ (test doubles in contracts/testing/ aside) as one standard-JSON unit with the
solc version, optimizer, via-IR and EVM version of ape-config.yaml, runs every slither detector
on the project's own code (OpenZeppelin's is filtered out), and compares the findings with
static-analysis.json: every High or Medium finding fails, and so does any lower one whose check
is not accepted there with a reason. Prints a count per impact and check. Exit 0 only when
nothing is left.

    python tools/static_analysis.py [--json results/static-analysis.json]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TRIAGE = ROOT / "static-analysis.json"
BLOCKING = ("High", "Medium")


def _compiler() -> str:
    """The solc that ape uses: py-solc-x's folder (the bridge unless a native solc is set)."""
    version = _settings()["version"]
    folder = os.environ.get("SOLCX_BINARY_PATH") or str(Path.home() / ".solcx")
    path = Path(folder) / f"solc-v{version}"
    if not path.exists():
        sys.exit(f"error: no solc {version} at {path}; run through `make` (tools/env.sh sets it)")
    return str(path)


def _settings() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "ape-config.yaml").read_text())["solidity"])


def accepted_checks(triage: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The accepted checks by name; each needs a reason, and none may be High or Medium."""
    accepted = {}
    for entry in triage["accepted"]:
        if not str(entry.get("reason", "")).strip():
            raise ValueError(f"{TRIAGE.name}: accepted check {entry.get('check')!r} has no reason")
        if entry.get("impact") in BLOCKING:
            raise ValueError(
                f"{TRIAGE.name}: {entry['check']} is {entry['impact']}: never accepted"
            )
        accepted[entry["check"]] = entry
    return accepted


def left_over(found: list[dict[str, Any]], accepted: dict[str, Any]) -> list[dict[str, Any]]:
    """What fails the check: every High or Medium finding, and lower ones not accepted."""
    return [f for f in found if f["impact"] in BLOCKING or f["check"] not in accepted]


def project_slither() -> Any:
    """Slither over contracts/ (test doubles aside), compiled as ape compiles it."""
    from crytic_compile.platform import solc_standard_json as standard
    from slither import Slither

    settings = _settings()
    unit = standard.SolcStandardJson()
    unit.add_source_files(
        sorted(
            str(path.relative_to(ROOT))
            for path in (ROOT / "contracts").rglob("*.sol")
            if "testing" not in path.parts and "examples" not in path.parts
        )
    )
    standard.add_optimization(unit.to_dict(), settings["optimize"], settings["optimization_runs"])
    standard.add_evm_version(unit.to_dict(), settings["evm_version"])
    standard.add_via_ir(unit.to_dict(), settings["via_ir"])
    os.chdir(ROOT)  # source names are relative to the project, as ape compiles them
    return Slither(
        unit,
        solc=_compiler(),
        solc_remaps=settings["import_remapping"],
        solc_disable_warnings=True,
        filter_paths=["node_modules"],
    )


def findings() -> list[dict[str, Any]]:
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    slither = project_slither()
    for _, detector in inspect.getmembers(all_detectors, inspect.isclass):
        if issubclass(detector, AbstractDetector):
            slither.register_detector(detector)
    return [finding for group in slither.run_detectors() for finding in group]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write every finding here")
    args = parser.parse_args()

    accepted = accepted_checks(json.loads(TRIAGE.read_text()))
    found = findings()
    counts = Counter((f["impact"], f["check"]) for f in found)
    left = left_over(found, accepted)
    print(f"slither: {len(found)} findings in the project's contracts")
    for (impact, check), count in sorted(counts.items()):
        status = "accepted" if check in accepted and impact not in BLOCKING else "LEFT"
        print(f"  {impact:<13} {check:<28} {count:>3}  {status}")
    for check in sorted(set(accepted) - {check for _, check in counts}):
        print(f"  (accepted check {check} no longer found: drop it from {TRIAGE.name})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(found, indent=1, default=str))
    for finding in left:
        first_line = finding["description"].strip().splitlines()[0]
        print(f"LEFT {finding['impact']} {finding['check']}: {first_line}")
    if left:
        print(
            f"error: {len(left)} finding(s) left: fix them, or accept a Low/Informational/"
            f"Optimization check with a reason in {TRIAGE.name}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
