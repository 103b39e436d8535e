"""What a DMEC replay runs: the quick default of `make demo`, and the paper's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DmecReplayConfig:
    """What to replay. The defaults are the quick run of `make demo`; PAPER is the paper's."""

    task_counts: tuple[int, ...] = (1, 10, 25, 50)
    repetitions: int = 3
    server_counts: tuple[int, ...] = (3, 8, 16, 32, 64)
    tasks_per_server_count: int = 3
    latency_tasks: int = 8
    block_time_s: float = 1.0
    seed: int = 2019
    # Where the repetitions of the gas experiment run (no row depends on it): processes here,
    # each with an anvil of its own, or Ray at an address ("auto": a local Ray).
    workers: int = 1
    ray: str | None = None


PAPER = DmecReplayConfig(
    task_counts=(1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100),
    repetitions=20,
    server_counts=(3, 4, 8, 16, 32, 64),
    tasks_per_server_count=10,
    latency_tasks=40,
    block_time_s=4.0,
)
