"""What a long command shows on the terminal: one progress bar per stage with an ETA, ape's
transaction and deployment lines only when asked for (`-v`), and a short table of headlines at
the end."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)
F = TypeVar("F", bound=Callable[..., Any])


def quiet(stage: str, done: int, total: int) -> None:
    """The progress callback of a run nobody watches (tests, workers, library use)."""
    return None


@contextmanager
def stage_progress() -> Iterator[ProgressCallback]:
    """Yield a callback(stage, done, total) that draws and advances a bar per stage."""
    bars: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        transient=False,
    ) as progress:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = progress.add_task(stage, total=total)
            progress.update(bars[stage], completed=done, total=total)

        yield update


def show_chain_logs(verbose: bool) -> None:
    """ape logs a line per transaction and per deployment (thousands in a replay) at INFO:
    shown with `verbose`, otherwise only warnings and errors, so the bars stay readable."""
    from ape.logging import logger

    logger.set_level("INFO" if verbose else "WARNING")


def verbose_option(function: F) -> F:
    """`-v/--verbose` for a CLI: ape's transaction and deployment lines are shown."""
    import click

    @click.option(
        "-v", "--verbose", is_flag=True, help="Show every transaction and deployment ape makes."
    )
    @functools.wraps(function)
    def with_logs(*args: Any, verbose: bool, **kwargs: Any) -> Any:
        show_chain_logs(verbose)
        return function(*args, **kwargs)

    return cast(F, with_logs)


def headline_text(headline: Mapping[str, Any]) -> str:
    """A headline dict on one line: `key: value; key: a=1, b=2`."""

    def value(v: Any) -> str:
        if isinstance(v, Mapping):
            return ", ".join(f"{k}={value(x)}" for k, x in v.items())
        return f"{v:g}" if isinstance(v, float) else str(v)

    return "; ".join(f"{k}: {value(v)}" for k, v in headline.items())
