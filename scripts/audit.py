"""`ape run audit --device <address>`: every task of an IoT device, from the registry's events.

Reads logs only (no storage): registration and moves of the device, then per task the relaying
drone, the assigned server and any reassignments, kind and sizes, submission and result times,
and the result digest. The registry is the one `ape run deploy` recorded for the chain, or
`--registry`. Every refusal is one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from edgeledger.chain import connected
from edgeledger.deploy import DEPLOYMENTS_DIR, recorded_address
from edgeledger.errors import EdgeledgerError, exit_on_user_error


def _address(text: str, what: str) -> str:
    from eth_utils import is_address, to_checksum_address

    if not is_address(text):
        raise EdgeledgerError(f"{what} {text!r} is not an address (0x and 40 hex digits)")
    return str(to_checksum_address(text))


@click.command()
@click.option("--device", "device_text", required=True, help="The IoT device's address.")
@click.option(
    "--network",
    "network_choice",
    default="ethereum:local:http://127.0.0.1:8545",
    show_default=True,
    help="An ape network choice where the registry lives (a node URI works too).",
)
@click.option("--registry", "registry_text", help="Registry address; default: the recorded one.")
@click.option(
    "--deployments-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEPLOYMENTS_DIR,
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@exit_on_user_error
def cli(
    device_text: str,
    network_choice: str,
    registry_text: str | None,
    deployments_dir: Path,
    as_json: bool,
) -> None:
    from edgeledger.dmec.audit import device_history, format_history

    device = _address(device_text, "--device")
    if as_json:
        from ape.logging import logger

        logger.set_level("WARNING")  # ape logs "Connecting..." to stdout; keep it pure JSON
    with connected(network_choice):
        from ape import chain, project

        if registry_text:
            address = _address(registry_text, "--registry")
        else:
            address = recorded_address(chain.chain_id, "DroneMecRegistry", deployments_dir)
        if not chain.provider.get_code(address):
            raise EdgeledgerError(
                f"no contract at {address} on chain {chain.chain_id}; check --registry or --network"
            )
        registry = project.DroneMecRegistry.at(address)
        history = device_history(registry, device)
        if not history.registered_by:
            raise EdgeledgerError(
                f"device {device} was never registered in the registry at {address}"
            )
        click.echo(json.dumps(asdict(history), indent=2) if as_json else format_history(history))
