"""What every `ape run` script shares: its `--seed` and `--out` options, and the parsing of
values click does not know, refused as an EdgeledgerError (one line, exit 1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from edgeledger.errors import EdgeledgerError

F = TypeVar("F", bound=Callable[..., Any])


def seed_option(default: int) -> Callable[[F], F]:
    """`--seed`: every random draw of the run follows from it."""
    return click.option(
        "--seed", type=int, default=default, show_default=True, help="Seed of every draw."
    )


def checked_address(text: str, what: str) -> str:
    """`text` as a checksummed address, or a refusal naming `what` (an option or argument)."""
    from eth_utils import is_address, to_checksum_address

    if not is_address(text):
        raise EdgeledgerError(f"{what} {text!r} is not an address (0x and 40 hex digits)")
    return str(to_checksum_address(text))


def network_choice_option(default: str, help: str) -> Callable[[F], F]:
    """`--network`, as `network_choice`: an ape network choice, or a node's URI."""
    return click.option(
        "--network", "network_choice", default=default, show_default=True, help=help
    )


def deployments_dir_option(default: Path) -> Callable[[F], F]:
    """`--deployments-dir`: where `ape run deploy` records each chain's deployment."""
    return click.option(
        "--deployments-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=True,
        help="Folder of the deployment records (<chain-id>.json).",
    )


def workers_option(help: str) -> Callable[[F], F]:
    """`--workers`: local processes that take a replay's units as they finish."""
    return click.option("--workers", type=click.IntRange(min=1), help=help)


def ray_option(func: F) -> F:
    """`--ray`, as `ray_address`: a replay's units as Ray tasks (replays/ray_units.py)."""
    return click.option(
        "--ray",
        "ray_address",
        metavar="auto|HOST:PORT",
        help="Run the units as Ray tasks: on a local Ray started for you (auto), or on the "
        "cluster whose head is at HOST:PORT (run from its head node; see the README). "
        "Replaces --workers.",
    )(func)


def out_option(default: str) -> Callable[[F], F]:
    """`--out`: the folder the run writes its CSVs, plots and summary to."""
    return click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=Path(default),
        show_default=True,
        help="Folder for CSVs, plots and summary.md.",
    )


def counts(text: str, option: str) -> tuple[int, ...]:
    """`1,10,50`: counts separated by commas, each at least 1."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise EdgeledgerError(f"{option} wants numbers separated by commas, got {text!r}") from None
    if min(values) < 1:
        raise EdgeledgerError(f"{option} {text!r}: every count must be at least 1")
    return values
