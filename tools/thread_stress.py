"""FRESCO decisions in the main thread while the reputation client's background thread sends
batches to an anvil with 1 s blocks: the setting of the one Z3 segmentation fault seen (README,
Reliability). Runs for --seconds, printing progress; a crash prints faulthandler's traceback.

    python tools/thread_stress.py --seconds 900
"""

from __future__ import annotations

import argparse
import faulthandler
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--block-time", type=float, default=1.0)
    args = parser.parse_args()
    faulthandler.enable()

    from ape import accounts, networks
    from ape.logging import logger

    from edgeledger.chain import anvil_node
    from edgeledger.fresco.applications import built_in
    from edgeledger.fresco.client import ReputationClient
    from edgeledger.fresco.engines import fresco
    from edgeledger.fresco.replay import ChainReputation, deploy_for
    from edgeledger.fresco.simulator import SimulationConfig, build_world, simulate

    logger.set_level("ERROR")
    world = build_world(
        built_in("mobiar"), SimulationConfig(applications=30, towers=20, cells=2), 1, None, None
    )
    started = time.monotonic()
    simulations = decisions = 0
    with (
        anvil_node(block_time_s=args.block_time) as node,
        networks.parse_network_choice(node.network_choice),
    ):
        agent, reporter = list(accounts.test_accounts)[:2]
        contract, nodes = deploy_for(world, agent, reporter)
        # Batches as large as the contract takes, so the thread keeps up with the decisions.
        client = ReputationClient(contract, reporter, nodes, batch_size=256, flush_interval_s=0.05)
        engine = fresco()
        with client:
            while time.monotonic() - started < args.seconds:
                link = ChainReputation(client, nodes, background=True)
                result = simulate(world, engine, link, simulations + 1)
                simulations += 1
                decisions += sum(len(app.decision_times_s) for app in result.applications)
                if simulations % 50 == 0:
                    print(
                        f"{time.monotonic() - started:.0f} s: {simulations} simulations, "
                        f"{decisions} decisions, {client.transactions} batches sent",
                        flush=True,
                    )
        print(
            f"no crash: {simulations} simulations, {decisions} decisions, "
            f"{client.transactions} batches, {len(client.counted)} reports counted "
            f"in {time.monotonic() - started:.0f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
