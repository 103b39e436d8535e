"""The BlockEdge replay's experiments on small sizes: what they measure must add up."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak
from hypothesis import given
from hypothesis import strategies as st

from edgeledger.blockedge.market import break_even_abnormality, pow_hash
from edgeledger.replays.blockedge.experiment import balance_versus_abnormality, efficiency
from edgeledger.replays.blockedge.settings import BlockedgeReplayConfig

SMALL = BlockedgeReplayConfig(
    abnormality=(0.0, 1.0),
    deposits_ether=(1_000,),
    incentive_ether=10,
    rounds=3,
    stakeholder_counts=(1, 2),
    efficiency_difficulty_bits=10,
    efficiency_repetitions=1,
)


def test_balance__honest_earns_every_incentive_a_cheater_loses_every_deposit_and_incentive(
    accounts: Any,
) -> None:
    rows = balance_versus_abnormality(list(accounts), SMALL)

    honest, cheater = rows
    assert (honest["abnormality"], honest["cheats"], honest["balance_ether"]) == (0.0, 0, 30.0)
    # Every cheat is revealed by the detector and slashed: the deposit is lost and the
    # incentive goes back to the requester.
    assert (cheater["cheats"], cheater["slashed"], cheater["balance_ether"]) == (3, 3, 3 * -1_000)


def test_efficiency__rows_and_ratios() -> None:
    rows = efficiency(SMALL)

    assert [r["stakeholders"] for r in rows] == [1, 2]
    assert rows[0]["speed_up"] == 1.0 and rows[0]["efficiency"] == 1.0
    # Both are rounded to 3 places from the same unrounded speed-up.
    assert rows[1]["efficiency"] == pytest.approx(rows[1]["speed_up"] / 2, abs=1e-3)


def test_break_even__a_slashed_winner_loses_its_deposit_and_the_incentive() -> None:
    assert break_even_abnormality(10, 1_000) == pytest.approx(10 / 1_010)
    ap = break_even_abnormality(10, 1_000)
    assert (1 - ap) * 10 - ap * 1_000 == pytest.approx(0)  # the expected balance per task


@given(st.binary(min_size=0, max_size=32), st.integers(min_value=0, max_value=2**256 - 1))
def test_pow_hash__is_keccak_of_the_abi_encoded_challenge_and_nonce(
    challenge: bytes, nonce: int
) -> None:
    encoded = encode(["bytes32", "bytes32"], [challenge, nonce.to_bytes(32, "big")])

    assert pow_hash(challenge, nonce) == int.from_bytes(keccak(encoded), "big")


def test_pow_hash__refuses_a_challenge_longer_than_a_bytes32() -> None:
    with pytest.raises(ValueError, match="33 bytes"):
        pow_hash(bytes(33), 0)
