"""`ape run check --network <choice>`: the chain against the deployment record.

One line per check (`edgeledger.inspection`): code hashes, the wiring between the contracts,
the addresses they were built with, the deploy parameters they keep, their admin. Exits
non-zero when any check fails; a missing or unfinished record is one line on stderr.
"""

from __future__ import annotations

from pathlib import Path

import click

from edgeledger.chain import connected, node_chain_id
from edgeledger.cli import deployments_dir_option, network_choice_option
from edgeledger.deploy import DEPLOYMENTS_DIR, recorded
from edgeledger.errors import EdgeledgerError, exit_on_user_error
from edgeledger.operations.inspection import inspect


@click.command()
@network_choice_option(
    "ethereum:local:http://127.0.0.1:8545",
    "An ape network choice where the deployment lives (a node URI works too).",
)
@click.option(
    "--admin",
    help="The address every contract's admin should be (default: the record's admin).",
)
@click.option(
    "--pending-admin",
    help="A handover you began and expect, to this address (any other fails the check).",
)
@deployments_dir_option(DEPLOYMENTS_DIR)
@exit_on_user_error
def cli(
    network_choice: str, admin: str | None, pending_admin: str | None, deployments_dir: Path
) -> None:
    with connected(network_choice):
        chain_id = node_chain_id()
        record = recorded(chain_id, deployments_dir)
        expected_admin = admin or record.get("admin") or record["deployer"]
        failed = 0
        for finding in inspect(record, chain_id, expected_admin, pending_admin):
            click.echo(finding.line())
            failed += not finding.ok
        if failed:
            raise EdgeledgerError(f"{failed} check(s) failed against {deployments_dir}")
