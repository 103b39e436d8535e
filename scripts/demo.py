"""`ape run demo` (`make demo`): deploy every contract and run every replay at its quick default
(DMEC, BlockEdge, the one-identity scenario and the FRESCO offloading replay)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from edgeledger.blockedge.replay import BlockedgeReplayConfig, run_blockedge_replay
from edgeledger.chain import on_network
from edgeledger.deploy import deploy_all
from edgeledger.dmec.replay import DmecReplayConfig, run_dmec_replay
from edgeledger.errors import exit_on_user_error
from edgeledger.fresco.replay import FrescoReplayConfig, run_fresco_replay
from edgeledger.progress import stage_progress
from edgeledger.scenario import ScenarioConfig, run_scenario


@click.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("results"), show_default=True)
@exit_on_user_error
@on_network()
def cli(out: Path) -> None:
    from ape import accounts, chain

    test_accounts = list(accounts.test_accounts)
    deployment = deploy_all(test_accounts[0])
    out.mkdir(parents=True, exist_ok=True)
    (out / "deployment.json").write_text(
        json.dumps({"chain_id": chain.chain_id, "contracts": deployment.addresses()}, indent=2)
    )
    click.echo(f"deployed on local chain {chain.chain_id}: {', '.join(deployment.addresses())}")

    with stage_progress() as progress:
        dmec_summary = run_dmec_replay(test_accounts, DmecReplayConfig(), out / "dmec", progress)
        blockedge_summary = run_blockedge_replay(
            test_accounts, BlockedgeReplayConfig(), out / "blockedge", progress
        )
        scenario_shares = run_scenario(test_accounts, ScenarioConfig(), out / "scenario", progress)
        fresco_headline = run_fresco_replay(
            test_accounts, FrescoReplayConfig(), out / "fresco", progress
        )

    click.echo(f"results in {out.resolve()}/")
    click.echo(f"  DMEC: {dmec_summary}")
    click.echo(f"  BlockEdge: {blockedge_summary}")
    click.echo(f"  one identity, share of tasks to bad servers: {scenario_shares}")
    click.echo(f"  FRESCO: {fresco_headline}")
