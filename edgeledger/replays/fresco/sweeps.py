"""FRESCO's decision time measured two ways: against the number of candidate sites (every engine
on synthetic views), and with the same decisions on a chain with blocks on demand and on one with
slow blocks, to show they never wait for one.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from edgeledger.chain import anvil_node, connected
from edgeledger.fresco.chain_link import ChainReputation, mirrored_mismatches
from edgeledger.fresco.client import ReputationClient
from edgeledger.fresco.engines import DecisionView, fresco, timed_decide
from edgeledger.fresco.models import Load
from edgeledger.fresco.reputation import SCALE
from edgeledger.fresco.simulator import World, build_world, simulate
from edgeledger.fresco.sites import SiteKind
from edgeledger.progress import ProgressCallback, quiet
from edgeledger.replays.fresco.experiment import deploy_for, engines_named
from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs, world_seed


def decision_time_sweep(
    config: FrescoReplayConfig, inputs: Inputs, progress: ProgressCallback = quiet
) -> list[dict[str, Any]]:
    """Each engine's decision time with n candidate sites in the device's cell (n edge sites
    plus the cloud and the device), over the first application's offloadable tasks."""
    application = inputs.applications[0]
    rng = np.random.default_rng(config.seed)
    rows = []
    engines = engines_named(config.engines)
    limits = {"MDP": config.mdp_sweep_limit, "Q-learning": config.q_learning_sweep_limit}
    total = len(config.sweep_sites) * len(engines)
    progress("decision time", 0, total)
    for size_index, sites in enumerate(config.sweep_sites):
        simulation = replace(config.simulation, towers=sites, cells=1, applications=1)
        world = build_world(application, simulation, config.seed + sites)
        infrastructure = world.infrastructure
        candidates = infrastructure.candidates(0)
        tasks = [t for t in world.tasks[0] if t.offloadable]
        for engine_index, engine in enumerate(engines):
            if sites > limits.get(engine.name, sites):
                continue
            times = []
            for i in range(config.sweep_decisions):
                view = _sweep_view(world, candidates, tasks[i % len(tasks)], rng)
                times.append(timed_decide(engine, view)[1])
            rows.append(
                {
                    "engine": engine.name,
                    "sites": sites,
                    **decision_time_ms(times),
                }
            )
            progress("decision time", size_index * len(engines) + engine_index + 1, total)
    return rows


def decision_time_ms(seconds: list[float]) -> dict[str, float]:
    """How many decisions, and their p50, mean and p95 in milliseconds."""
    ms = 1e3 * np.asarray(seconds)
    return {
        "decisions": len(ms),
        "p50_ms": float(np.median(ms)),
        "mean_ms": float(ms.mean()),
        "p95_ms": float(np.percentile(ms, 95)),
    }


def _sweep_view(
    world: World, candidates: np.ndarray, task: Any, rng: np.random.Generator
) -> DecisionView:
    infrastructure = world.infrastructure
    local = infrastructure.kind[candidates] == SiteKind.MOBILE
    return DecisionView(
        task=task,
        candidates=candidates,
        infrastructure=infrastructure,
        load=Load.draw(infrastructure, rng),
        used_storage_gb=np.zeros(infrastructure.size),
        parameters=world.config.parameters,
        time_constraint_s=world.time_constraint_s(candidates),
        deadline_left_s=world.application.deadline_s,
        battery_left_j=world.config.parameters.battery_j,
        up_now=local | (rng.random(len(candidates)) < 0.64),
        reputation=np.where(local, SCALE, rng.integers(0, SCALE + 1, len(candidates))),
        observed_up_share=np.where(local, 1.0, rng.uniform(0.3, 1.0, len(candidates))),
        previous_site=infrastructure.mobile,
        device_xy_km=infrastructure.center_of(0),
        rng=rng,
    )


def block_time_comparison(
    accounts: list[Any],
    config: FrescoReplayConfig,
    inputs: Inputs,
    progress: ProgressCallback = quiet,
) -> list[dict[str, Any]]:
    """FRESCO's decision times for the same world on the connected chain (blocks on demand)
    and on a fresh anvil with `block_time_s` blocks, where the client sends its batches from
    its background thread; plus how long the chain took to count them."""
    application = inputs.applications[0]
    simulation = replace(config.simulation, applications=config.block_time_applications)
    seed = world_seed(config, 0, 0)
    world = build_world(application, simulation, seed, inputs.towers_km, inputs.trace)
    rows = []
    progress("4 s blocks", 0, 2)
    for label, block_time in (
        ("instant", None),
        (f"{config.block_time_s:g} s", config.block_time_s),
    ):
        if block_time is None:
            rows.append(_timed_fresco(world, accounts, seed, label, background=False))
        else:
            with anvil_node(block_time_s=block_time) as node, connected(node.network_choice):
                from ape import accounts as ape_accounts

                chain_accounts = list(ape_accounts.test_accounts)
                rows.append(_timed_fresco(world, chain_accounts, seed, label, background=True))
        progress("4 s blocks", len(rows), 2)
    return rows


def _timed_fresco(
    world: World, accounts: list[Any], seed: int, label: str, background: bool
) -> dict[str, Any]:
    contract, nodes = deploy_for(world, accounts[0], accounts[1])
    client = ReputationClient(contract, accounts[1], nodes, batch_size=256, flush_interval_s=0.5)
    engine = fresco()
    started = time.perf_counter()
    if background:
        client.start()
    result = simulate(world, engine, ChainReputation(client, nodes, background), seed + 1)
    simulated_wall_s = time.perf_counter() - started
    client.stop()  # sends what is left and waits for it
    decisions = [t for app in result.applications for t in app.decision_times_s]
    return {
        "chain": label,
        **decision_time_ms(decisions),
        "simulation_wall_s": simulated_wall_s,
        "until_counted_wall_s": time.perf_counter() - started,
        "reports_counted": len(client.counted),
        "batches": client.transactions,
        "score_mismatches": mirrored_mismatches(contract, client, nodes),
    }
