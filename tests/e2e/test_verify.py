"""Source verification (edgeledger.verify): the request an explorer gets holds every source a
contract's file imports, the project's compiler settings and the constructor's arguments, and
compiling it gives back the creation code deployed on chain (what an explorer checks). The
recompiling test is slow (solcjs compiles each contract through via-IR): `make test-slow`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ape import chain, project
from ape_cli import ape_run, assert_one_line_refusal
from explorer_stub import ExplorerStub

from edgeledger.chain import anvil_node
from edgeledger.deploy import deploy_all
from edgeledger.errors import EdgeledgerError
from edgeledger.verify import recompiled, sources, submission

REMAPPINGS = ["@openzeppelin/contracts=node_modules/@openzeppelin/contracts"]


def creation_input(instance: Any) -> bytes:
    """The input of the transaction that deployed `instance`."""
    return bytes(chain.provider.web3.eth.get_transaction(instance.txn_hash)["input"])


def test_the_sources__are_every_file_a_contract_imports_under_solc_s_names() -> None:
    found = sources("contracts/DroneMecRegistry.sol", REMAPPINGS)

    assert "contracts/libraries/PackedServer.sol" in found  # ./ relative
    assert "interfaces/IReputationManager.sol" in found  # ../ relative
    oz = "node_modules/@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol"
    assert oz in found  # remapped, and what it imports in turn:
    assert "node_modules/@openzeppelin/contracts/access/AccessControl.sol" in found
    assert not any(name.startswith(("@", ".")) for name in found)
    # ape-etherscan 0.8.7 would send the first file and PackedServer.sol alone (issue 21).
    assert len(found) > 10


def test_a_source_that_is_not_there__is_named(tmp_path: Any) -> None:
    (tmp_path / "A.sol").write_text('// import "Commented.sol";\nimport {B} from "./B.sol";\n')

    with pytest.raises(EdgeledgerError, match=r"B\.sol: no such source"):
        sources("A.sol", [], tmp_path)


def test_a_deployment_from_other_code__is_refused(agent: Any) -> None:
    reputation = deploy_all(agent).reputation

    with pytest.raises(EdgeledgerError, match="not this checkout's"):
        submission("DroneMecRegistry", creation_input(reputation))


@pytest.mark.slow
def test_the_request__recompiles_to_the_creation_code_on_chain(agent: Any) -> None:
    deployment = deploy_all(agent)
    deployed = {
        "ReputationManager": deployment.reputation,
        "DroneMecRegistry": deployment.registry,
        "CollaborationMarket": deployment.market,
    }
    for name, instance in deployed.items():
        sent = creation_input(instance)
        request = submission(name, sent)

        output = recompiled(request)

        code = bytes.fromhex(output["evm"]["bytecode"]["object"])
        assert code + bytes.fromhex(request.constructor_arguments) == sent, name
        named = {(a["type"], a.get("name")) for a in output["abi"]}
        assert named == {(a.type, getattr(a, "name", None)) for a in instance.contract_type.abi}
        assert request.form(instance.address)["contractname"] == f"{request.contract}"
        assert getattr(project, name).contract_type.source_id in request.standard_input["sources"]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: Any) -> Any:
    """A node reached by URI (its own anvil, 1 s blocks) with `ape run deploy` done on it."""
    records = tmp_path_factory.mktemp("deployments")
    with anvil_node(block_time_s=1) as node:
        result = ape_run(
            "deploy", "--network", node.network_choice, "--deployments-dir", str(records)
        )
        assert result.returncode == 0, result.stderr
        yield node, records


def test_verify__writes_each_request_on_a_dry_run_and_refuses_bad_input(
    deployed: Any, tmp_path: Any
) -> None:
    node, records = deployed
    network = ["--network", node.network_choice, "--deployments-dir", str(records)]

    dry = ape_run("verify", *network, "--dry-run", "--out", str(tmp_path))

    assert dry.returncode == 0, dry.stderr
    recorded = json.loads((records / "31337.json").read_text())["contracts"]
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted(recorded)
    form = json.loads((tmp_path / "MCCPolicy.json").read_text())
    assert form["contractname"] == "contracts/policies/MaxCapacityPolicy.sol:MaxCapacityPolicy"
    assert form["contractaddress"] == recorded["MCCPolicy"]
    assert form["codeformat"] == "solidity-standard-json-input"
    assert "interfaces/IOffloadingPolicy.sol" in json.loads(form["sourceCode"])["sources"]
    assert_one_line_refusal(ape_run("verify", *network), "give --explorer")
    assert_one_line_refusal(
        ape_run("verify", *network, "--dry-run", "--contract", "Nothing"), "not in the record"
    )
    elsewhere = ["--network", node.network_choice, "--deployments-dir", str(tmp_path)]
    assert_one_line_refusal(ape_run("verify", *elsewhere, "--dry-run"), "no deployment record")


@pytest.mark.slow
def test_verify__an_explorer_that_recompiles_what_it_gets__passes_each_contract(
    deployed: Any,
) -> None:
    node, records = deployed
    names = ["ReputationManager", "RandomPolicy"]
    with ExplorerStub(node.uri) as explorer:
        result = ape_run(
            "verify",
            "--network",
            node.network_choice,
            "--deployments-dir",
            str(records),
            "--explorer",
            explorer.url,
            *[a for name in names for a in ("--contract", name)],
        )

    assert result.returncode == 0, result.stderr
    verified = [line.split()[0] for line in result.stdout.splitlines() if "Pass" in line]
    assert verified == names
    assert len(explorer.received) == 2
