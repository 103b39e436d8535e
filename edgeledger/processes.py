"""Child processes that do not outlive the process that started them."""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; elsewhere nothing).

    For worker processes: a CLI killed with SIGKILL cannot stop its workers itself, and a worker
    left running keeps its node (which dies with the worker, tools/bin/anvil) and its CPU."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGKILL)


def spawn_context() -> multiprocessing.context.SpawnContext:
    """Worker processes, spawned (forking a process that runs ape's threads can deadlock).

    A spawned child takes the parent's `sys.path` as it is at the start; `ape run` takes the
    project's folder off `sys.path` once a script is loaded, so the child would not find this
    package: its root goes back on the path first."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.append(root)
    return multiprocessing.get_context("spawn")
