"""A new FRESCO-side offloading engine, compared with two built-in ones; no chain needed.

An engine is any object with a `name` and `decide(view) -> Decision` (the `Engine` protocol of
edgeledger/fresco/engines.py). This one sends each task to the least loaded trusted site: among
the candidates that are up now and whose reputation score is at least MIN_SCORE, the one whose
execution queue is least busy; the device itself when no site qualifies. The simulator runs it
and FRESCO and SQ EDGE through the same seeded world, with reputation kept in Python
(LocalReputation), and the script prints response time and QoS violations per engine.

    python examples/new_engine.py [--seed 7]
"""

from __future__ import annotations

from dataclasses import dataclass

import click
import numpy as np

from edgeledger.fresco.applications import built_in
from edgeledger.fresco.engines import Decision, DecisionView, Engine, SqEdge, fresco
from edgeledger.fresco.simulator import (
    LocalReputation,
    RunResult,
    SimulationConfig,
    build_world,
    simulate,
)
from edgeledger.fresco.sites import SiteKind

MIN_SCORE = 400  # of 1,000: the project's trust bar (a new site starts at 500)
CONFIG = SimulationConfig(applications=8, towers=12, cells=2)


@dataclass
class LeastLoadedTrusted:
    name: str = "LEAST LOADED"

    def decide(self, view: DecisionView) -> Decision:
        remote = view.kind != SiteKind.MOBILE
        usable = np.flatnonzero(view.up_now & remote & (view.reputation >= MIN_SCORE))
        if not view.task.offloadable or not len(usable):
            return Decision(view.infrastructure.mobile)
        busy = view.estimate.stages.exec_rho[usable]  # utilisation of each execution queue
        return Decision(int(view.candidates[usable[np.argmin(busy)]]))


def compare(engines: list[Engine], seed: int, application: str = "mobiar") -> list[RunResult]:
    """Every engine through the same world (built from `seed`), each with fresh scores."""
    app = built_in(application)
    return [simulate(build_world(app, CONFIG, seed), e, LocalReputation(), seed) for e in engines]


def table(results: list[RunResult], deadline_s: float) -> list[tuple[str, float, float, int]]:
    """(engine, mean response ms, QoS violation rate, failed attempts) per engine."""
    return [
        (
            r.engine,
            1e3 * float(np.mean([a.response_s for a in r.applications])),
            float(np.mean([a.response_s > deadline_s for a in r.applications])),
            sum(a.failures for a in r.applications),
        )
        for r in results
    ]


@click.command()
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the world.")
def cli(seed: int) -> None:
    results = compare([LeastLoadedTrusted(), fresco(), SqEdge()], seed)
    click.echo(f"MobiAR, {CONFIG.applications} runs, seed {seed}")
    click.echo(f"{'engine':<14}{'response ms':>12}{'QoS violations':>16}{'failures':>10}")
    for name, response_ms, violations, failures in table(results, built_in("mobiar").deadline_s):
        click.echo(f"{name:<14}{response_ms:>12.1f}{violations:>16.0%}{failures:>10}")


if __name__ == "__main__":
    cli()
