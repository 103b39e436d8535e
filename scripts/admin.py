"""`ape run admin <action> ... --network <choice> --account <alias>`: the operator's actions on
the recorded deployment (`edgeledger.operations.admin`).

Actions: admit-server, revoke-server, grant-reporter, revoke-reporter, list-verifier,
delist-verifier, begin-handover, accept-handover (from the new admin's account),
cancel-handover. Each call is simulated before it is sent: what the contracts would refuse is
one line on stderr, a non-zero exit, and nothing sent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from edgeledger.chain import connected, node_chain_id
from edgeledger.cli import checked_address, deployments_dir_option, network_choice_option
from edgeledger.deploy import DEPLOYMENTS_DIR, record_path, recorded, write_json
from edgeledger.errors import exit_on_user_error
from edgeledger.operations import admin
from edgeledger.operations.accounts import is_throwaway, load_account


def _on_deployment(
    network_choice: str,
    alias: str | None,
    deployments_dir: Path,
    calls: Callable[[], list[admin.Call]],
    after: Callable[[dict[str, Any], Any], None] | None = None,
) -> None:
    from ape import project

    with connected(network_choice) as network:
        chain_id = node_chain_id()
        record = recorded(chain_id, deployments_dir)
        account = load_account(alias, is_throwaway(network, chain_id), unlock=True)
        types = record["contract_types"]
        placed = {
            name: getattr(project, types[name]).at(address)
            for name, address in record["contracts"].items()
        }
        admin.carry_out(calls(), placed, account, click.echo)
        if after is not None:
            after(record, account)
            write_json(record_path(chain_id, deployments_dir), record)


def _common(function: Callable[..., None]) -> Callable[..., None]:
    function = network_choice_option(
        "ethereum:local:http://127.0.0.1:8545",
        "An ape network choice where the deployment lives (a node URI works too).",
    )(function)
    function = click.option(
        "--account", "alias", help="Account alias (`ape accounts list`); test:N on local chains."
    )(function)
    return deployments_dir_option(DEPLOYMENTS_DIR)(function)


@click.group()
def cli() -> None:
    """The operator's actions on the recorded deployment."""


@cli.command("admit-server")
@click.argument("server")
@click.option("--x-m", type=click.IntRange(min=0), required=True, help="Position east, metres.")
@click.option("--y-m", type=click.IntRange(min=0), required=True, help="Position north, metres.")
@click.option("--capacity-mcps", type=click.IntRange(min=1), required=True, help="Megacycles/s.")
@_common
@exit_on_user_error
def admit_server(
    server: str,
    x_m: int,
    y_m: int,
    capacity_mcps: int,
    network_choice: str,
    alias: str | None,
    deployments_dir: Path,
) -> None:
    """A reputation node, then a DMEC server: one identity."""
    address = checked_address(server, "SERVER")
    _on_deployment(
        network_choice,
        alias,
        deployments_dir,
        lambda: admin.admit_server(address, x_m, y_m, capacity_mcps),
    )


def _one_address_action(name: str, calls: Callable[[str], list[admin.Call]], doc: str) -> None:
    @cli.command(name, help=doc)
    @click.argument("address")
    @_common
    @exit_on_user_error
    def action(address: str, network_choice: str, alias: str | None, deployments_dir: Path) -> None:
        checked = checked_address(address, "ADDRESS")
        _on_deployment(network_choice, alias, deployments_dir, lambda: calls(checked))


_one_address_action("revoke-server", admin.revoke_server, "Out of the registry and reputation.")
_one_address_action("grant-reporter", admin.grant_reporter, "A FRESCO reporter of scores.")
_one_address_action("revoke-reporter", admin.revoke_reporter, "No longer a reporter.")
_one_address_action("list-verifier", admin.list_verifier, "A verifier requests may name.")
_one_address_action("delist-verifier", admin.delist_verifier, "No longer nameable.")


@cli.command("begin-handover")
@click.argument("new_admin")
@_common
@exit_on_user_error
def begin_handover(
    new_admin: str, network_choice: str, alias: str | None, deployments_dir: Path
) -> None:
    """Start moving every admin role to NEW_ADMIN; it accepts after the admin delay."""
    address = checked_address(new_admin, "NEW_ADMIN")
    _on_deployment(network_choice, alias, deployments_dir, lambda: admin.begin_handover(address))


@cli.command("accept-handover")
@_common
@exit_on_user_error
def accept_handover(network_choice: str, alias: str | None, deployments_dir: Path) -> None:
    """From the new admin's account, after the delay; the record then names it as the admin."""

    def remember(record: dict[str, Any], account: Any) -> None:
        record["admin"] = str(account.address)

    _on_deployment(network_choice, alias, deployments_dir, admin.accept_handover, remember)


@cli.command("cancel-handover")
@_common
@exit_on_user_error
def cancel_handover(network_choice: str, alias: str | None, deployments_dir: Path) -> None:
    """Withdraw a handover not yet accepted."""
    _on_deployment(network_choice, alias, deployments_dir, admin.cancel_handover)
