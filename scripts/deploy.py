"""`ape run deploy --network <choice> --account <alias>`: deploy every edgeledger contract.

Thin CLI over edgeledger.rollout. Before anything is sent, the deployment is rehearsed on a
fork of the target (anvil, started here, sending as the account without its key): every step's
gas, the cost at the node's current fees, the account's balance against it. `--dry-run` stops
there and writes nothing. A real run then sends one step at a time and records each in
deployments/<chain-id>.json as soon as it is mined; run again after any failure and it resumes.
Every refusal is one line on stderr and a non-zero exit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from edgeledger.chain import connected, node_chain_id
from edgeledger.cli import deployments_dir_option, network_choice_option
from edgeledger.deploy import DEPLOYMENTS_DIR, DeployParameters, check_can_record
from edgeledger.errors import EdgeledgerError, exit_on_user_error, first_line
from edgeledger.operations.accounts import is_throwaway, load_account
from edgeledger.operations.rollout import (
    GAS_HEADROOM,
    GWEI,
    DeployRecord,
    FeePolicy,
    KeySigner,
    Rollout,
    only_deployment,
    rehearse,
)


def _eth(wei: float) -> str:
    return f"{wei / 10**18:.6f} ETH"


@click.command()
@network_choice_option(
    "ethereum:local:foundry",
    "An ape network choice, e.g. ethereum:sepolia:node or ethereum:local:<URI>.",
)
@click.option(
    "--account", "alias", help="Account alias (`ape accounts list`); test:N on local chains."
)
@click.option("--dry-run", is_flag=True, help="Rehearse on a fork, print the cost, send nothing.")
@click.option("--force", is_flag=True, help="Replace a finished deployments/<chain-id>.json.")
@click.option("--yes", is_flag=True, help="Do not ask before broadcasting to a live network.")
@click.option(
    "--max-fee-gwei",
    type=click.FloatRange(min=0, min_open=True),
    help="Never pay more than this a gas (EIP-1559 max fee), replacements included "
    "[default: twice the max fee at the start].",
)
@click.option(
    "--stuck-after-s",
    type=click.FloatRange(min=1),
    default=180.0,
    show_default=True,
    help="Replace a transaction at a higher fee when no block took it in this time.",
)
@deployments_dir_option(DEPLOYMENTS_DIR)
@exit_on_user_error
def cli(
    network_choice: str,
    alias: str | None,
    dry_run: bool,
    force: bool,
    yes: bool,
    max_fee_gwei: float | None,
    stuck_after_s: float,
    deployments_dir: Path,
) -> None:
    from ape.exceptions import ApeException
    from web3.exceptions import Web3Exception

    with connected(network_choice) as network:
        chain_id = node_chain_id()
        is_local = is_throwaway(network, chain_id)
        account = load_account(alias, is_local, unlock=not dry_run)
        path = check_can_record(chain_id, deployments_dir, force)
        asks = not (is_local or yes)
        try:
            _deploy(network, chain_id, path, account, max_fee_gwei, stuck_after_s, dry_run, asks)
        except (ApeException, Web3Exception, OSError) as error:
            said = first_line(error)  # exit_on_user_error hides a URI's key
            if dry_run:
                raise EdgeledgerError(f"the rehearsal stopped ({said})") from None
            raise EdgeledgerError(
                f"deployment stopped ({said}); what was mined is recorded in {path}: "
                "run the same command again to resume"
            ) from None


def _deploy(
    network: Any,
    chain_id: int,
    path: Path,
    account: Any,
    max_fee_gwei: float | None,
    stuck_after_s: float,
    dry_run: bool,
    asks: bool,
) -> None:
    from ape import chain

    parameters = DeployParameters()
    address = str(account.address)
    fees = FeePolicy(int(max_fee_gwei * GWEI) if max_fee_gwei else None)
    base, tip = fees.network()
    max_fee, _ = fees.current((base, tip))
    if fees.cap_wei is None:
        # Never an open-ended fee: twice today's (room for six replacements).
        fees = FeePolicy(2 * max_fee)
    gas = rehearse(str(chain.provider.http_uri), address, path, parameters)
    total = sum(gas.values())
    for name, used in gas.items():
        click.echo(f"{name:<38} gas {used:>9,}")
    balance = int(chain.provider.web3.eth.get_balance(address))
    assert fees.cap_wei is not None
    worst = int(total * GAS_HEADROOM) * fees.cap_wei
    click.echo(
        f"{len(gas)} transactions, gas {total:,}: about {_eth(total * (base + tip))} at "
        f"{(base + tip) / GWEI:.3f} gwei a gas now, at most {_eth(worst)} (gas limits at the "
        f"fee cap, {fees.cap_wei / GWEI:.3f} gwei); {address} holds {_eth(balance)}"
    )
    if balance < worst:
        short = f"short by {_eth(worst - balance)}; fund {address} before a real run"
        if dry_run:
            click.echo(short)
        else:
            raise EdgeledgerError(f"{address} holds {_eth(balance)}, {short}")
    if dry_run:
        click.echo("dry run: nothing sent, nothing written")
        return
    if asks:
        prompt = (
            f"Deploy edgeledger to {network.ecosystem.name}:{network.name} "
            f"(chain {chain_id}) from {address}?"
        )
        if not click.get_text_stream("stdin").isatty() or not click.confirm(prompt):
            raise EdgeledgerError("not confirmed; pass --yes to deploy without asking")
    # The network by name, never its URI: that often carries an API key, and the record is
    # committed.
    named = f"{network.ecosystem.name}:{network.name}"
    with only_deployment(path):  # read (again) and written by this run alone
        record = DeployRecord.start_or_resume(path, chain_id, named, address, parameters)
        Rollout(record, KeySigner(account), fees, stuck_after_s, echo=click.echo).run(parameters)
    click.echo(f"recorded in {path}; `ape run verify` publishes the sources")
