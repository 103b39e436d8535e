"""A CLI killed with SIGKILL in the middle of a stage leaves none of its processes running: not
the node ape started, not a node of the replay's own (tools/bin/anvil: they die with their
parent), not a worker process or its node (edgeledger.processes.die_with_parent), nor a
folder of persisted states where anvil puts them by default (a killed anvil never removes
them; tests/tools/test_anvil_launcher.py shows where they go instead). And a native crash in
a CLI prints every thread's Python stack (faulthandler)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ape_cli import APE, ROOT


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command name) of every process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        table[int(entry.name)] = (parent, name)
    return table


def _descendants(root: int) -> dict[int, str]:
    table = _processes()
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, name) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = name
                frontier.append(pid)
    return found


# Where anvil persists old states by default (tools/bin/anvil puts them in a folder of its own).
ANVIL_STATES = Path.home() / ".foundry" / "anvil" / "tmp"


def _state_folders() -> set[str]:
    return {p.name for p in ANVIL_STATES.iterdir()} if ANVIL_STATES.exists() else set()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie is dead, waiting for whoever adopted it to reap it


@pytest.mark.parametrize(
    ("script", "args", "nodes", "workers"),
    [
        # ape's node, then the latency stage's own node with 1 s blocks beside it.
        ("dmec", ["--tasks", "1", "--repetitions", "1", "--servers", "3"], 2, 0),
        # two worker processes, each with a node of its own.
        ("fresco", ["--workers", "2", "--runs", "4", "--app", "mobiar"], 3, 2),
    ],
)
def test_a_cli_killed_mid_stage_leaves_no_process_behind(
    script: str, args: list[str], nodes: int, workers: int, tmp_path: Path
) -> None:
    folders = _state_folders()
    cli = subprocess.Popen(
        [APE, "run", script, *args, "--out", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            family = _descendants(cli.pid)
            anvils = [pid for pid, name in family.items() if name == "anvil"]
            if len(anvils) >= nodes:
                break
            assert cli.poll() is None, f"{script} ended before its nodes were all up"
            assert time.monotonic() < deadline, f"{script} never had {nodes} nodes: {family}"
            time.sleep(0.1)
        pythons = [pid for pid, name in family.items() if name.startswith("python")]
        assert len(pythons) >= workers
    finally:
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait()

    left = list(family)
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in left) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [f"{pid} {family[pid]}" for pid in left if _alive(pid)] == []
    assert _state_folders() - folders == set()


def test_a_native_crash_in_a_cli_prints_every_threads_stack() -> None:
    crash = (
        "import ctypes, threading, time\n"
        "from edgeledger.errors import exit_on_user_error\n"
        "threading.Thread(target=time.sleep, args=(60,), name='sender', daemon=True).start()\n"
        "exit_on_user_error(lambda: ctypes.string_at(0))()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", crash], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -signal.SIGSEGV
    assert "Fatal Python error: Segmentation fault" in done.stderr
    assert done.stderr.count("Thread 0x") + done.stderr.count("Current thread 0x") >= 2
    assert "in <lambda>" in done.stderr  # the crashing thread's own frame is named
