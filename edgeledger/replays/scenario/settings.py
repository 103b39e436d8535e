"""What a one-identity scenario runs: its settings (every field is an option of `ape run
scenario`), their checks, and the constants of the population's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeledger.deploy import REPUTATION_AWARE_POLICY_ID
from edgeledger.dmec.policies import Policy
from edgeledger.errors import EdgeledgerError

POLICY_LABELS = {int(p): p.label for p in Policy} | {REPUTATION_AWARE_POLICY_ID: "ReputationAware"}


# What a mobile device's FRESCO task is given, and how long a good server takes (µs).
MOBILE_CONSTRAINT_US = 100_000


MOBILE_GOOD_EXECUTION_US = (10_000, 50_000)


# How long a good server takes to answer a DMEC task, seconds of block time.
DMEC_ANSWER_S = (1, 10)


BAD_PICKS = ("random", "largest")
FRESCO_K = 3  # the mobile device offloads only to servers at or above the k-th highest score


@dataclass(frozen=True)
class ScenarioConfig:
    """The quick run of `make demo`; `ape run scenario` takes every field as an option."""

    servers: int = 6
    bad_servers: int = 2
    rounds: int = 20
    devices_per_policy: int = 2
    first_bad_round: int = 4  # bad servers go bad at rounds spread over [this, rounds / 2]
    mobile_tasks_per_round: int = 3
    market_every: int = 4  # a collaborative request every this many rounds
    worlds: int = 4  # independent populations, seeds seed, seed + 1, ...
    seed: int = 7
    # Which servers go bad: "random" (drawn from the seed), or "largest" (the highest
    # capacities: the servers that MCC, and DelayAware's MCC branch, rely on).
    bad_pick: str = "random"

    def check(self, accounts: int) -> None:
        if not 2 <= self.servers <= accounts - 4:
            raise EdgeledgerError(
                f"--servers {self.servers}: need 2..{accounts - 4} (the chain has {accounts} "
                "accounts; the agent, a drone, a requester and a mobile device need one each)"
            )
        if not 1 <= self.bad_servers < self.servers:
            raise EdgeledgerError(
                f"--bad-servers {self.bad_servers}: need 1..{self.servers - 1}, at least one "
                "server must stay good"
            )
        if not 0 <= self.first_bad_round < self.rounds:
            raise EdgeledgerError(
                f"--first-bad-round {self.first_bad_round}: need 0..{self.rounds - 1}"
            )
        if self.bad_pick not in BAD_PICKS:
            raise EdgeledgerError(f"--bad-pick {self.bad_pick!r}: one of {', '.join(BAD_PICKS)}")
        if min(self.devices_per_policy, self.worlds, self.market_every) < 1:
            raise EdgeledgerError("devices per policy, worlds and market interval must be >= 1")
