"""`ape run deploy --network <choice> --account <alias>`: deploy every edgeledger contract.

Thin CLI over edgeledger.deploy. Every refusal is one line on stderr and a non-zero exit; the
deployment record is written only after every contract is deployed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from edgeledger.chain import connected
from edgeledger.cli import deployments_dir_option, network_choice_option
from edgeledger.deploy import DEPLOYMENTS_DIR, check_can_record, deploy_all, write_record
from edgeledger.errors import EdgeledgerError, exit_on_user_error, first_line

LOCAL_NETWORKS = {"local"}


def _account(alias: str | None, is_local: bool) -> Any:
    from ape import accounts
    from ape.exceptions import ApeException

    if alias is None or alias.startswith("test:"):
        if not is_local:
            raise EdgeledgerError(
                "a live network needs --account <alias> (import one with `ape accounts import`)"
            )
        index = alias.split(":", 1)[1] if alias else "0"
        count = len(accounts.test_accounts)
        if not (index.isascii() and index.isdigit() and int(index) < count):
            raise EdgeledgerError(
                f"--account {alias!r}: the local test accounts are test:0 to test:{count - 1}"
            )
        return accounts.test_accounts[int(index)]
    try:
        account = accounts.load(alias)
    except (ApeException, IndexError, KeyError, ValueError):
        raise EdgeledgerError(
            f"no account named {alias!r}; import it with `ape accounts import {alias}`"
        ) from None
    if hasattr(account, "unlock") and getattr(account, "locked", False):
        variable = f"APE_ACCOUNTS_{alias}_PASSPHRASE"
        if variable not in os.environ and not click.get_text_stream("stdin").isatty():
            raise EdgeledgerError(
                f"account {alias!r} is locked; set {variable} or run in a terminal to type it"
            )
        try:
            account.unlock(passphrase=os.environ.get(variable))
        except Exception:
            raise EdgeledgerError(
                f"could not unlock account {alias!r}: wrong passphrase?"
            ) from None
    return account


@click.command()
@network_choice_option(
    "ethereum:local:foundry",
    "An ape network choice, e.g. ethereum:sepolia:node or ethereum:local:<URI>.",
)
@click.option(
    "--account", "alias", help="Account alias (`ape accounts list`); test:N on local chains."
)
@click.option("--force", is_flag=True, help="Replace an existing deployments/<chain-id>.json.")
@click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live network.")
@deployments_dir_option(DEPLOYMENTS_DIR)
@exit_on_user_error
def cli(
    network_choice: str,
    alias: str | None,
    force: bool,
    yes: bool,
    deployments_dir: Path,
) -> None:
    from ape.exceptions import ApeException

    with connected(network_choice) as network:
        from ape import chain

        is_local = network.name in LOCAL_NETWORKS
        account = _account(alias, is_local)
        chain_id = chain.chain_id
        check_can_record(chain_id, deployments_dir, force)
        if not is_local and not yes:
            prompt = (
                f"Deploy edgeledger to {network.ecosystem.name}:{network.name} "
                f"(chain {chain_id}) from {account.address}?"
            )
            if not click.get_text_stream("stdin").isatty() or not click.confirm(prompt):
                raise EdgeledgerError("not confirmed; pass --yes to deploy without asking")
        try:
            deployment = deploy_all(account)
        except ApeException as error:
            raise EdgeledgerError(
                f"deployment failed, nothing recorded: {first_line(error)}"
            ) from None
        for name, address in deployment.addresses().items():
            click.echo(f"{name:<20} {address}")
        path = write_record(
            deployment,
            chain_id=chain_id,
            network=network_choice,
            deployer=str(account.address),
            directory=deployments_dir,
        )
        click.echo(f"recorded in {path}; `ape run verify` publishes the sources")
