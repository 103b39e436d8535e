"""`ape run demo` (`make demo`): deploy every contract and run every replay at its quick default
(DMEC, BlockEdge, the one-identity scenario and the FRESCO offloading replay).

A replay that finished is not run again by the next `make demo` while its settings and the code
are the same (its folder holds a stage.json that says so); one that died is run again, and the
FRESCO replay resumes from its finished units. `--fresh` runs everything again."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from edgeledger.chain import on_network, on_young_chain
from edgeledger.cli import out_option
from edgeledger.deploy import deploy_all
from edgeledger.errors import exit_on_user_error
from edgeledger.progress import ProgressCallback, headline_text, stage_progress, verbose_option
from edgeledger.replays.blockedge import BlockedgeReplayConfig, run_blockedge_replay
from edgeledger.replays.dmec import DmecReplayConfig, run_dmec_replay
from edgeledger.replays.fresco import FrescoReplayConfig, run_fresco_replay
from edgeledger.replays.scenario import ScenarioConfig, run_scenario
from edgeledger.reports import markdown_table
from edgeledger.stages import Stage, code_commit, finished_earlier, run_stages


def demo_stages(accounts: list[Any], progress: ProgressCallback) -> list[Stage]:
    """Every replay at its quick default, in the order `make demo` runs them, each on the chain
    as the deployment left it (`on_young_chain`)."""
    dmec, blockedge = DmecReplayConfig(), BlockedgeReplayConfig()
    scenario, fresco = ScenarioConfig(), FrescoReplayConfig()
    stages = [
        Stage("DMEC", "dmec", dmec, lambda d: run_dmec_replay(accounts, dmec, d, progress)),
        Stage(
            "BlockEdge",
            "blockedge",
            blockedge,
            lambda d: run_blockedge_replay(accounts, blockedge, d, progress),
        ),
        Stage(
            "one identity",
            "scenario",
            scenario,
            lambda d: {
                "share of tasks to bad servers": run_scenario(accounts, scenario, d, progress)
            },
        ),
        Stage(
            "FRESCO", "fresco", fresco, lambda d: run_fresco_replay(accounts, fresco, d, progress)
        ),
    ]
    return [replace(stage, run=on_young_chain(stage.run)) for stage in stages]


@click.command()
@out_option("results")
@click.option(
    "--fresh", is_flag=True, help="Run every replay again, also those finished with this code."
)
@verbose_option
@exit_on_user_error
@on_network()
def cli(out: Path, fresh: bool) -> None:
    from ape import accounts, chain

    test_accounts = list(accounts.test_accounts)
    deployment = deploy_all(test_accounts[0])
    out.mkdir(parents=True, exist_ok=True)
    (out / "deployment.json").write_text(
        json.dumps({"chain_id": chain.chain_id, "contracts": deployment.addresses()}, indent=2)
    )
    click.echo(
        f"deployed {len(deployment.addresses())} contracts on local chain {chain.chain_id}; "
        f"code {code_commit()}"
    )
    with stage_progress() as progress:
        stages = demo_stages(test_accounts, progress)
        kept = [] if fresh else finished_earlier(stages, out)
        if kept:
            click.echo(
                f"resuming: {', '.join(kept)} finished earlier with these settings and this code "
                "(kept; --fresh runs them again)"
            )
        outcomes = list(run_stages(stages, out, fresh))
    rows = [
        [o.stage.name + (" (kept)" if o.kept else ""), headline_text(o.headline), f"{o.folder}/"]
        for o in outcomes
    ]
    click.echo(markdown_table(["replay", "headline", "files"], rows))
