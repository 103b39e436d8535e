"""What a BlockEdge replay runs: the quick default of `make demo`, and the paper's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BlockedgeReplayConfig:
    """What to replay. The defaults are the quick run of `make demo`; PAPER is the paper's."""

    block_times_s: tuple[float, ...] = (1.0, 2.0)
    negotiation_requests: int = 5
    stakeholder_counts: tuple[int, ...] = (1, 2, 4, 8)
    efficiency_difficulty_bits: int = 16
    efficiency_repetitions: int = 3
    abnormality: tuple[float, ...] = (0.0, 0.02, 0.05, 0.1, 0.2)
    deposits_ether: tuple[int, ...] = (1_000, 2_000, 3_000)
    incentive_ether: int = 10
    rounds: int = 20
    round_difficulty_bits: int = 8
    seed: int = 2020


PAPER = BlockedgeReplayConfig(
    block_times_s=(1.0, 2.0, 4.0, 6.0),
    negotiation_requests=50,
    stakeholder_counts=(1, 2, 3, 4, 5, 6, 7, 8),
    efficiency_difficulty_bits=20,
    efficiency_repetitions=10,
    abnormality=(0.0, 0.0025, 0.005, 0.01, 0.02, 0.05),
    rounds=200,
)
