"""`ape run blockedge`: the BlockEdge replay (negotiation time, PoW efficiency, balance vs AP)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from edgeledger.chain import on_network
from edgeledger.cli import out_option, ray_option, seed_option, workers_option
from edgeledger.errors import exit_on_user_error
from edgeledger.progress import headline_text, stage_progress, verbose_option
from edgeledger.replays.blockedge import PAPER, BlockedgeReplayConfig, run_blockedge_replay
from edgeledger.replays.ray_units import check_ray_address


@click.command()
@click.option(
    "--paper",
    is_flag=True,
    help="The paper's sizes: 4 block times, 2,000 requests each, 8 stakeholders, 2,000 rounds.",
)
@click.option("--rounds", type=click.IntRange(min=1), help="Tasks per (deposit, AP) point.")
@click.option("--requests", type=click.IntRange(min=1), help="Requests per block time.")
@workers_option(
    "Processes for the negotiation's units (ten requests on an anvil of their own each). They "
    "wait on blocks: two a core is fine; more delay the clients and distort 1 s blocks."
)
@ray_option
@seed_option(BlockedgeReplayConfig().seed)
@out_option("results/blockedge")
@verbose_option
@exit_on_user_error
@on_network()
def cli(
    paper: bool,
    rounds: int | None,
    requests: int | None,
    workers: int | None,
    ray_address: str | None,
    seed: int,
    out: Path,
) -> None:
    from ape import accounts

    config = PAPER if paper else BlockedgeReplayConfig()
    config = replace(
        config,
        rounds=rounds or config.rounds,
        negotiation_requests=requests or config.negotiation_requests,
        workers=workers or config.workers,
        ray=ray_address,
        seed=seed,
    )
    if ray_address is not None:
        check_ray_address(ray_address)  # before the progress bar: one clean line
    with stage_progress() as progress:
        headline = run_blockedge_replay(list(accounts.test_accounts), config, out, progress)
    click.echo(f"BlockEdge results in {out}/: {headline_text(headline)}")
