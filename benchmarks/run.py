"""`make bench`: measure gas and decision time on a local anvil and rewrite BENCHMARKS.md.

Every figure comes from a receipt or a clock read in this run. One module a contract measures
its paths and writes its section: bench_dmec (DroneMecRegistry), bench_reputation
(ReputationManager), bench_market (CollaborationMarket), bench_identity (the three wired as one
identity), bench_fresco (decision time and the quick replay), bench_throughput (transactions
per second: ape, a raw batch and the replays' chain driver), bench_scale (what one chain
holds a second of each kind of work, from this run's gas). bench_bounds holds the EVM prices
the lower bounds are made of and the gas tables' rows, bench_section the layout of a section.
This runner measures the sections on one chain (chain throughput first, on a young chain)
and writes them out in order, then the whole
runs measured by hand (benchmarks/whole_runs.md: too long for `make bench`), as they are.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from bench_dmec import dmec_section
from bench_fresco import fresco_section
from bench_identity import identity_section
from bench_market import market_section
from bench_reputation import reputation_section
from bench_scale import scale_section
from bench_throughput import throughput_section

ROOT = Path(__file__).resolve().parent.parent
WHOLE_RUNS = Path(__file__).resolve().parent / "whole_runs.md"
SECTIONS: list[Callable[[], list[str]]] = [
    dmec_section,
    reputation_section,
    market_section,
    identity_section,
    fresco_section,
    throughput_section,
    scale_section,
]
PREAMBLE = [
    "# Benchmarks",
    "",
    "Written by `make bench` (benchmarks/run.py) from receipts on a local anvil;",
    "solc 0.8.28, optimizer 200 runs, via-IR, EVM cancun.",
    "",
]


def main() -> int:
    from ape import networks

    with networks.parse_network_choice("ethereum:local:foundry"):
        # Chain throughput first, on a young chain, as each replay of `make demo` starts on one
        # (its stages are taken back: scripts/demo.py); a block costs more on an old chain.
        measured = {s: s() for s in sorted(SECTIONS, key=lambda s: s is not throughput_section)}
    sections = [measured[section] for section in SECTIONS]
    text = "\n".join(PREAMBLE + [line for section in sections for line in section])
    text += "\n" + WHOLE_RUNS.read_text()
    (ROOT / "BENCHMARKS.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
