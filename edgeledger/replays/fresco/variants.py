"""A FRESCO model variant's run without the chain, for the sweeps over the model itself
(`--ablation`, `--sensitivity`): the simulator with the contract's arithmetic in Python
(LocalReputation). The replay checks after every unit that the chain's scores equal it, so the
chain would change no row of these sweeps, only the time they take."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.fresco.applications import Application
from edgeledger.fresco.engines import all_engines
from edgeledger.fresco.simulator import LocalReputation, RunResult, build_world, simulate
from edgeledger.fresco.sites import SiteKind
from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs, world_seed

KIND_LABELS = [kind.name for kind in SiteKind]


def outcome_row(run: int, application: Application, result: RunResult) -> dict[str, Any]:
    """What one engine's run of one application came to: the replay's measures per run."""
    apps = result.applications
    decisions = [t for app in apps for t in app.decision_times_s]
    placements = np.bincount([p for app in apps for p in app.placements], minlength=len(SiteKind))
    row: dict[str, Any] = {
        "application": application.name,
        "engine": result.engine,
        "run": run,
        "response_s": float(np.mean([app.response_s for app in apps])),
        "qos_violation_rate": float(
            np.mean([app.response_s > application.deadline_s for app in apps])
        ),
        "battery_lifetime": result.battery_lifetime,
        "energy_j": float(sum(app.energy_j for app in apps)),
        "cost": float(sum(app.cost for app in apps)),
        "failures": sum(app.failures for app in apps),
        "fallbacks": sum(app.fallbacks for app in apps),
        "decisions": len(decisions),
        "decision_ms_mean": 1e3 * float(np.mean(decisions)) if decisions else 0.0,
        "decision_ms_p50": 1e3 * float(np.median(decisions)) if decisions else 0.0,
    }
    row.update(
        {f"placed_{label}": int(n) for label, n in zip(KIND_LABELS, placements, strict=True)}
    )
    return row


def local_rows(
    variant: FrescoReplayConfig, app_index: int, run: int, engines: tuple[str, ...]
) -> list[dict[str, Any]]:
    """`engines` on `variant`'s world for (run, application): a row each. The world's seed is
    the replay's, so every variant of one config meets the same worlds."""
    inputs = _inputs(variant.model, variant.applications, variant.towers_path, variant.trace_path)
    application = inputs.applications[app_index]
    world = build_world(
        application,
        variant.simulation,
        world_seed(variant, run, app_index),
        inputs.towers_km,
        inputs.trace,
    )
    named = {engine.name: engine for engine in all_engines()}
    return [
        outcome_row(run, application, simulate(world, named[name], LocalReputation(), run))
        for name in engines
    ]


@lru_cache(maxsize=4)
def _inputs(
    model: str, applications: tuple[str, ...], towers: Path | None, trace: Path | None
) -> Inputs:
    """What a variant's runs read, loaded once a process for each model (a worker runs
    hundreds of units on the same files, the trace among them)."""
    return Inputs.load(
        FrescoReplayConfig(
            model=model, applications=applications, towers_path=towers, trace_path=trace
        )
    )
