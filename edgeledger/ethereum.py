"""Plain Ethereum facts the rest builds on: the unit, and addresses for actors that have none."""

from __future__ import annotations

from eth_utils import to_checksum_address

ETHER = 10**18  # wei


def synthetic_address(tag: int, index: int) -> str:
    """A deterministic address for actors that never send transactions (devices, far servers,
    FRESCO's sites): `tag` keeps the kinds of actor apart, `index` the actors of a kind."""
    return to_checksum_address("0x" + format((tag << 128) | index, "040x"))
