"""`ape run audit` as a user runs it: a separate process reaching the test chain by URI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ape_cli import ape_run, assert_one_line_refusal

from edgeledger.deploy import write_record
from edgeledger.dmec.policies import task_id

DIGEST = b"\x42" * 32


def run_audit(chain: Any, *args: str) -> subprocess.CompletedProcess[str]:
    network = f"ethereum:local:{chain.provider.http_uri}"
    return ape_run("audit", "--network", network, *args)


@pytest.fixture
def recorded(
    world: dict[str, Any], dmec: Any, registry: Any, chain: Any, agent: Any, tmp_path: Path
) -> Path:
    """A device with one answered task; the deployment recorded as `ape run deploy` would."""
    device, drone, server = world["device"], world["drone"], world["servers"][0]
    registry.submitTask(device, 20, 600, 1, sender=drone)
    registry.submitResult(task_id(device.address, 1), DIGEST, sender=server)
    write_record(
        dmec, chain_id=chain.chain_id, network="test", deployer=agent.address, directory=tmp_path
    )
    return tmp_path


def test_audit__prints_the_device_history(
    recorded: Path, chain: Any, world: dict[str, Any]
) -> None:
    device, server = world["device"], world["servers"][0]

    result = run_audit(
        chain, "--device", device.address.lower(), "--deployments-dir", str(recorded)
    )

    assert result.returncode == 0, result.stderr
    assert f"device {device.address}" in result.stdout
    assert (
        "result t=" in result.stdout and f"by {server.address}: 0x{DIGEST.hex()}" in result.stdout
    )


def test_audit__json(recorded: Path, chain: Any, world: dict[str, Any], registry: Any) -> None:
    result = run_audit(
        chain, "--device", world["device"].address, "--registry", registry.address, "--json"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("{"), result.stdout
    (task,) = json.loads(result.stdout)["tasks"]
    assert task["task_id"] == task_id(world["device"].address, 1)
    assert task["servers"] == [world["servers"][0].address]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--device", "0x1234"], "is not an address"),
        (["--device", "0x" + "ab" * 20], "was never registered"),
        (["--device", "0x" + "ab" * 20, "--registry", "0x" + "cd" * 20], "no contract at"),
    ],
)
def test_audit__refusals(recorded: Path, chain: Any, args: list[str], words: str) -> None:
    result = run_audit(chain, *args, "--deployments-dir", str(recorded))
    assert_one_line_refusal(result, words)


def test_audit__no_record(chain: Any, world: dict[str, Any], tmp_path: Path) -> None:
    result = run_audit(
        chain, "--device", world["device"].address, "--deployments-dir", str(tmp_path)
    )
    assert_one_line_refusal(result, "no deployment record for chain 31337")


def test_audit__a_server_across_the_contracts(
    edge: Any, edge_world: dict[str, Any], chain: Any, agent: Any, tmp_path: Path
) -> None:
    """One answered task, one that timed out and moved on: the server's audit shows both,
    and the reputation steps each outcome caused, with the registry named as their source."""
    big, drone, device = edge_world["big"], edge_world["drone"], edge_world["devices"][0]
    registry = edge.registry
    first = int(registry.submitTask(device, 20, 600, 0, sender=drone).events[0].taskId)
    registry.submitResult(first, DIGEST, sender=big)
    second = int(registry.submitTask(device, 20, 600, 0, sender=drone).events[0].taskId)
    chain.mine(deltatime=edge.parameters.task_timeout_s)
    registry.reassignTask(second, sender=drone)
    write_record(
        edge, chain_id=chain.chain_id, network="test", deployer=agent.address, directory=tmp_path
    )

    result = run_audit(chain, "--server", big.address, "--deployments-dir", str(tmp_path))

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"server {big.address}" in out and "DMEC tasks: 2" in out
    assert "answered t=" in out and "moved away unanswered" in out
    assert "success" in out and "failure" in out and "from DMEC registry" in out
    assert "market requests won: 0" in out

    as_json = run_audit(chain, "--server", big.address, "--registry", registry.address, "--json")
    assert as_json.returncode == 0, as_json.stderr
    record = json.loads(as_json.stdout)
    assert [t["outcome"] for t in record["tasks"]] == ["answered", "moved away"]
    assert record["reputation"][-1]["succeeded"] is False


def test_audit__server_refusals(
    edge: Any, edge_world: dict[str, Any], chain: Any, outsider: Any
) -> None:
    registry = edge.registry.address
    both = run_audit(chain, "--device", outsider.address, "--server", outsider.address)
    assert_one_line_refusal(both, "exactly one of --device ADDRESS and --server ADDRESS")
    unknown = run_audit(chain, "--server", outsider.address, "--registry", registry)
    assert_one_line_refusal(unknown, "has no task, market win or reputation")
