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
