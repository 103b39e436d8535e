"""FRESCO's evaluation on the chain: every application x every engine over the same worlds, a
row per unit (run, application, engine).

A unit deploys its own ReputationManager with every remote site registered (so every engine
starts from the same scores), sends its outcomes in one batch per application through the
reputation client, and checks the on-chain scores against the Python mirror of what was counted.
Finished units go to the journal (edgeledger/replays/units.py): a replay whose node stops
answering waits for it, then runs the unit it was in again on a new contract; a replay whose own
process died resumes from the journal. No unit is lost, and none counted twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from edgeledger.chain import code_at, fresh_nonce, node_answers, state_taken_back
from edgeledger.deploy import deploy_reputation
from edgeledger.driver import ChainDriver
from edgeledger.errors import EdgeledgerError, first_line
from edgeledger.ethereum import synthetic_address
from edgeledger.fresco.applications import Application
from edgeledger.fresco.chain_link import ChainReputation, driver_transport, mirrored_mismatches
from edgeledger.fresco.client import ReputationClient
from edgeledger.fresco.engines import Engine, all_engines
from edgeledger.fresco.simulator import RunResult, World, build_world, simulate
from edgeledger.progress import ProgressCallback, quiet
from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs, world_seed
from edgeledger.replays.fresco.variants import outcome_row
from edgeledger.replays.units import (
    MAX_NODE_LOSSES,
    NodeLost,
    UnitJournal,
    failure_line,
    in_workers,
    own_node,
    process_node,
    through_node_losses,
)

NODE_TAG = 0xF5E5C0  # synthetic node addresses: sites never send transactions


def node_addresses(world: World) -> list[str]:
    return [synthetic_address(NODE_TAG, int(s)) for s in world.infrastructure.remote]


def deploy_for(world: World, agent: Any, reporter: Any) -> tuple[Any, list[str]]:
    """A ReputationManager with every remote site of `world` registered; `reporter` reports."""
    contract = deploy_reputation(agent)
    contract.grantRole(contract.REPORTER_ROLE(), reporter, sender=agent)
    nodes = node_addresses(world)
    # One transaction for them all (indices follow the list): 41 sent one by one took 0.9 s of
    # every unit, and a block each on a chain with slow blocks.
    contract.registerNodes(nodes, sender=agent)
    return contract, nodes


Inspect = Callable[[str, RunResult, Any, ReputationClient], None]
UnitKey = tuple[int, str, str]  # (run, application, engine)
RayUnit = tuple[int, int, str]  # (run, application's index in the inputs, engine)


def unit_journal(path: Path, config: FrescoReplayConfig) -> UnitJournal:
    """The journal of `config`'s units: its settings (but the number of workers, the node
    wait and where Ray runs, which change no result), each unit named by (run, application,
    engine)."""
    settings = repr(replace(config, workers=1, node_wait_s=0.0, ray=None))
    return UnitJournal(path, settings, lambda row: (row["run"], row["application"], row["engine"]))


def replay_run(
    run: int,
    config: FrescoReplayConfig,
    inputs: Inputs,
    accounts: list[Any],
    inspect: Inspect | None = None,
    journal: UnitJournal | None = None,
) -> list[dict[str, Any]]:
    """Every application and engine of run `run` on the connected chain; a row per unit,
    taken from `journal` if it holds that unit. `inspect(engine, result, contract, client)`
    sees each unit's chain once its outcomes are counted."""
    rows = []
    engines = engines_named(config.engines)
    for a, application in enumerate(inputs.applications):
        seed = world_seed(config, run, a)
        world: World | None = None
        for engine in engines:
            key = (run, application.name, engine.name)
            if journal is not None and key in journal.done:
                rows.append(journal.done[key])
                continue
            world = world or world_of(run, a, config, inputs)
            row = through_node_losses(
                partial(_replay_unit, run, application, world, seed, engine, accounts, inspect),
                f"run {run}, {application.name}, {engine.name}",
                config.node_wait_s,
            )
            if journal is not None:
                journal.add(row)
            rows.append(row)
    return rows


def world_of(run: int, application: int, config: FrescoReplayConfig, inputs: Inputs) -> World:
    """The world every engine of (run, application) is replayed on."""
    seed = world_seed(config, run, application)
    return build_world(
        inputs.applications[application], config.simulation, seed, inputs.towers_km, inputs.trace
    )


def ray_unit(key: RayUnit, config: FrescoReplayConfig, inputs: Inputs) -> dict[str, Any]:
    """A unit as a Ray task runs it: on its worker process's own anvil. A node that let the
    unit down is replaced (process_node) and the unit runs again: nobody would restart it."""
    run, application, engine_name = key
    [engine] = engines_named([engine_name])
    world = world_of(run, application, config, inputs)
    app = inputs.applications[application]
    seed = world_seed(config, run, application)
    for _ in range(MAX_NODE_LOSSES):
        try:
            return _replay_unit(run, app, world, seed, engine, process_node(), None)
        except NodeLost:
            continue
    raise EdgeledgerError(f"run {run}, {app.name}, {engine_name}: its node failed every time")


def _replay_unit(
    run: int,
    application: Application,
    world: World,
    seed: int,
    engine: Engine,
    accounts: list[Any],
    inspect: Inspect | None,
) -> dict[str, Any]:
    """One engine on one world, on a contract of its own; raises NodeLost if the node let it
    down (the unit can then run again from the start: the simulation is seeded)."""
    agent, reporter = accounts[0], accounts[1]
    contract = None
    try:
        # Each unit's contract and reports leave the node with it: a node that kept them all
        # made every later block slower (state_taken_back).
        with state_taken_back() as taken_back:
            if taken_back:
                fresh_nonce(agent)  # the unit's contract at an address of its own
            contract, nodes = deploy_for(world, agent, reporter)
            # The client's reads and batches go through the chain driver: a hundred flushes.
            driver = ChainDriver()
            transport = driver_transport(driver, contract, reporter)
            client = ReputationClient(
                driver.view(contract), reporter, nodes, batch_size=256, transport=transport
            )
            result = simulate(world, engine, ChainReputation(client, nodes), seed + 1)
            client.flush()  # what a flush during the simulation could not send
            if client.pending:
                raise NodeLost(f"{len(client.pending)} reports unsent: {client.last_error}")
            sent = client.counted[-1].task_id if client.counted else 0
            if int(contract.lastTaskId(reporter)) != sent:
                raise NodeLost("the node forgot counted reports")
            mismatches = mirrored_mismatches(contract, client, nodes)
            if inspect is not None:
                inspect(engine.name, result, contract, client)
    except NodeLost:
        raise
    except Exception as error:
        # Gone, or back from a state older than this unit's contract; anything else is a bug.
        if not node_answers() or (contract is not None and not code_at(contract.address)):
            raise NodeLost(first_line(error)) from error
        raise
    return _run_row(run, application, result, client, mismatches)


def engines_named(names: Sequence[str]) -> list[Engine]:
    return [engine for engine in all_engines() if engine.name in names]


def _run_row(
    run: int,
    application: Application,
    result: RunResult,
    client: ReputationClient,
    mismatches: int,
) -> dict[str, Any]:
    return {
        **outcome_row(run, application, result),
        "reports_counted": len(client.counted),
        "batches": client.transactions,
        "score_mismatches": mismatches,
    }


def replay_runs(
    accounts: list[Any],
    config: FrescoReplayConfig,
    inputs: Inputs,
    progress: ProgressCallback = quiet,
    journal_path: Path | None = None,
) -> list[dict[str, Any]]:
    """Every run, on the connected chain (workers = 1), on one anvil per worker process, or
    unit by unit on Ray (`config.ray`); with `journal_path`, finished units are kept there and
    those it already holds skipped."""
    if config.ray is not None:
        return _on_ray(config, inputs, progress, journal_path)
    if config.workers > 1:
        work = partial(_worker, config=config, journal_path=journal_path)
        done = in_workers(work, list(range(config.runs)), config.workers, "FRESCO runs", progress)
        return sorted(
            (row for rows in done for row in rows), key=lambda r: (r["run"], r["application"])
        )
    rows: list[dict[str, Any]] = []
    progress("FRESCO runs", 0, config.runs)
    journal = None if journal_path is None else unit_journal(journal_path, config)
    for run in range(config.runs):
        rows += replay_run(run, config, inputs, accounts, journal=journal)
        progress("FRESCO runs", run + 1, config.runs)
    return rows


def _worker(
    runs: Iterable[int], results: Any, config: FrescoReplayConfig, journal_path: Path | None
) -> None:
    """One process: its own anvil, the runs it takes, a message per run (rows, or a failure
    line)."""
    try:
        with own_node() as accounts:
            inputs = Inputs.load(config)
            journal = None if journal_path is None else unit_journal(journal_path, config)
            for run in runs:
                results.put(replay_run(run, config, inputs, accounts, journal=journal))
    except Exception as error:  # reported to the parent as one line
        results.put(failure_line(error))


def _on_ray(
    config: FrescoReplayConfig,
    inputs: Inputs,
    progress: ProgressCallback,
    journal_path: Path | None,
) -> list[dict[str, Any]]:
    """Every unit as a Ray task (config.ray: "auto" or a cluster's address); the journal is
    kept here, on the machine that runs the command, as each unit comes back."""
    from edgeledger.replays.ray_units import on_ray  # Ray only when asked for

    assert config.ray is not None
    journal = None if journal_path is None else unit_journal(journal_path, config)
    engines = [engine.name for engine in engines_named(config.engines)]
    units: list[RayUnit] = [
        (run, a, engine)
        for run in range(config.runs)
        for a in range(len(inputs.applications))
        for engine in engines
    ]

    def named(unit: RayUnit) -> UnitKey:
        return unit[0], inputs.applications[unit[1]].name, unit[2]

    rows = (
        {}
        if journal is None
        else {u: journal.done[named(u)] for u in units if named(u) in journal.done}
    )
    todo = [unit for unit in units if unit not in rows]
    work = partial(ray_unit, config=config, inputs=inputs)
    # Nothing left (every unit journaled): no Ray to start or reach.
    for finished in on_ray(config.ray, work, todo, "FRESCO units", progress) if todo else []:
        if journal is not None:
            journal.add(finished.result)
        rows[finished.item] = finished.result
    return [rows[unit] for unit in units]
