"""`ape run deploy` against a separately started anvil (1 s blocks) reached by URI, and the
one-line refusals of bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from ape_cli import ape_run, assert_one_line_refusal

from edgeledger.chain import anvil_node, connected, free_port
from edgeledger.errors import EdgeledgerError


def run_deploy(*args: str) -> subprocess.CompletedProcess[str]:
    return ape_run("deploy", *args)


@pytest.fixture(scope="module")
def node_uri() -> str:
    with anvil_node(block_time_s=1) as node:
        yield node.network_choice


def test_deploy__records_then_refuses_second_run(node_uri: str, tmp_path: Path) -> None:
    first = run_deploy("--network", node_uri, "--deployments-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr
    record = json.loads((tmp_path / "31337.json").read_text())
    assert record["chain_id"] == 31337
    assert set(record["contracts"]) == {
        "DroneMecRegistry",
        "RandomPolicy",
        "NearestPolicy",
        "MCCPolicy",
        "DelayAwarePolicy",
        "ReputationAwarePolicy",
        "ReputationManager",
        "CollaborationMarket",
        "ProofOfWorkVerifier",
        "QuorumVerifier",
    }
    for address in record["contracts"].values():
        assert address in first.stdout
    assert record["policies"]["ReputationAware"] == 5

    second = run_deploy("--network", node_uri, "--deployments-dir", str(tmp_path))
    assert_one_line_refusal(second, "already has a deployment")
    assert json.loads((tmp_path / "31337.json").read_text()) == record  # untouched

    forced = run_deploy("--network", node_uri, "--deployments-dir", str(tmp_path), "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads((tmp_path / "31337.json").read_text())["contracts"] != record["contracts"]


def test_deploy__record_of_another_chain_refused(node_uri: str, tmp_path: Path) -> None:
    (tmp_path / "31337.json").write_text('{"chain_id": 11155111}')
    result = run_deploy("--network", node_uri, "--deployments-dir", str(tmp_path))
    assert_one_line_refusal(result, "records chain 11155111, not 31337")


def test_deploy__unknown_network(tmp_path: Path) -> None:
    result = run_deploy("--network", "ethereum:nowhere", "--deployments-dir", str(tmp_path))
    assert_one_line_refusal(result, "unknown network")


@pytest.mark.parametrize("choice", ["", "  "])
def test_connected__empty_network_refused(choice: str) -> None:
    # ape would take it for its default network and start a node of its own (found by the fuzz)
    with pytest.raises(EdgeledgerError, match="--network is empty"), connected(choice):
        pass


def test_deploy__unreachable_uri(tmp_path: Path) -> None:
    uri = f"ethereum:local:http://127.0.0.1:{free_port()}"
    result = run_deploy("--network", uri, "--deployments-dir", str(tmp_path))
    assert_one_line_refusal(result, "cannot reach the node")
    assert not any(tmp_path.iterdir())


def test_deploy__missing_account(node_uri: str, tmp_path: Path) -> None:
    result = run_deploy(
        "--network", node_uri, "--account", "nosuch", "--deployments-dir", str(tmp_path)
    )
    assert_one_line_refusal(result, "no account named 'nosuch'")
    assert not any(tmp_path.iterdir())
