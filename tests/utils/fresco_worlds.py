"""FRESCO worlds and engines for tests that look at what an engine is shown."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from edgeledger.fresco.applications import built_in
from edgeledger.fresco.availability import Availability
from edgeledger.fresco.engines import Decision, DecisionView
from edgeledger.fresco.models import ModelParameters
from edgeledger.fresco.simulator import SimulationConfig, World, build_world

ONE_CELL = SimulationConfig(applications=1, towers=12, cells=1)


def always_up_world(
    application_name: str, parameters: ModelParameters | None = None, seed: int = 3
) -> World:
    """One application on 12 towers in one cell, every site up the whole time."""
    config = replace(ONE_CELL, parameters=parameters or ModelParameters())
    world = build_world(built_in(application_name), config, seed)
    size = world.infrastructure.size
    always_up = Availability(
        [np.array([0.0])] * size, [np.array([world.horizon_s])] * size, world.horizon_s
    )
    return replace(world, availability=always_up)


@dataclass
class Device:
    """Every task on the device (its times are then known in advance); keeps each view."""

    name: str = "device"
    views: list[DecisionView] = field(default_factory=list)

    def decide(self, view: DecisionView) -> Decision:
        self.views.append(view)
        return Decision(int(view.infrastructure.mobile))
