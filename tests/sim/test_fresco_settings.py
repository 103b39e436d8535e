"""`--set name=value`: one model parameter changed from the command line, checked, named in the
summary, and it changes what the simulation computes."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.applications import built_in
from edgeledger.fresco.engines import fresco
from edgeledger.fresco.simulator import LocalReputation, SimulationConfig, build_world, simulate
from edgeledger.replays.fresco.settings import (
    _setting,
    changed_settings,
    settable,
    switches,
    with_settings,
)

QUICK = SimulationConfig(applications=3)


def test_a_model_parameter_and_a_simulation_setting__are_set_and_named() -> None:
    changed = with_settings(QUICK, ["battery_j=500", " slot_factor=3"])

    assert changed.parameters.battery_j == 500.0
    assert changed.slot_factor == 3.0
    assert changed_settings(changed, "paper") == {"battery_j": 500.0, "slot_factor": 3.0}
    assert changed_settings(QUICK, "paper") == {}
    assert replace(changed, parameters=QUICK.parameters, slot_factor=2.0) == QUICK


def test_the_last_of_two_settings_of_one_name__wins() -> None:
    assert with_settings(QUICK, ["edge_premium=1", "edge_premium=0"]).parameters.edge_premium == 0


@pytest.mark.parametrize(
    ("assignment", "refusal"),
    [
        ("battery=500", "--set battery: no such setting; the settings are uplink_power_w, "),
        ("towers=10", "--set towers: no such setting"),  # it has a flag of its own
        ("battery_j", "--set 'battery_j': give name=value"),
        ("battery_j=lots", "'lots' is not a number from 10 to 100000 (the default 1000)"),
        ("battery_j=0", "'0' is not a number from 10 to 100000"),
        ("edge_premium=-0.5", "'-0.5' is not a number from 0 to 50 (the default 0.5)"),
        ("noise_w_per_hz=nan", "'nan' is not a number from 6.5e-12 to 6.5e-08"),
        ("load_period_s=inf", "'inf' is not a number from 0.005 to 50"),
        ("load_period_s=1e-9", "'1e-9' is not a number from 0.005 to 50"),
        ("slot_factor=1e9", "'1e9' is not a number from 0.02 to 200"),
    ],
)
def test_a_bad_setting__is_one_clear_refusal(assignment: str, refusal: str) -> None:
    with pytest.raises(EdgeledgerError, match=re.escape(refusal)):
        with_settings(QUICK, [assignment])


def test_a_setting__may_go_to_its_bounds() -> None:
    at_bounds = with_settings(QUICK, ["battery_j=10", "slot_factor=200", "edge_premium=0"])

    bounds = {"battery_j": 10, "slot_factor": 200, "edge_premium": 0}
    assert changed_settings(at_bounds, "paper") == bounds


def test_every_settable_name__is_accepted() -> None:
    defaults = {name: _setting(QUICK, name) for name in settable()}
    flipped = {name: f"{1 - defaults[name]:g}" for name in switches()}  # a switch: 1 or 0
    changed = with_settings(
        QUICK, [f"{name}={flipped.get(name, 2 * defaults[name] or 1)}" for name in settable()]
    )

    assert set(changed_settings(changed, "paper")) == set(settable())


def test_a_setting__changes_what_the_simulation_computes() -> None:
    """A smaller battery is a larger share of it spent: the same seed, one thing changed."""
    application = built_in("mobiar")

    def battery_left(simulation: SimulationConfig) -> float:
        world = build_world(application, simulation, 11)
        return simulate(world, fresco(), LocalReputation(), 12).battery_lifetime

    assert battery_left(with_settings(QUICK, ["battery_j=100"])) < battery_left(QUICK)
