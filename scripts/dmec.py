"""`ape run dmec`: the DMEC replay (gas vs tasks and servers, latency, an audit example)."""

from __future__ import annotations

from pathlib import Path

import click

from edgeledger.chain import on_network
from edgeledger.cli import counts, out_option, ray_option, seed_option, workers_option
from edgeledger.errors import exit_on_user_error
from edgeledger.progress import headline_text, stage_progress, verbose_option
from edgeledger.replays.dmec import PAPER, DmecReplayConfig, run_dmec_replay
from edgeledger.replays.ray_units import check_ray_address


@click.command()
@click.option("--paper", is_flag=True, help="The paper's sizes: n up to 100, 20 repetitions.")
@click.option("--tasks", "task_counts", help="Task counts n, e.g. 1,10,50.")
@click.option("--servers", "server_counts", help="Server counts m, e.g. 3,16,64.")
@click.option("--repetitions", type=click.IntRange(min=1))
@click.option("--latency-tasks", type=click.IntRange(min=1))
@click.option("--block-time", type=click.FloatRange(min=0.1), help="Seconds per block.")
@workers_option("Processes for the gas experiment's repetitions, each with an anvil of its own.")
@ray_option
@seed_option(DmecReplayConfig().seed)
@out_option("results/dmec")
@verbose_option
@exit_on_user_error
@on_network()
def cli(
    paper: bool,
    task_counts: str | None,
    server_counts: str | None,
    repetitions: int | None,
    latency_tasks: int | None,
    block_time: float | None,
    workers: int | None,
    ray_address: str | None,
    seed: int,
    out: Path,
) -> None:
    from ape import accounts

    base = PAPER if paper else DmecReplayConfig()
    config = DmecReplayConfig(
        task_counts=counts(task_counts, "--tasks") if task_counts else base.task_counts,
        repetitions=repetitions or base.repetitions,
        server_counts=counts(server_counts, "--servers") if server_counts else base.server_counts,
        tasks_per_server_count=base.tasks_per_server_count,
        latency_tasks=latency_tasks or base.latency_tasks,
        block_time_s=block_time or base.block_time_s,
        seed=seed,
        workers=workers or base.workers,
        ray=ray_address,
    )
    if ray_address is not None:
        check_ray_address(ray_address)  # before the progress bar: one clean line
    with stage_progress() as progress:
        headline = run_dmec_replay(list(accounts.test_accounts), config, out, progress)
    click.echo(f"DMEC results in {out}/: {headline_text(headline)}")
