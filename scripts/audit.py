"""`ape run audit --device <address>` or `--server <address>`, from events alone.

A device: registration and moves, then per task the relaying drone, the assigned server and any
reassignments, kind and sizes, submission and result times, and the result digest.
A server (one identity across the contracts): every DMEC task assigned to it and how it closed,
every market request it won and whether it was slashed, and every step of its reputation with
the report behind it (from FRESCO reporters, the registry or the market).
The registry is the one `ape run deploy` recorded for the chain (its logs read from the
deployment's first block), or `--registry`; a server's reputation manager is the registry's
own, and the market is the recorded one, if any. Every refusal is one line on stderr and a
non-zero exit.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from edgeledger.chain import connected, node_chain_id
from edgeledger.cli import checked_address, deployments_dir_option, network_choice_option
from edgeledger.deploy import DEPLOYMENTS_DIR, recorded, recorded_address
from edgeledger.errors import EdgeledgerError, exit_on_user_error


@click.command()
@click.option("--device", "device_text", help="An IoT device's address.")
@click.option("--server", "server_text", help="An edge server's address.")
@network_choice_option(
    "ethereum:local:http://127.0.0.1:8545",
    "An ape network choice where the registry lives (a node URI works too).",
)
@click.option("--registry", "registry_text", help="Registry address; default: the recorded one.")
@deployments_dir_option(DEPLOYMENTS_DIR)
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@exit_on_user_error
def cli(
    device_text: str | None,
    server_text: str | None,
    network_choice: str,
    registry_text: str | None,
    deployments_dir: Path,
    as_json: bool,
) -> None:
    if (device_text is None) == (server_text is None):
        raise EdgeledgerError("give exactly one of --device ADDRESS and --server ADDRESS")
    subject = checked_address(device_text, "--device") if device_text else None
    server = checked_address(server_text, "--server") if server_text else None
    if as_json:
        from ape.logging import logger

        logger.set_level("WARNING")  # ape logs "Connecting..." to stdout; keep it pure JSON
    with connected(network_choice):
        from ape import chain, project

        chain_id = node_chain_id()
        start_block = 0  # a registry given by address: its logs are searched from the start
        if registry_text:
            address = checked_address(registry_text, "--registry")
        else:
            address = recorded_address(chain_id, "DroneMecRegistry", deployments_dir)
            start_block = int(recorded(chain_id, deployments_dir).get("start_block", 0))
        if not chain.provider.get_code(address):
            raise EdgeledgerError(
                f"no contract at {address} on chain {chain_id}; check --registry or --network"
            )
        registry = project.DroneMecRegistry.at(address)
        if subject is not None:
            text, record = _device(registry, subject, address, start_block)
        else:
            assert server is not None
            market = None
            if not registry_text:
                market_address = _recorded_or_none(chain_id, deployments_dir)
                if market_address:
                    market = project.CollaborationMarket.at(market_address)
            text, record = _server(registry, server, market, address, start_block)
        click.echo(json.dumps(record, indent=2) if as_json else text)


def _device(
    registry: Any, device: str, address: str, start_block: int
) -> tuple[str, dict[str, Any]]:
    from edgeledger.dmec.audit import device_history, format_history

    history = device_history(registry, device, start_block)
    if not history.registered_by:
        raise EdgeledgerError(f"device {device} was never registered in the registry at {address}")
    return format_history(history), asdict(history)


def _server(
    registry: Any, server: str, market: Any, address: str, start_block: int
) -> tuple[str, dict[str, Any]]:
    from ape import project

    from edgeledger.audit import format_server_history, server_history
    from edgeledger.deploy import ZERO_ADDRESS

    reputation_address = str(registry.REPUTATION())
    reputation = None
    if reputation_address != ZERO_ADDRESS:
        reputation = project.ReputationManager.at(reputation_address)
    history = server_history(
        server, registry=registry, reputation=reputation, market=market, start_block=start_block
    )
    if not history.known:
        raise EdgeledgerError(
            f"server {server} has no task, market win or reputation under the registry at {address}"
        )
    names = {address: "DMEC registry"}
    if market is not None:
        names[str(market.address)] = "market"
    return format_server_history(history, names), asdict(history)


def _recorded_or_none(chain_id: int, deployments_dir: Path) -> str | None:
    """The recorded market, or None when there is no record or no market in it."""
    try:
        return recorded_address(chain_id, "CollaborationMarket", deployments_dir)
    except EdgeledgerError:
        return None
