"""One edge, one identity: drones, mobile devices and collaborating edge nodes share one
population of edge servers, some of which go bad over time.

Every server is a reputation node, a DMEC server and a market stakeholder under one address.
A server that has gone bad leaves DMEC tasks unanswered (the registry reports a failure when the
drone reassigns them after the timeout), fails the mobile devices' FRESCO tasks (their reporter
sends the failures in batches) and submits wrong proof-of-work results in the market (detectors
prove it and the market reports it). IoT devices are spread over the five DMEC policies; the
replay measures how many tasks each policy sends to servers that have gone bad, and how every
server's reputation moves.

Block times follow a simulated clock (each transaction's timestamp is set before it is sent),
so latencies, scores and therefore every decision depend on the seed alone, but for the Random
policy's: it draws from prevrandao, which anvil picks at random for every block, so its picks
(and the scores that follow from them) differ from run to run.

The population and its clock are in population.py, the rounds in experiment.py, the files a
reader looks at in report.py, the settings in settings.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgeledger.progress import ProgressCallback
from edgeledger.replays.scenario.experiment import audit_bad_server, run_population
from edgeledger.replays.scenario.report import write_report
from edgeledger.replays.scenario.settings import ScenarioConfig

__all__ = ["ScenarioConfig", "run_scenario"]


def run_scenario(
    accounts: list[Any], config: ScenarioConfig, out: Path, progress: ProgressCallback
) -> dict[str, Any]:
    """Run every population (world), write CSV, plots, the audit of one bad server and a
    summary."""
    config.check(len(accounts))
    total = config.worlds * config.rounds
    populations = []
    for index in range(config.worlds):
        populations.append(run_population(accounts, config, index, progress, total))
        populations[-1].mobile.stop()
    audit = audit_bad_server(populations[-1])
    return write_report(out, config, populations, audit)
