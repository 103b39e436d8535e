"""`ape run scenario` refuses a population it cannot build, in one line, before any replay."""

from __future__ import annotations

import pytest
from ape_cli import ape_run, assert_one_line_refusal


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--servers", "1"), "--servers 1: need 2..16"),
        (("--servers", "3", "--bad-servers", "3"), "at least one server must stay good"),
        (("--rounds", "5", "--first-bad-round", "5"), "--first-bad-round 5: need 0..4"),
        (("--worlds", "0"), "must be >= 1"),
        (("--bad-pick", "slowest"), "--bad-pick 'slowest': one of random, largest"),
    ],
)
def test_scenario__refuses_bad_sizes(args: tuple[str, ...], words: str) -> None:
    assert_one_line_refusal(ape_run("scenario", *args), words)
