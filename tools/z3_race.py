"""Reproduce the Z3 segmentation fault of `make demo` (issue 17), and show it gone.

The crash: FRESCO decisions run Z3 on the main thread; a simulation leaves its engine (and so its
Z3 solver) in cyclic garbage; the collector runs in whichever thread allocates, so another
thread could free that solver inside the collector while the main thread was inside a Z3 call
on the same context (`edgeledger/fresco/smt.py` says why, and the rule that now prevents it).

Each attempt is a child process that does what the demo's FRESCO stage does, for `--seconds`:

- `--load replay` (default): the replay's own runs (`replay_run`, fresh engines every run, a
  ReputationManager per unit) on an anvil of its own, under the demo's progress bars (rich's
  refresh thread) and ape's threads;
- `--load simulate`: the same runs without the chain (the Python mirror of the contract);

with `--churn`, one more thread that allocates all the time (the collector then runs there
often: a crash within seconds on the old code), and with `--hog`, a CPU hog process beside it
that stops by itself when the attempt ends. The parent counts how attempts ended: finished,
crashed (killed by a signal), hung (no end within the grace time; heap corruption can deadlock)
or failed (any other exit). Exit code 1 if any attempt did not finish.

    python tools/z3_race.py --attempts 20 --seconds 60
    PYTHONPATH=/path/to/an/older/checkout python tools/z3_race.py ...   # the code before a fix
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edgeledger.progress import ProgressCallback
    from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs

GRACE_S = 120.0  # beyond --seconds: a run of units still finishing, the node stopping


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--load", choices=("replay", "simulate"), default="replay")
    parser.add_argument("--churn", action="store_true", help="a thread that allocates all along")
    parser.add_argument("--hog", action="store_true", help="a CPU hog process beside each attempt")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return attempt(args.load, args.seconds, args.churn, args.hog)

    import edgeledger

    print(f"code under test: {os.path.dirname(edgeledger.__file__)}", flush=True)
    endings: Counter[str] = Counter()
    command = [sys.executable, __file__, "--child", "--load", args.load]
    command += ["--seconds", str(args.seconds)] + ["--churn"] * args.churn + ["--hog"] * args.hog
    for number in range(1, args.attempts + 1):
        started = time.monotonic()
        ending, tail = run_attempt(command, args.seconds + GRACE_S)
        endings[ending] += 1
        print(
            f"attempt {number}/{args.attempts}: {ending} after {time.monotonic() - started:.0f} s"
            + (f" ({tail})" if tail else ""),
            flush=True,
        )
    total = sum(endings.values())
    print(
        f"{total} attempts of {args.seconds:g} s ({args.load}"
        + (", churn" if args.churn else "")
        + (", hog" if args.hog else "")
        + "): "
        + ", ".join(f"{endings[k]} {k}" for k in ("finished", "crashed", "hung", "failed"))
    )
    return 0 if endings["finished"] == total else 1


def run_attempt(command: list[str], limit_s: float) -> tuple[str, str]:
    """Run one child; how it ended, and the line that says where if it did not finish."""
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        output, _ = child.communicate(timeout=limit_s)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return "hung", ""
    finally:
        _kill_group(child.pid)  # whatever the child left behind (its node, its hog)
    text = output.decode(errors="replace")
    if child.returncode == 0:
        return "finished", ""
    if child.returncode < 0:
        # faulthandler's dump of every thread: the Z3 calls they were in say what collided.
        z3_calls = sorted(set(re.findall(r"in (Z3_\w+)", text)))
        return "crashed", f"signal {-child.returncode}; Z3 calls in the dump: {z3_calls}"
    return "failed", (text.strip().splitlines() or ["no output"])[-1]


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def attempt(load: str, seconds: float, churn: bool, hog: bool) -> int:
    """One child: the FRESCO stage's work until `seconds` have passed."""
    faulthandler.enable(all_threads=True)
    deadline = time.monotonic() + seconds
    if hog:
        multiprocessing.get_context("spawn").Process(
            target=_hog, args=(seconds,), daemon=True
        ).start()
    if churn:
        threading.Thread(target=_churn, args=(deadline,), daemon=True).start()

    from edgeledger.fresco.simulator import SimulationConfig
    from edgeledger.progress import stage_progress
    from edgeledger.replays.fresco.settings import FrescoReplayConfig, Inputs

    config = FrescoReplayConfig(simulation=SimulationConfig(applications=3), runs=10**6)
    inputs = Inputs.load(config)
    runs = 0
    with stage_progress() as progress:
        if load == "simulate":
            runs = _simulate_until(deadline, config, inputs, progress)
        else:
            runs = _replay_until(deadline, config, inputs, progress)
    print(f"finished: {runs} runs")
    return 0


def _replay_until(
    deadline: float, config: FrescoReplayConfig, inputs: Inputs, progress: ProgressCallback
) -> int:
    from ape import accounts
    from ape.logging import logger

    from edgeledger.chain import anvil_node, connected
    from edgeledger.replays.fresco.experiment import replay_run

    logger.set_level("ERROR")
    runs = 0
    with anvil_node() as node, connected(node.network_choice):
        test_accounts = list(accounts.test_accounts)
        while time.monotonic() < deadline:
            replay_run(runs, config, inputs, test_accounts)
            runs += 1
            progress("FRESCO runs", runs, runs + 1)
    return runs


def _simulate_until(
    deadline: float, config: FrescoReplayConfig, inputs: Inputs, progress: ProgressCallback
) -> int:
    from edgeledger.fresco.engines import all_engines
    from edgeledger.fresco.simulator import LocalReputation, build_world, simulate
    from edgeledger.replays.fresco.settings import world_seed

    runs = 0
    while time.monotonic() < deadline:
        for a, application in enumerate(inputs.applications):
            seed = world_seed(config, runs, a)
            world = build_world(application, replace(config.simulation), seed)
            for engine in all_engines():  # fresh engines every run, as replay_run makes them
                simulate(world, engine, LocalReputation(), seed + 1)
        runs += 1
        progress("FRESCO runs", runs, runs + 1)
    return runs


def _churn(deadline: float) -> None:
    while time.monotonic() < deadline:
        [[i] for i in range(500)]
        time.sleep(0.0005)


def _hog(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


if __name__ == "__main__":
    raise SystemExit(main())
