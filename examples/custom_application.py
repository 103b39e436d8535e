"""A custom application file run through a small FRESCO replay on a chain.

examples/custom_application.json describes an application as the built-in ones in
edgeledger/fresco/applications/ do: a deadline, a time constraint per site group, its tasks
(a task type, RAM, whether it may leave the device, the tasks it waits for) and, here, a task
type of its own. The script loads it (load_application checks it and says what is wrong, one
line naming the file), prints its tasks, replays it with FRESCO and SQ EDGE on a chain (each
engine with its own ReputationManager, outcomes reported in one batch per application) and
prints a row per engine and the headline: which engine missed the deadline least often.

    python examples/custom_application.py [--network ethereum:local:foundry]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from edgeledger.chain import on_network
from edgeledger.errors import exit_on_user_error
from edgeledger.fresco.simulator import SimulationConfig
from edgeledger.progress import verbose_option
from edgeledger.replays.fresco import FrescoReplayConfig
from edgeledger.replays.fresco.experiment import replay_run
from edgeledger.replays.fresco.settings import Inputs

APPLICATION = Path(__file__).resolve().parent / "custom_application.json"
CONFIG = FrescoReplayConfig(
    applications=(str(APPLICATION),),
    engines=("FRESCO", "SQ EDGE"),
    runs=1,
    simulation=SimulationConfig(applications=6, towers=12, cells=2),
)


def replay(accounts: list[Any]) -> tuple[Inputs, list[dict[str, Any]]]:
    """The application as loaded, and a row per engine of one replayed run."""
    CONFIG.check()
    inputs = Inputs.load(CONFIG)
    return inputs, replay_run(0, CONFIG, inputs, accounts)


@click.command()
@verbose_option
@exit_on_user_error
@on_network()
def cli() -> None:
    from ape import accounts

    inputs, rows = replay(list(accounts.test_accounts))
    app = inputs.applications[0]
    click.echo(f"{app.name}: deadline {app.deadline_s * 1e3:g} ms, tasks in the order they run:")
    for task in app.tasks:
        where = "may leave the device" if task.offloadable else "stays on the device"
        click.echo(f"  {task.name:<8} {task.type:<9} {where}, after {list(task.after)}")
    click.echo(f"{'engine':<10}{'response ms':>12}{'QoS violations':>16}{'reports on chain':>18}")
    for row in rows:
        response_ms, violations = row["response_s"] * 1e3, row["qos_violation_rate"]
        click.echo(
            f"{row['engine']:<10}{response_ms:>12.1f}{violations:>16.0%}{row['reports_counted']:>18}"
        )
    best = min(rows, key=lambda row: row["qos_violation_rate"])
    click.echo(f"fewest QoS violations: {best['engine']} ({best['qos_violation_rate']:.0%})")


if __name__ == "__main__":
    cli()
