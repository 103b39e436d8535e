"""The operator's account: an alias imported into ape (`ape accounts import`), unlocked from
the environment or a prompt; on a local chain, one of its test accounts."""

from __future__ import annotations

import os
from typing import Any

import click

from edgeledger.errors import EdgeledgerError

# A node under `ethereum:local:<URI>` is a throw-away chain (test accounts, no question asked)
# only with a development chain id; any other is treated as the public chain it claims to be.
LOCAL_CHAIN_IDS = {31337, 1337}


def is_throwaway(network: Any, chain_id: int) -> bool:
    """Whether the connected chain is a local development one."""
    return bool(network.name == "local" and chain_id in LOCAL_CHAIN_IDS)


def load_account(alias: str | None, is_local: bool, unlock: bool) -> Any:
    """The operator's account; unlocked (to sign without asking) only when it is to sign, not
    for a dry run."""
    from ape import accounts
    from ape.exceptions import ApeException

    if alias is None or alias.startswith("test:"):
        if not is_local:
            raise EdgeledgerError(
                "a live network needs --account <alias> (import one with `ape accounts import`)"
            )
        index = alias.split(":", 1)[1] if alias else "0"
        count = len(accounts.test_accounts)
        if not (index.isascii() and index.isdigit() and int(index) < count):
            raise EdgeledgerError(
                f"--account {alias!r}: the local test accounts are test:0 to test:{count - 1}"
            )
        return accounts.test_accounts[int(index)]
    try:
        account = accounts.load(alias)
    except (ApeException, IndexError, KeyError, ValueError):
        raise EdgeledgerError(
            f"no account named {alias!r}; import it with `ape accounts import {alias}`"
        ) from None
    if unlock and hasattr(account, "unlock") and getattr(account, "locked", False):
        variable = f"APE_ACCOUNTS_{alias}_PASSPHRASE"
        if variable not in os.environ and not click.get_text_stream("stdin").isatty():
            raise EdgeledgerError(
                f"account {alias!r} is locked; set {variable} or run in a terminal to type it"
            )
        passphrase = os.environ.get(variable) or click.prompt(
            f"Passphrase of {alias!r}", hide_input=True
        )
        try:
            # Signs without asking again: the command has asked its one question (or --yes),
            # and a deployment's fifteen prompts would only teach the operator to say yes.
            # In this process only; the keyfile stays locked.
            if hasattr(account, "set_autosign"):
                account.set_autosign(True, passphrase=passphrase)
            else:
                account.unlock(passphrase=passphrase)
        except Exception:
            raise EdgeledgerError(
                f"could not unlock account {alias!r}: wrong passphrase?"
            ) from None
    return account
