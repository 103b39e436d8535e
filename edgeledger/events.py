"""Reading the chain's past from its event logs: the logs about an actor, and block times."""

from __future__ import annotations

from typing import Any


def logs_about(event: Any, topics: dict[str, str], start_block: int = 0) -> list[Any]:
    """Every log of `event` whose indexed fields equal `topics`, oldest first, from
    `start_block` on (a deployment's first block: a public chain's earlier blocks hold none)."""
    # Both bounds given: ape reads a lone first argument as the stop; a stop of 0 is the head.
    return list(event.range(start_block, 0, search_topics=topics))


class BlockTimes:
    """Block timestamps, each fetched once."""

    def __init__(self) -> None:
        self._times: dict[int, int] = {}

    def __call__(self, block_number: int) -> int:
        from ape import chain

        if block_number not in self._times:
            self._times[block_number] = int(chain.blocks[block_number].timestamp)
        return self._times[block_number]
