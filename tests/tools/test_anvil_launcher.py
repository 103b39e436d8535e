"""tools/bin/anvil, the launcher every node of edgeledger starts through: past states go to a
folder of the node's own, at most 64 of them, and a node that starts removes the folders of
nodes that are gone (a node killed with SIGKILL cannot remove its own); ape's --steps-tracing
(every opcode of every transaction kept in memory) is dropped unless asked for."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

LAUNCHER = Path(__file__).resolve().parents[2] / "tools" / "bin" / "anvil"


def _dead_pid() -> int:
    """A process id that no process has now (counting down from the largest one)."""
    pid = int(Path("/proc/sys/kernel/pid_max").read_text()) - 1
    while Path(f"/proc/{pid}").exists():
        pid -= 1
    return pid


def test_a_starting_node_removes_the_state_folders_of_nodes_that_are_gone(tmp_path: Path) -> None:
    gone = tmp_path / str(_dead_pid())
    alive = tmp_path / str(os.getpid())
    for folder in (gone, alive):
        (folder / "anvil-state").mkdir(parents=True)
    env = {**os.environ, "EDGELEDGER_ANVIL_CACHE": str(tmp_path)}
    subprocess.run([str(LAUNCHER), "--version"], env=env, check=True, capture_output=True)
    assert not gone.exists()
    assert (alive / "anvil-state").exists()


@pytest.mark.parametrize("step_traces", ["", "1"])
def test_a_node_keeps_at_most_64_states_on_disk_in_its_own_folder(
    tmp_path: Path, step_traces: str
) -> None:
    env = {
        **os.environ,
        "EDGELEDGER_ANVIL_CACHE": str(tmp_path),
        "EDGELEDGER_ANVIL_STEP_TRACES": step_traces,
    }
    node = subprocess.Popen(
        [str(LAUNCHER), "--port", "0", "--silent", "--steps-tracing"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        command: list[str] = []
        while time.monotonic() < deadline:
            command = Path(f"/proc/{node.pid}/cmdline").read_text().split("\0")
            if command[0].endswith("bin/anvil") and "--cache-path" in command:
                break
            time.sleep(0.05)
        assert command[command.index("--max-persisted-states") + 1] == "64"
        assert command[command.index("--cache-path") + 1] == str(tmp_path / str(node.pid))
        assert ("--steps-tracing" in command) == (step_traces == "1")
    finally:
        node.kill()
        node.wait()
