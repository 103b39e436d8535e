"""The operator's pieces that need no live network: the deployment plan, the record, fees and
their cap, and how a refusal is named. The whole path runs in tests/e2e/test_operator.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak

from edgeledger.deploy import (
    DeployParameters,
    check_can_record,
    full_plan,
    recorded,
)
from edgeledger.errors import EdgeledgerError, without_keys
from edgeledger.operations.admin import describe_error
from edgeledger.operations.rollout import GWEI, DeployRecord, FeePolicy, only_deployment


def test_plan__each_step_once_and_every_call_can_tell_it_is_done() -> None:
    plan = full_plan(DeployParameters())
    names = [step.name for step in plan]
    assert len(names) == len(set(names)) == 15
    assert sum(step.deploys for step in plan) == 10
    for step in plan:
        assert step.deploys != bool(step.method), step.name
        assert (step.done is None) == step.deploys, step.name  # a resumed call is never resent
        if not step.deploys:
            # A call's target is deployed before it.
            assert names.index(step.target) < names.index(step.name)


def test_deploy_all__places_every_planned_contract(edge: Any) -> None:
    planned = {
        step.name: step.contract_type for step in full_plan(DeployParameters()) if step.deploys
    }
    assert edge.contract_types() == planned


class FixedNetwork(FeePolicy):
    """Fees as a node asking `base` and `tip` would set them."""

    def __init__(self, cap_gwei: float | None, base_gwei: float, tip_gwei: float) -> None:
        super().__init__(int(cap_gwei * GWEI) if cap_gwei else None)
        object.__setattr__(self, "asked", (int(base_gwei * GWEI), int(tip_gwei * GWEI)))

    def network(self) -> tuple[int, int]:
        return self.asked  # type: ignore[attr-defined, no-any-return]


def test_fees__twice_the_base_plus_the_tip_never_above_the_cap() -> None:
    assert FixedNetwork(None, 10, 1).current() == (21 * GWEI, 1 * GWEI)
    assert FixedNetwork(15, 10, 1).current() == (15 * GWEI, 1 * GWEI)
    with pytest.raises(EdgeledgerError, match="above --max-fee-gwei 10"):
        FixedNetwork(10, 10, 1).current()  # base and tip alone pass the cap


def test_fees__a_replacement_outbids_by_an_eighth_or_stops_at_the_cap() -> None:
    max_fee, tip = FixedNetwork(None, 1, 1).replacing(100 * GWEI, 2 * GWEI, 200)
    assert max_fee > 112.5 * GWEI and tip > 2.25 * GWEI
    # The network asking more than the bump: what it asks.
    assert FixedNetwork(None, 100, 3).replacing(100 * GWEI, 2 * GWEI, 200)[0] == 203 * GWEI
    with pytest.raises(EdgeledgerError, match=r"waited 200 s.*above --max-fee-gwei 110"):
        FixedNetwork(110, 1, 1).replacing(100 * GWEI, 2 * GWEI, 200)


def test_record__an_unfinished_one_is_resumed_only_as_it_was_started(tmp_path: Path) -> None:
    path = tmp_path / "5.json"
    parameters = DeployParameters()
    record = DeployRecord.start_or_resume(path, 5, "ethereum:x", "0xA", parameters)
    record.save()
    assert check_can_record(5, tmp_path) == path  # unfinished: resumed, no --force needed
    with pytest.raises(EdgeledgerError, match="unfinished"):
        recorded(5, tmp_path)  # nobody audits or verifies half a deployment
    with pytest.raises(EdgeledgerError, match="another deployer"):
        DeployRecord.start_or_resume(path, 5, "ethereum:x", "0xB", parameters)
    other = DeployParameters(quorum=3)
    with pytest.raises(EdgeledgerError, match="another parameters"):
        DeployRecord.start_or_resume(path, 5, "ethereum:x", "0xA", other)
    resumed = DeployRecord.start_or_resume(path, 5, "ethereum:x", "0xA", parameters)
    assert resumed.data == json.loads(path.read_text())


def test_refusal__names_the_custom_error_and_its_arguments(project: Any) -> None:
    server = "0x" + "ab" * 20
    data = "0x" + keccak(text="ServerAlreadyRegistered(address)")[:4].hex()
    data += encode(["address"], [server]).hex()
    said = describe_error(project.DroneMecRegistry.contract_type, data)
    assert said == f"ServerAlreadyRegistered(server={server})"
    role = keccak(text="AGENT_ROLE")
    data = "0x" + keccak(text="AccessControlUnauthorizedAccount(address,bytes32)")[:4].hex()
    data += encode(["address", "bytes32"], [server, role]).hex()
    said = describe_error(project.DroneMecRegistry.contract_type, data)
    assert said == f"AccessControlUnauthorizedAccount(account={server}, neededRole=AGENT_ROLE)"
    assert "does not name" in describe_error(project.DroneMecRegistry.contract_type, "0xdeadbeef")


def test_lock__one_deployment_at_a_time_on_a_record(tmp_path: Path) -> None:
    record = tmp_path / "5.json"
    with (
        only_deployment(record),
        pytest.raises(EdgeledgerError, match="another `ape run deploy` is running"),
        only_deployment(record),
    ):
        pass
    with only_deployment(record):  # released after
        pass


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        (
            "cannot reach ethereum:sepolia:https://sepolia.infura.io/v3/0123456789abcdef01234567",
            "cannot reach ethereum:sepolia:https://sepolia.infura.io/v3/<hidden>",
        ),
        (
            "https://api.etherscan.io/v2/api?chainid=1&apikey=ABCDEFGHIJKLMNOPQRSTUVWX failed",
            "https://api.etherscan.io/v2/api?chainid=1&apikey=<hidden> failed",
        ),
        ("http://127.0.0.1:8545 and /tmp/a/long_file_name_of_twenty.json", None),
    ],
)
def test_error_lines__never_show_what_looks_like_an_api_key(said: str, shown: str | None) -> None:
    assert without_keys(said) == (shown or said)
