"""What a BlockEdge replay runs: the quick default of `make demo`, and the paper's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BlockedgeReplayConfig:
    """What to replay. The defaults are the quick run of `make demo`; PAPER is the paper's."""

    block_times_s: tuple[float, ...] = (1.0, 2.0)
    negotiation_requests: int = 5
    # Requests posted a block: the negotiation's requests come as a stream at this rate.
    negotiation_per_block: int = 5
    # Requests a unit of the negotiation (each unit deploys on an anvil of its own, then takes
    # chunk / per_block blocks to post and about five more to close the last).
    negotiation_chunk: int = 10
    stakeholder_counts: tuple[int, ...] = (1, 2, 4, 8)
    efficiency_difficulty_bits: int = 16
    efficiency_repetitions: int = 3
    abnormality: tuple[float, ...] = (0.0, 0.02, 0.05, 0.1, 0.2)
    deposits_ether: tuple[int, ...] = (1_000, 2_000, 3_000)
    incentive_ether: int = 10
    rounds: int = 20
    # Rounds of a balance point played side by side (each step of theirs one batch): 500 ran
    # the paper's 12,000 rounds at 1,000 ether 1.85x as fast as 100, with the same rows.
    lanes: int = 500
    # Bootstrap resamples of the rounds for the break-even's 95% interval.
    resamples: int = 2_000
    round_difficulty_bits: int = 8
    seed: int = 2020
    # Where the negotiation's units run (no row depends on it): processes here, or Ray at an
    # address ("auto": a local Ray started for the command).
    workers: int = 1
    ray: str | None = None


PAPER = BlockedgeReplayConfig(
    block_times_s=(1.0, 2.0, 4.0, 6.0),
    negotiation_requests=2_000,  # the paper averaged its negotiation time over 2,000
    negotiation_per_block=10,
    negotiation_chunk=500,
    stakeholder_counts=(1, 2, 3, 4, 5, 6, 7, 8),
    efficiency_difficulty_bits=20,
    efficiency_repetitions=10,
    abnormality=(0.0, 0.0025, 0.005, 0.01, 0.02, 0.05),
    # Enough that each deposit's break-even is measured within a 95% interval under 0.005.
    rounds=2_000,
    workers=4,  # the negotiation's 16 units wait on blocks, not on the two cores
)
