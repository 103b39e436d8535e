"""`ape.reverts` made strict: a test that expects a custom error passes only on that error."""

from __future__ import annotations

import re
from typing import Any

from ape.exceptions import ContractLogicError, CustomError
from ape.pytest.contextmanagers import RevertsContextManager
from eth_utils import keccak


class NamedErrorReverts(RevertsContextManager):
    """`ape.reverts(contract.SomeError)` that holds: ape's own accepts any revert that does not
    decode to a custom error (an empty revert, a failed call, a panic), so a test expecting
    `PolicyNotContract` passed when that check was gone and a later call reverted instead
    (mutation testing found it). Here the revert must be that error: decoded by name, or, where
    ape leaves it undecoded (views, constructors), by its 4-byte selector in the revert data."""

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> bool:
        expected = self.expected_message
        if (
            isinstance(expected, type)
            and issubclass(expected, CustomError)
            and isinstance(exc_value, ContractLogicError)
            and type(exc_value).__name__ != expected.__name__
            and _selector_of(exc_value) != keccak(text=expected.abi.selector)[:4].hex()
        ):
            raise AssertionError(
                f"expected the custom error {expected.__name__}, "
                f"got {type(exc_value).__name__}: {exc_value}"
            ) from exc_value
        return bool(super().__exit__(exc_type, exc_value, traceback))


def _selector_of(error: Any) -> str | None:
    """The 4-byte selector of a revert ape did not decode (`custom error 0x...` or raw data)."""
    match = re.search(r"0x([0-9a-fA-F]{8})", str(getattr(error, "revert_message", "") or ""))
    return match.group(1).lower() if match else None
