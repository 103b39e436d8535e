"""The simulator's reputation on a deployed ReputationManager: scores read from the reputation
client's local copy, outcomes reported through it, and the check that the chain holds exactly what
was counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edgeledger.driver import Call, ChainDriver
from edgeledger.fresco.client import ReputationClient, Transport
from edgeledger.fresco.reputation import SCALE, scores_after, to_us


class ChainReputation:
    """The simulator's ReputationLink to a deployed ReputationManager through the reputation
    client: scores from the client's local copy, one batch per application. With
    `background`, the client's thread sends it and the simulation never waits for a block."""

    def __init__(self, client: ReputationClient, nodes: list[str], background: bool = False):
        self.client, self.nodes, self.background = client, nodes, background

    def scores(self, sites: np.ndarray) -> np.ndarray:
        local = self.client.scores()
        # The device itself is no node (its own score is never read).
        return np.array([local[self.nodes[s]] if s < len(self.nodes) else SCALE for s in sites])

    def report(self, site: int, response_s: float, constraint_s: float, succeeded: bool) -> None:
        self.client.report(
            self.nodes[site], to_us(response_s), max(1, to_us(constraint_s)), succeeded
        )

    def end_application(self) -> None:
        if self.background:
            self.client.send_soon()
        else:
            self.client.flush()  # waits for the receipt: wall time only, not simulated time


def mirrored_mismatches(contract: Any, client: ReputationClient, nodes: list[str]) -> int:
    """Nodes whose on-chain score differs from the contract's arithmetic applied, in Python,
    to what the client got counted. 0 means the chain holds exactly what was reported."""
    on_chain = [int(v) for v in contract.getReputationScores(nodes)]
    expected = scores_after(nodes, client.counted)
    return sum(a != b for a, b in zip(on_chain, expected, strict=True))


def driver_transport(driver: ChainDriver, contract: Any, reporter: Any) -> Transport:
    """The client's batches sent through the chain driver: signed in process and sent raw,
    the receipt awaited; a revert or a refusal raises, as the client's own transport does."""

    def send(words: list[int]) -> Any:
        step = f"a batch of {len(words)} reports"
        return driver.call(Call(reporter, contract, "updateNodeReputation", (words,), step))

    return send
