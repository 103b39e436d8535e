"""What every gas table shares: the EVM's prices its lower bounds are made of, and its rows.

Lower bounds are what the EVM charges at least for the storage the function must touch
(EIP-2929/2200 prices, cancun): 21,000 per transaction, 22,100 per new slot (cold zero to
non-zero), 5,000 per rewritten cold slot, 2,100 per cold read, 375 + 375 per topic + 8 per data
byte per event.
"""

from __future__ import annotations

from edgeledger.reports import markdown_table

TX, NEW_SLOT, REWRITE_COLD, COLD_READ = 21_000, 22_100, 5_000, 2_100

# Issue 18 allows a path up to 15% over its old target where a new check must cost more: the
# row then names the check (NEW_CHECKS) and its excess.
ALLOWED_EXCESS = 0.15
NEW_CHECKS = {
    "updateNodeReputation": "the influence bound: a (party, period) word per score word",
    "commitReport": "detectors' eligibility: requester, bond and commit phase",
}

GAS_HEADER = ["function", "measured gas", "EVM lower bound", "target", "met", "difference"]


def log_cost(topics: int, data_words: int) -> int:
    return 375 + 375 * topics + 8 * 32 * data_words


def gas_row(name: str, gas: float, bound: int, target: int | None, why: str) -> list[str]:
    """One row of a gas table (GAS_HEADER): the measured gas against its bound and target."""
    verdict = "" if target is None else ("yes" if gas <= target else "**no**")
    check = next((c for prefix, c in NEW_CHECKS.items() if name.startswith(prefix)), None)
    if target is not None and target < gas <= target * (1 + ALLOWED_EXCESS) and check:
        verdict = f"+{gas / target - 1:.1%}, within 15%: {check}"
    target_text = "-" if target is None else f"{target:,}"
    return [name, f"{gas:,.0f}", f"{bound:,}", target_text, verdict, why]


def gas_table(rows: list[list[str]]) -> str:
    return markdown_table(GAS_HEADER, rows)
