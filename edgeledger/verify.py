"""What a block explorer needs to verify a deployed contract's source, built from this checkout.

An explorer recompiles what it is sent and compares the result with the chain's creation code.
It needs the compiler's standard JSON input holding every source the contract's file imports,
with the settings the project compiles with. ape-etherscan 0.8.7 sends the contract's own file
alone (and refuses via-IR when flattening), so an explorer cannot compile our contracts from it:
`submission` builds the whole input instead, from the project's files (imports followed
through the project's remappings, each source under the name solc gives it), the compiler
version and settings ape compiled with, and the constructor arguments: what follows the creation
code in the contract's deployment transaction. `recompiled` compiles such an input with the
project's solc, so a test can show it gives back the deployed creation code.
"""

from __future__ import annotations

import json
import posixpath
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgeledger.errors import EdgeledgerError

ROOT = Path(__file__).resolve().parent.parent
# `import "x";`, `import * as y from "x";`, `import {a, b} from "x";` (the path is the only
# quoted text an import statement holds).
IMPORT = re.compile(r"\bimport\s[^;]*?[\"']([^\"']+)[\"']\s*(?:as\s+\w+\s*)?;", re.S)
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
# What an explorer's compilation must give back; the rest of solc's output is not needed.
OUTPUT = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]


@dataclass(frozen=True)
class Submission:
    """One contract's verification request, as explorers' APIs take it."""

    contract: str  # "contracts/ReputationManager.sol:ReputationManager"
    compiler: str  # "v0.8.28+commit.7893614a"
    standard_input: dict[str, Any]
    constructor_arguments: str  # ABI-encoded, hex without 0x

    def form(self, address: str) -> dict[str, str]:
        """The request's fields under Etherscan's `verifysourcecode` names."""
        return {
            "module": "contract",
            "action": "verifysourcecode",
            "contractaddress": address,
            "codeformat": "solidity-standard-json-input",
            "sourceCode": json.dumps(self.standard_input),
            "contractname": self.contract,
            "compilerversion": self.compiler,
            # Etherscan's documented spelling, then the one its API first took (and still does)
            "constructorArguments": self.constructor_arguments,
            "constructorArguements": self.constructor_arguments,
        }


def sources(entry: str, remappings: list[str], root: Path = ROOT) -> dict[str, str]:
    """`entry` (a source name, such as contracts/ReputationManager.sol) and every source it
    imports, at any depth, by source name: relative imports resolved against the importer's
    name, others through `remappings` (prefix=target), as solc names them."""
    prefixes = sorted(
        (tuple(r.split("=", 1)) for r in remappings), key=lambda p: len(p[0]), reverse=True
    )
    found: dict[str, str] = {}
    waiting = [entry]
    while waiting:
        name = waiting.pop()
        if name in found:
            continue
        path = root / name
        if not path.is_file():
            raise EdgeledgerError(f"{name}: no such source in {root}")
        found[name] = path.read_bytes().decode()  # as solc reads it: line ends kept
        for imported in IMPORT.findall(COMMENT.sub("", found[name])):
            waiting.append(_source_name(name, imported, prefixes))
    return dict(sorted(found.items()))


def _source_name(importer: str, imported: str, prefixes: list[tuple[str, ...]]) -> str:
    if imported.startswith(("./", "../")):
        return posixpath.normpath(posixpath.join(posixpath.dirname(importer), imported))
    for prefix, target in prefixes:
        if imported.startswith(prefix):
            return target + imported[len(prefix) :]
    return imported


def standard_input(source_id: str, settings: dict[str, Any], root: Path = ROOT) -> dict[str, Any]:
    """The standard JSON input that compiles `source_id` as the project does: its sources and
    the compiler `settings` ape used (those that shape the bytecode and its metadata)."""
    kept = {k: v for k, v in settings.items() if k != "outputSelection"}
    return {
        "language": "Solidity",
        "sources": {
            name: {"content": text}
            for name, text in sources(source_id, kept.get("remappings", []), root).items()
        },
        "settings": {**kept, "outputSelection": {"*": {"*": OUTPUT}}},
    }


def submission(contract_name: str, creation_input: bytes) -> Submission:
    """The verification request of the project's `contract_name`, deployed by a transaction
    whose input was `creation_input` (creation code, then the constructor's arguments)."""
    from ape import project

    contract_type = getattr(project, contract_name).contract_type
    source_id = str(contract_type.source_id)
    compiler = next(
        (c for c in project.manifest.compilers if contract_name in (c.contractTypes or [])), None
    )
    if compiler is None:
        raise EdgeledgerError(f"{contract_name} is not among the project's compiled contracts")
    code = bytes.fromhex(str(contract_type.deployment_bytecode.bytecode)[2:])
    if not creation_input.startswith(code):
        raise EdgeledgerError(
            f"{contract_name}: the deployment's creation code is not this checkout's "
            "(deployed from other sources or settings); check out the commit it came from"
        )
    return Submission(
        contract=f"{source_id}:{contract_name}",
        compiler=f"v{compiler.version}",
        standard_input=standard_input(source_id, dict(compiler.settings)),
        constructor_arguments=creation_input[len(code) :].hex(),
    )


def recompiled(submission_: Submission) -> dict[str, Any]:
    """What the project's solc (0.8.28, tools/solc-bridge) makes of `submission_`: its
    contract's output (abi, evm.bytecode, evm.deployedBytecode); raises on a compile error."""
    solc = ROOT / "tools" / "solc-bridge" / f"solc-{submission_.compiler.split('+')[0]}"
    if not solc.is_file():
        raise EdgeledgerError(f"no solc for {submission_.compiler} in {solc.parent}")
    answer = subprocess.run(
        [str(solc), "--standard-json"],
        input=json.dumps(submission_.standard_input),
        capture_output=True,
        text=True,
        check=True,
        cwd="/",  # nothing may be read from disk: every source must be in the input
    )
    output = json.loads(answer.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise EdgeledgerError(f"the input does not compile: {errors[0].get('message')}")
    # The bridge reads an import missing from the input from the checkout (as ape needs); an
    # explorer could not: every source solc used must be one the input holds.
    missing = sorted(set(output.get("sources", {})) - set(submission_.standard_input["sources"]))
    if missing:
        raise EdgeledgerError(f"the input lacks sources it imports: {', '.join(missing)}")
    source, name = submission_.contract.rsplit(":", 1)
    return dict(output["contracts"][source][name])
