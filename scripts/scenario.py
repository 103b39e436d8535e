"""`ape run scenario`: one population of edge servers shared by DMEC drones, FRESCO mobile
devices and BlockEdge collaborators; some servers go bad; reputation decides who still gets
work. Writes CSV, plots, an audit of a bad server and a summary to --out."""

from __future__ import annotations

from pathlib import Path

import click

from edgeledger.chain import on_network
from edgeledger.cli import out_option, seed_option
from edgeledger.errors import exit_on_user_error
from edgeledger.progress import headline_text, stage_progress, verbose_option
from edgeledger.replays.scenario import ScenarioConfig, run_scenario

DEFAULT = ScenarioConfig()


@click.command()
@click.option("--servers", type=int, default=DEFAULT.servers, show_default=True)
@click.option("--bad-servers", type=int, default=DEFAULT.bad_servers, show_default=True)
@click.option("--rounds", type=click.IntRange(min=1), default=DEFAULT.rounds, show_default=True)
@click.option("--first-bad-round", type=int, default=DEFAULT.first_bad_round, show_default=True)
@click.option(
    "--devices-per-policy", type=int, default=DEFAULT.devices_per_policy, show_default=True
)
@click.option(
    "--mobile-tasks",
    type=click.IntRange(min=1),
    default=DEFAULT.mobile_tasks_per_round,
    show_default=True,
    help="FRESCO tasks of the mobile device per round.",
)
@click.option("--market-every", type=int, default=DEFAULT.market_every, show_default=True)
@click.option("--worlds", type=int, default=DEFAULT.worlds, show_default=True)
@seed_option(DEFAULT.seed)
@click.option(
    "--bad-pick",
    default=DEFAULT.bad_pick,
    show_default=True,
    help="Which servers go bad (never the first, the drone operator's): random, or largest.",
)
@out_option("results/scenario")
@verbose_option
@exit_on_user_error
@on_network()
def cli(
    servers: int,
    bad_servers: int,
    rounds: int,
    first_bad_round: int,
    devices_per_policy: int,
    mobile_tasks: int,
    market_every: int,
    worlds: int,
    seed: int,
    bad_pick: str,
    out: Path,
) -> None:
    from ape import accounts

    config = ScenarioConfig(
        servers=servers,
        bad_servers=bad_servers,
        rounds=rounds,
        devices_per_policy=devices_per_policy,
        first_bad_round=first_bad_round,
        mobile_tasks_per_round=mobile_tasks,
        market_every=market_every,
        worlds=worlds,
        seed=seed,
        bad_pick=bad_pick,
    )
    test_accounts = list(accounts.test_accounts)
    config.check(len(test_accounts))  # before the progress bar: a refusal is one clean line
    with stage_progress() as progress:
        shares = run_scenario(test_accounts, config, out, progress)
    click.echo(f"scenario results in {out}/: {headline_text(shares)}")
