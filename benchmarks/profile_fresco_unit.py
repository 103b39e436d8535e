"""Where a FRESCO `--paper` unit spends its time: the chain, Z3, SimPy or the rest of Python.

One unit (one run, one application, one engine, at the paper's 100 applications) runs on its own
anvil under cProfile, after the same unit ran once unprofiled (as every unit but the first of a
long run, it finds imports and caches warm). Every function's own time is put in the part its
code belongs to, and the time of a built-in or of the standard library (a socket read, a lock
wait) in the part of whatever called it, so the parts add up to the unit's time.
By hand, never in CI:

    python benchmarks/profile_fresco_unit.py [--application mobiar] [--engine FRESCO] [--top 12]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from dataclasses import replace
from typing import Any

# Where each part's code lives; the first match of a function's file wins. "chain" is every
# layer between a transaction and the node: ape, web3, eth-*, the HTTP client, the socket.
PARTS = (
    ("Z3", ("/z3/",)),
    ("SimPy", ("/simpy/",)),
    (
        "chain",
        (
            "/ape/",
            "/ape_",
            "/web3/",
            "/eth_",
            "/eth/",
            "/hexbytes/",
            "/requests/",
            "/urllib3/",
            "/http/",
            "/socket.py",
            "/ssl.py",
            "/pydantic",
            "/evm_trace/",
            "/ethpm_types/",
            "/edgeledger/chain.py",
            "/edgeledger/driver.py",
            "/edgeledger/fresco/client.py",
            "/edgeledger/fresco/chain_link.py",
            "/edgeledger/deploy.py",
        ),
    ),
)


STANDARD_LIBRARY = f"/lib/python{sys.version_info.major}.{sys.version_info.minor}/"


def part_of(filename: str) -> str | None:
    """The part a code file belongs to; None for a built-in or the standard library (the
    part of whatever called it decides)."""
    outside = filename == "~" or filename.startswith("<") or STANDARD_LIBRARY in filename
    if outside and "site-packages" not in filename:
        return None
    for part, markers in PARTS:
        if any(marker in filename for marker in markers):
            return part
    return "Python"


def parts(stats: pstats.Stats) -> dict[str, float]:
    """Seconds of own time per part. A function of no part (a built-in, the standard library)
    has its time shared among its callers by how often each called it, up the call graph until
    a caller of some part takes it (a cycle of such functions counts as Python)."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    shares: dict[Any, dict[str, float]] = {}

    def share(function: Any, seen: frozenset[Any]) -> dict[str, float]:
        if function in shares:
            return shares[function]
        part = part_of(function[0])
        callers = {c: v[1] for c, v in table[function][4].items() if c in table}
        if part is not None or not callers or function in seen:
            found = {part or "Python": 1.0}
        else:
            found = defaultdict(float)
            calls = sum(callers.values()) or 1
            for caller, count in callers.items():
                for name, fraction in share(caller, seen | {function}).items():
                    found[name] += fraction * count / calls
        if function not in seen:
            shares[function] = dict(found)
        return dict(found)

    totals: dict[str, float] = defaultdict(float)
    for function, (_cc, _nc, own, _cumulative, _callers) in table.items():
        for name, fraction in share(function, frozenset()).items():
            totals[name] += own * fraction
    return dict(totals)


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--application", default="mobiar")
    arguments.add_argument("--engine", default="FRESCO")
    arguments.add_argument("--run", type=int, default=0)
    arguments.add_argument("--top", type=int, default=12, help="functions listed by own time")
    options = arguments.parse_args()

    from edgeledger.fresco.simulator import build_world
    from edgeledger.replays.fresco.experiment import _replay_unit, engines_named
    from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs, world_seed
    from edgeledger.replays.units import own_node

    config = replace(FrescoReplayConfig.paper(), applications=(options.application,), workers=1)
    inputs = Inputs.load(config)
    (engine,) = engines_named([options.engine])
    application = inputs.applications[0]
    seed = world_seed(config, options.run, 0)
    world = build_world(application, config.simulation, seed, inputs.towers_km, inputs.trace)
    with own_node() as accounts:
        # A unit first, unprofiled: imports, compiled contract types and caches are what every
        # later unit of a long run finds ready.
        _replay_unit(options.run, application, world, seed, engine, accounts, None)
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        row = _replay_unit(options.run, application, world, seed, engine, accounts, None)
        profile.disable()
        wall = time.perf_counter() - start
    stats = pstats.Stats(profile)
    totals = parts(stats)
    counted = sum(totals.values())
    print(
        f"one unit: run {options.run}, {application.name}, {engine.name}, "
        f"{config.simulation.applications} applications, {row['batches']} report batches, "
        f"{row['decisions']} decisions: {wall:.1f} s wall ({counted:.1f} s profiled)"
    )
    print("| part | s | share |\n|---|---|---|")
    for part, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"| {part} | {seconds:.2f} | {seconds / counted:.0%} |")
    print()
    stats.sort_stats("tottime").print_stats(options.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
