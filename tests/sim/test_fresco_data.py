"""FRESCO's inputs: applications from files, towers and cells, availability (synthetic and the
real trace), and one-line refusals of malformed files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.applications import BUILT_IN, built_in, load_application, sample_tasks
from edgeledger.fresco.availability import (
    DOWN_MEDIAN_H,
    TRACE_SPAN_H,
    UP_MEDIAN_H,
    Availability,
    Timeline,
    load_avt,
    site_availability,
    synthetic_timeline,
)
from edgeledger.fresco.sites import (
    SiteKind,
    build_infrastructure,
    load_towers,
    synthetic_towers,
)

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

# ---------------------------------------------------------------- applications


def test_built_in_applications__tables_ii_to_vi() -> None:
    apps = {name: built_in(name) for name in BUILT_IN}
    assert [a.deadline_s for a in apps.values()] == [0.108, 0.4, 0.8]
    intrasafed = apps["intrasafed"]
    assert [t.name for t in intrasafed.tasks] == [
        "LOAD_MODEL",
        "UPLOAD",
        "ANALYZE",
        "AGGREGATE",
        "SEND_ALERT",
    ]
    assert [t.offloadable for t in intrasafed.tasks] == [False, True, True, True, True]
    assert intrasafed.task_types["CI"].mcycles == (550, 650)
    navi = [t.name for t in apps["naviar"].tasks]
    # Topological: everything a task waits for comes before it.
    for task in apps["naviar"].tasks:
        assert all(navi.index(before) < navi.index(task.name) for before in task.after)


def test_sample_tasks__inside_the_type_ranges_and_seeded() -> None:
    app = built_in("mobiar")
    first = sample_tasks(app, np.random.default_rng(4))
    assert first == sample_tasks(app, np.random.default_rng(4))
    for task, spec in zip(first, app.tasks, strict=True):
        kind = app.task_types[spec.type]
        assert kind.mcycles[0] <= task.mcycles <= kind.mcycles[1]
        assert kind.input_kb[0] <= task.input_kb <= kind.input_kb[1]
        assert task.ram_gb == spec.ram_gb


def write_app(tmp_path: Path, **changes: Any) -> Path:
    data: dict[str, Any] = {
        "name": "Mine",
        "deadline_ms": 200,
        "time_constraint_ms": {"edge": 50, "cloud": 150, "mobile": 200},
        "tasks": [
            {"name": "B", "type": "Heavy", "ram_gb": 1, "offloadable": True, "after": ["A"]},
            {"name": "A", "type": "DI", "ram_gb": 1, "offloadable": False, "after": []},
        ],
        "task_types": {"Heavy": {"mcycles": [900, 1000], "input_kb": [1, 2], "output_kb": [1, 2]}},
    }
    data.update(changes)
    path = tmp_path / "app.json"
    path.write_text(json.dumps(data))
    return path


def test_load_application__a_users_own_file_with_its_own_task_type(tmp_path: Path) -> None:
    app = load_application(write_app(tmp_path))
    assert [t.name for t in app.tasks] == ["A", "B"]  # ordered by `after`, not by the file
    assert app.task_types["Heavy"].mcycles == (900, 1000)
    assert app.time_constraint_s == {"edge": 0.05, "cloud": 0.15, "mobile": 0.2}


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"deadline_ms": -1}, "deadline_ms must be a positive number"),
        ({"deadline_ms": True}, "deadline_ms must be a positive number"),
        ({"name": ""}, "non-empty string `name`"),
        ({"time_constraint_ms": {"edge": 1}}, "needs exactly edge, cloud, mobile"),
        ({"tasks": []}, "non-empty list `tasks`"),
        (
            {"tasks": [{"name": "A", "type": "XX", "ram_gb": 1, "offloadable": True}]},
            "type 'XX' is not one of",
        ),
        (
            {
                "tasks": [
                    {"name": "A", "type": "DI", "ram_gb": 1, "offloadable": True, "after": ["B"]},
                    {"name": "B", "type": "DI", "ram_gb": 1, "offloadable": True, "after": ["A"]},
                ]
            },
            "form a cycle",
        ),
        (
            {"tasks": [{"name": "A", "type": "DI", "ram_gb": 1, "offloadable": 1}]},
            "offloadable must be true or false",
        ),
        (
            {"task_types": {"Heavy": {"mcycles": [5, 1], "input_kb": [1, 2], "output_kb": [1, 2]}}},
            "low 5.0 is above high 1.0",
        ),
    ],
)
def test_load_application__refuses_a_malformed_file_in_one_line(
    tmp_path: Path, changes: dict[str, Any], words: str
) -> None:
    with pytest.raises(EdgeledgerError, match=None) as refused:
        load_application(write_app(tmp_path, **changes))
    message = str(refused.value)
    assert words in message and "\n" not in message and "app.json" in message


def test_load_application__not_json_or_missing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(EdgeledgerError, match="is not valid JSON"):
        load_application(broken)
    with pytest.raises(EdgeledgerError, match="cannot read"):
        load_application(tmp_path / "missing.json")


# ---------------------------------------------------------------- towers and cells


def test_build_infrastructure__each_edge_class_in_every_cell_of_three_or_more_towers() -> None:
    rng = np.random.default_rng(2)
    infrastructure = build_infrastructure(synthetic_towers(40, rng), 4, rng)
    assert infrastructure.size == 42
    assert infrastructure.kind[infrastructure.cloud] == SiteKind.CLOUD
    assert infrastructure.kind[infrastructure.mobile] == SiteKind.MOBILE
    for cell in range(4):
        candidates = infrastructure.candidates(cell)
        kinds = set(infrastructure.kind[candidates].tolist())
        towers = len(candidates) - 2
        assert kinds >= {SiteKind.CLOUD, SiteKind.MOBILE}
        assert len(kinds) == 2 + min(towers, 3)
        assert candidates[-2:].tolist() == [infrastructure.cloud, infrastructure.mobile]
    assert infrastructure.column("cores")[infrastructure.kind == SiteKind.EC].tolist()[0] == 16


def test_build_infrastructure__same_seed_same_cells() -> None:
    def build(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        infrastructure = build_infrastructure(synthetic_towers(30, rng), 3, rng)
        return np.concatenate([infrastructure.cell, infrastructure.kind])

    assert np.array_equal(build(5), build(5))
    assert not np.array_equal(build(5), build(6))


def test_load_towers__the_darmstadt_file_in_kilometres() -> None:
    towers = load_towers(SHARED_DATA / "darmstadt-cell-towers.csv")
    assert towers.shape == (205, 2)
    assert towers.min() == 0.0
    assert 5 < towers.max() < 40  # a city, in km


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("lon,lat\n1,2\n", "longitude and latitude columns"),
        ("longitude,latitude\nx,2\n", "is not a number"),
        ("longitude,latitude\n1,200\n", "outside"),
        ("", "longitude and latitude columns"),
    ],
)
def test_load_towers__refuses_a_malformed_file(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "towers.csv"
    path.write_text(text)
    with pytest.raises(EdgeledgerError, match=words):
        load_towers(path)


# ---------------------------------------------------------------- availability


def test_synthetic_timeline__lognormal_periods_with_the_traces_medians() -> None:
    rng = np.random.default_rng(9)
    ups, downs = [], []
    for _ in range(300):
        timeline = synthetic_timeline(rng)
        starts, ends = timeline.starts * TRACE_SPAN_H, timeline.ends * TRACE_SPAN_H
        # Inner periods only: the first and last are cut by the span.
        ups += (ends - starts)[1:-1].tolist()
        downs += (starts[1:] - ends[:-1])[1:-1].tolist()
        assert (timeline.starts < timeline.ends).all() and (
            timeline.ends[:-1] <= timeline.starts[1:]
        ).all()
    assert np.median(ups) == pytest.approx(UP_MEDIAN_H, rel=0.15)
    assert np.median(downs) == pytest.approx(DOWN_MEDIAN_H, rel=0.15)


def test_load_avt__the_skype_trace_matches_its_readme() -> None:
    trace = load_avt(SHARED_DATA / "skype-availability.avt")
    assert len(trace) == 2_081
    assert sum(len(t.starts) == 1 for t in trace) == 450
    assert np.mean([t.up_share for t in trace]) == pytest.approx(0.64, abs=0.01)
    assert all(t.starts[0] == 0.0 and t.ends[-1] == 1.0 for t in trace)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("node 2 0 10 20", "N = 2 needs 4 times, found 3"),
        ("node x 0 10", "expected `<id> <N> <start> <end> ...`"),
        ("node 1 10 5", "never decrease"),
        ("node 1 5 5", "lifespan is empty"),
        ("node", "expected `<id> <N>"),
    ],
)
def test_load_avt__refuses_a_malformed_line_naming_it(
    tmp_path: Path, line: str, words: str
) -> None:
    path = tmp_path / "trace.avt"
    path.write_text(f"ok 1 0 10\n{line}\n")
    with pytest.raises(EdgeledgerError, match=r"trace\.avt:2") as refused:
        load_avt(path)
    assert words in str(refused.value)


def test_availability__up_at_next_down_and_observed_share() -> None:
    availability = Availability.laid_out(
        [Timeline(np.array([0.0, 0.5]), np.array([0.25, 0.75])), Timeline.always_up()], 8.0, 8.0
    )
    # Site 0 is up during [0, 2) and [4, 6) of an 8 s horizon.
    assert availability.up_at(1.0).tolist() == [True, True]
    assert availability.up_at(3.0).tolist() == [False, True]
    assert availability.next_down(0, 1.0) == 2.0
    assert availability.next_down(0, 4.5) == 6.0
    assert availability.next_down(1, 1.0) is None
    assert availability.up_share_until(5.0).tolist() == pytest.approx([3 / 5, 1.0])


def test_site_availability__one_distinct_trace_node_per_failing_site() -> None:
    trace = [Timeline(np.array([0.0]), np.array([i / 10])) for i in range(1, 6)]
    availability = site_availability(4, {3}, 10.0, 10.0, np.random.default_rng(0), trace)
    ends = [float(e[-1]) for e in availability.ends[:3]]
    assert len(set(ends)) == 3  # three different nodes
    assert availability.ends[3].tolist() == [10.0]  # the always-up site
    with pytest.raises(EdgeledgerError, match=r"trace has 5 nodes; this infrastructure needs 9"):
        site_availability(10, {9}, 10.0, 10.0, np.random.default_rng(0), trace)


def test_availability__a_run_longer_than_the_span_sees_the_trace_again() -> None:
    up_at_both_ends = Timeline(np.array([0.0, 0.5]), np.array([0.25, 1.0]))
    availability = Availability.laid_out([up_at_both_ends, Timeline.always_up()], 4.0, 10.0)
    # [2, 4) and the next copy's [4, 5) are one up period; the last copy is cut at 10 s.
    assert availability.starts[0].tolist() == [0.0, 2.0, 6.0]
    assert availability.ends[0].tolist() == [1.0, 5.0, 9.0]
    assert availability.starts[1].tolist() == [0.0] and availability.ends[1].tolist() == [10.0]
    assert availability.next_down(0, 4.5) == 5.0  # no down event at the seam (4 s)


def test_availability__a_run_shorter_than_the_span_sees_its_beginning() -> None:
    timeline = Timeline(np.array([0.0, 0.5]), np.array([0.25, 0.75]))
    short = Availability.laid_out([timeline], 8.0, 3.0)
    assert short.starts[0].tolist() == [0.0] and short.ends[0].tolist() == [2.0]
    assert short.up_at(2.5).tolist() == [False]
