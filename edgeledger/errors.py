"""User-facing errors: one readable line that says what was wrong and what to do."""

from __future__ import annotations

import faulthandler
import functools
import re
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class EdgeledgerError(Exception):
    """A problem the user can fix; its message is the whole explanation."""


def first_line(error: BaseException) -> str:
    """An exception's message cut to its first line (some libraries append long lists)."""
    text = str(error).strip()
    return text.splitlines()[0].rstrip(".:") if text else type(error).__name__


# A node URI's API key (Infura's /v3/<key>, Alchemy's /v2/<key>, ?apikey=<key>): a long run of
# key characters in a URL's path or query.
_URL_KEY = re.compile(r"(https?://[^\s/]+[^\s]*?[/=])([A-Za-z0-9_-]{20,})")


def without_keys(text: str) -> str:
    """`text` with what looks like an API key in a URL replaced: an error line quotes the
    network choice or a library's message, and either may hold the node's URI."""
    previous = None
    while previous != text:
        previous, text = text, _URL_KEY.sub(r"\1<hidden>", text)
    return text


def exit_on_user_error(function: Callable[P, R]) -> Callable[P, R]:
    """Run a CLI body; print an EdgeledgerError as one line on stderr and exit 1.

    A native crash (a segmentation fault in a library) prints the Python stack of every thread
    (faulthandler), so the report says where it happened."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        # The process's real stderr: a test runner may have swapped sys.stderr for a buffer.
        if sys.__stderr__ is not None:
            faulthandler.enable(file=sys.__stderr__, all_threads=True)
        try:
            return function(*args, **kwargs)
        except EdgeledgerError as error:
            # One line whatever it quotes: a file name may hold a line break.
            message = without_keys(" ".join(str(error).splitlines()))
            print(f"error: {message}", file=sys.stderr, flush=True)
            raise SystemExit(1) from None

    return wrapper
