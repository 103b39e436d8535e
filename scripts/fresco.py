"""`ape run fresco`: FRESCO's evaluation replayed on a local chain. Every application x every
decision engine, reputation on a deployed ReputationManager, decision time against the number
of sites, and the same decisions on a chain with 4 s blocks. Writes CSV, PNG and summary.md to
--out. `--paper` runs the paper's sizes (100 applications x 100 runs) on both cores.

Finished (run, application, engine) units are kept in --out's units.jsonl until every output is
written: after a crash, the same command resumes where it stopped."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from edgeledger.chain import on_network
from edgeledger.cli import counts, out_option, ray_option, seed_option, workers_option
from edgeledger.errors import EdgeledgerError, exit_on_user_error
from edgeledger.fresco.applications import BUILT_IN
from edgeledger.fresco.engines import ENGINE_NAMES
from edgeledger.progress import headline_text, stage_progress, verbose_option
from edgeledger.replays.fresco import FrescoReplayConfig, Inputs, run_fresco_replay
from edgeledger.replays.fresco.ablation import run_ablation
from edgeledger.replays.fresco.sensitivity import run_sensitivity
from edgeledger.replays.fresco.settings import MODELS, with_model, with_settings

DEFAULT = FrescoReplayConfig()
SWEEP_RUNS, SWEEP_APPLICATIONS = 10, 20  # --ablation and --sensitivity


@click.command()
@click.option(
    "--paper", is_flag=True, help="The paper's sizes: 100 applications x 100 runs, 2 workers."
)
@click.option("--runs", type=int, help=f"Independent runs [default: {DEFAULT.runs}].")
@click.option(
    "--applications",
    type=int,
    help=f"Applications per run, in sequence [default: {DEFAULT.simulation.applications}].",
)
@click.option(
    "--app",
    "apps",
    multiple=True,
    help=f"An application: {', '.join(BUILT_IN)} or a JSON file (repeat; default: all three).",
)
@click.option(
    "--engine",
    "engines",
    multiple=True,
    help=f"Engines to run (repeat): {', '.join(ENGINE_NAMES)} [default: all but Q-learning].",
)
@click.option("--towers", type=int, help=f"Edge sites [default: {DEFAULT.simulation.towers}].")
@click.option("--cells", type=int, help=f"Cells [default: {DEFAULT.simulation.cells}].")
@click.option(
    "--towers-file",
    type=click.Path(path_type=Path),
    help="CSV with longitude,latitude columns (real towers; --towers of them are drawn).",
)
@click.option(
    "--availability-trace",
    type=click.Path(path_type=Path),
    help="An .avt availability trace (e.g. ../shared/data/skype-availability.avt).",
)
@workers_option("Processes, each with its own anvil, each taking the next run.")
@ray_option
@click.option("--sweep-sites", help="Site counts for the decision-time sweep, e.g. 10,100,1000.")
@click.option(
    "--model",
    type=click.Choice(MODELS),
    default="paper",
    show_default=True,
    help="paper: FRESCO's tables and equations as written; authors: what the FRESCO authors' "
    'code does (README "Two models").',
)
@click.option(
    "--ablation",
    is_flag=True,
    help="Instead of the replay: what each departure of the authors' code adds to FRESCO's "
    "and MDP's mean response (ablation.csv/md/png; 10 runs x 20 applications unless given).",
)
@click.option(
    "--sensitivity",
    is_flag=True,
    help="Instead of the replay: FRESCO against its weights (α, β, γ over the simplex, step "
    "0.2) and k (sensitivity.csv/md/png; 10 runs x 20 applications unless given).",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Change one model parameter or simulation setting (repeat), e.g. --set battery_j=500; "
    "a wrong name lists them all.",
)
@seed_option(DEFAULT.seed)
@click.option(
    "--node-wait",
    type=float,
    default=DEFAULT.node_wait_s,
    show_default=True,
    help="Seconds to wait for a node that stopped answering before giving up (rerun to resume).",
)
@out_option("results/fresco")
@verbose_option
@exit_on_user_error
@on_network()
def cli(
    paper: bool,
    runs: int | None,
    applications: int | None,
    apps: tuple[str, ...],
    engines: tuple[str, ...],
    towers: int | None,
    cells: int | None,
    towers_file: Path | None,
    availability_trace: Path | None,
    workers: int | None,
    ray_address: str | None,
    sweep_sites: str | None,
    model: str,
    ablation: bool,
    sensitivity: bool,
    settings: tuple[str, ...],
    seed: int,
    node_wait: float,
    out: Path,
) -> None:
    from ape import accounts

    config = with_model(FrescoReplayConfig.paper() if paper else FrescoReplayConfig(), model)
    simulation = config.simulation
    if ablation and sensitivity:
        raise EdgeledgerError("--ablation and --sensitivity are two runs: choose one")
    if ablation or sensitivity:  # their own quick sizes: tens of variants of every run
        runs = SWEEP_RUNS if runs is None else runs
        applications = SWEEP_APPLICATIONS if applications is None else applications
    simulation = replace(
        simulation,
        applications=applications if applications is not None else simulation.applications,
        towers=towers if towers is not None else simulation.towers,
        cells=cells if cells is not None else simulation.cells,
    )
    simulation = with_settings(simulation, settings)
    config = replace(
        config,
        simulation=simulation,
        runs=runs if runs is not None else config.runs,
        applications=apps or config.applications,
        engines=engines or config.engines,
        towers_path=towers_file,
        trace_path=availability_trace,
        workers=workers if workers is not None else config.workers,
        sweep_sites=counts(sweep_sites, "--sweep-sites") if sweep_sites else config.sweep_sites,
        seed=seed,
        node_wait_s=node_wait,
        ray=ray_address,
    )
    # Before the progress bar: a refusal is one clean line.
    config.check()
    inputs = Inputs.load(config)
    if ablation or sensitivity:
        sweep, name = (run_ablation, "ablation") if ablation else (run_sensitivity, "sensitivity")
        with stage_progress() as progress:
            sweep(config, out, progress)
        click.echo(f"FRESCO {name} in {out}/{name}.md ({name}.csv, {name}.png)")
        return
    with stage_progress() as progress:
        headline = run_fresco_replay(list(accounts.test_accounts), config, out, progress, inputs)
    click.echo(f"FRESCO results in {out}/: {headline_text(headline)}")
