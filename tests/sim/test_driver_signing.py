"""The chain driver signs its transactions itself (`signed_type2`, edgeledger/driver.py): the
raw bytes and hash must be eth-account's, byte for byte, for any call a replay could send,
or a node would take a transaction other than the one meant (or none)."""

from __future__ import annotations

from eth_account import Account
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from edgeledger.driver import signed_type2, signing_key

UINT256 = st.integers(0, 2**256 - 1)
keys = st.binary(min_size=32, max_size=32).filter(
    lambda k: 0 < int.from_bytes(k, "big") < 2**256 - 432420386565659656852420866394968145599
)
transactions = st.fixed_dictionaries(
    {
        "chainId": st.sampled_from([1, 31337, 11155111]) | st.integers(1, 2**64 - 1),
        "nonce": st.integers(0, 2**64 - 2),
        "maxFeePerGas": UINT256,
        "maxPriorityFeePerGas": UINT256,
        "gas": st.integers(0, 2**63),
        "to": st.binary(min_size=20, max_size=20).map(to_checksum_address),
        "value": UINT256,
        "data": st.binary(max_size=600).map(lambda b: "0x" + b.hex()),
    }
)


@settings(max_examples=300, deadline=None)
@given(transaction=transactions, key=keys)
def test_a_signed_call__is_eth_account_s_byte_for_byte(transaction: dict, key: bytes) -> None:
    expected = Account.sign_transaction(transaction, key)

    raw, tx_hash = signed_type2(transaction, signing_key(key))

    assert raw == bytes(expected.raw_transaction)
    assert tx_hash == bytes(expected.hash)


def test_a_key_given_as_hex__signs_as_its_bytes() -> None:
    transaction = {
        "chainId": 31337,
        "nonce": 0,
        "maxFeePerGas": 2 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "gas": 21_000,
        "to": to_checksum_address("0x" + "11" * 20),
        "value": 0,
    }
    key = bytes(range(1, 33))

    assert signed_type2(transaction, signing_key("0x" + key.hex())) == signed_type2(
        transaction, signing_key(key)
    )
    assert (
        Account.sign_transaction(transaction, key).raw_transaction
        == signed_type2(transaction, signing_key(key))[0]
    )
