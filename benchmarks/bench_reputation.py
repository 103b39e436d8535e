"""ReputationManager (FRESCO): node registration, batches of reports, a reset."""

from __future__ import annotations

import numpy as np
from bench_bounds import NEW_SLOT, REWRITE_COLD, TX, gas_row, gas_table, log_cost
from bench_section import section

from edgeledger.deploy import deploy_reputation
from edgeledger.ethereum import synthetic_address
from edgeledger.fresco.reputation import Report


def reputation_section() -> list[str]:
    rows, notes = reputation_gas()
    intro = [
        "Lower bounds: the transaction, the reporter's high-water mark and each 16-score",
        "word rewritten (5,000 each), the batch event with every report in it.",
    ]
    return section("FRESCO reputation gas", intro, [gas_table(rows)], notes)


def reputation_gas() -> tuple[list[list[str]], list[str]]:
    """FRESCO's ReputationManager: registration and batches of reports."""
    from ape import accounts

    agent, reporter = accounts.test_accounts[0], accounts.test_accounts[1]
    contract = deploy_reputation(agent)
    contract.grantRole(contract.REPORTER_ROLE(), reporter, sender=agent)
    nodes = [synthetic_address(0xF0, i) for i in range(130)]
    registrations = [contract.registerNode(n, sender=agent).gas_used for n in nodes]
    rows: list[list[str]] = []
    # registerNode: one new slot (the node record) + the list slot rewritten, and its event.
    register_bound = TX + NEW_SLOT + log_cost(2, 1)
    rows.append(
        gas_row(
            "registerNode (mean of 130; max)",
            float(np.mean(registrations[1:])),
            register_bound,
            60_000,
            f"max {max(registrations[1:]):,}; + role check and record cold reads (4,200), "
            "list slot rewrite (5,000)",
        )
    )
    # registerNodes: a FRESCO unit's 41 sites in one transaction; per node, the record's new
    # slot and the event, the transaction and the list slot shared.
    batch_nodes = [synthetic_address(0xF1, i) for i in range(41)]
    batch_gas = int(deploy_reputation(agent).registerNodes(batch_nodes, sender=agent).gas_used)
    rows.append(
        gas_row(
            "registerNodes (41 nodes, a FRESCO unit's sites), per node",
            batch_gas / len(batch_nodes),
            (TX + REWRITE_COLD) // len(batch_nodes) + NEW_SLOT + log_cost(2, 1),
            None,
            f"{batch_gas:,} in all; + record cold reads (2,100 each), calldata (a word each)",
        )
    )
    task_id = 0

    def batch(targets: list[int]) -> int:
        nonlocal task_id
        words = []
        for i, node_index in enumerate(targets):
            task_id += 1
            words.append(
                Report(node_index, task_id, 20_000 + 997 * i, 100_000, i % 7 != 0).packed()
            )
        return int(contract.updateNodeReputation(words, sender=reporter).gas_used)

    def report_bound(n: int, words_touched: int) -> int:
        # tx + the reporter's high-water mark + the score words and the reporter's influence
        # words (one per score word, this period) rewritten + the event (period, reports).
        return TX + REWRITE_COLD + 2 * words_touched * REWRITE_COLD + log_cost(2, 3 + n)

    indices = list(range(len(nodes)))  # registered in order
    # Warm-up: the first report into a score word writes it fresh, and so does the reporter's
    # first report of the period into an influence word.
    batch(indices[:128])
    cases = [
        ("10 reports, 10 distinct nodes", indices[:10], 1, 80_000),
        ("10 reports, 10 nodes in two score words", indices[11:21], 2, 80_000),
        ("100 reports, 100 distinct nodes", indices[16:116], 7, 450_000),
        ("100 reports, 10 nodes", indices[:10] * 10, 1, 450_000),
    ]
    for name, targets, words_touched, target in cases:
        gas = batch(targets)
        rows.append(
            gas_row(
                f"updateNodeReputation, {name}",
                gas,
                report_bound(len(targets), words_touched),
                target,
                "+ role check and list cold reads (4,200), calldata (~16 a non-zero byte), "
                "score word warm reads and writes, arithmetic",
            )
        )
    rows.append(
        gas_row(
            "resetReputation",
            contract.resetReputation(nodes[3], sender=agent).gas_used,
            TX + REWRITE_COLD + log_cost(3, 1),
            None,
            "+ role check and record cold reads (4,200)",
        )
    )
    notes = [
        "Reports are one word each (node index, task id, times, success): calldata, not "
        "storage, carries them; the batch event repeats them so the log replays every score. "
        "Scores are 16 to a storage word by registration index, so a batch about nodes "
        "registered near each other rewrites few words.",
    ]
    return rows, notes
