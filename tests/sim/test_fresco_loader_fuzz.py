"""Every FRESCO data loader answers any file, however malformed, with a result or one readable
line (EdgeledgerError), never another exception: hypothesis writes the files."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeledger.errors import EdgeledgerError
from edgeledger.fresco.applications import load_application
from edgeledger.fresco.availability import load_avt
from edgeledger.fresco.sites import load_towers

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
task_like = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["A", "B", "", 3]),
        "type": st.sampled_from(["DI", "CI", "Moderate", "X", None]),
        "ram_gb": st.sampled_from([1, 0, -2, "1", 1e308, float("nan")]),
        "offloadable": st.sampled_from([True, False, 1, None]),
        "after": st.sampled_from([[], ["A"], ["B"], "A", [1], ["A", "B"]]),
    },
)
application_like = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["App", "", None, 7]),
        "deadline_ms": st.sampled_from([100, 0, -1, "100", True, float("inf"), float("nan")]),
        "time_constraint_ms": st.sampled_from(
            [
                {"edge": 1, "cloud": 2, "mobile": 3},
                {"edge": 1},
                [],
                {"edge": 0, "cloud": 1, "mobile": 1},
            ]
        ),
        "tasks": st.lists(task_like, max_size=4) | json_values,
        "task_types": st.sampled_from(
            [
                {},
                {"X": {"mcycles": [1, 2], "input_kb": [1, 2], "output_kb": [1, 2]}},
                {"X": {"mcycles": [2, 1]}},
                {"X": 5},
                [],
            ]
        ),
    },
)


def answered(loader: Callable[[Path], Any], content: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        try:
            loader(path)
        except EdgeledgerError as error:
            message = str(error)
            assert message and "\n" not in message and "Traceback" not in message


@FUZZ
@given(data=application_like | json_values)
def test_load_application__any_json_gets_an_application_or_one_line(data: Any) -> None:
    answered(load_application, json.dumps(data))


@FUZZ
@given(content=st.text(max_size=200) | st.binary(max_size=200))
def test_load_application__any_bytes_get_an_application_or_one_line(content: str | bytes) -> None:
    answered(load_application, content)


avt_token = st.sampled_from(["node", "1", "2", "0", "10", "5", "-3", "1e9", "nan", "inf", "x", ""])
avt_lines = st.lists(st.lists(avt_token, max_size=7).map(" ".join), max_size=5).map("\n".join)


@FUZZ
@given(content=avt_lines | st.text(max_size=120) | st.binary(max_size=120))
def test_load_avt__any_file_gets_timelines_or_one_line(content: str | bytes) -> None:
    answered(load_avt, content)


csv_cell = st.sampled_from(["8.6", "49.9", "-200", "95", "nan", "inf", "x", "", '"'])
csv_rows = st.lists(st.lists(csv_cell, min_size=1, max_size=3).map(",".join), max_size=4)
csv_files = st.tuples(
    st.sampled_from(["longitude,latitude", "lon,lat", "latitude", ""]), csv_rows
).map(lambda parts: "\n".join([parts[0], *parts[1]]))


@FUZZ
@given(content=csv_files | st.text(max_size=120) | st.binary(max_size=120))
def test_load_towers__any_file_gets_towers_or_one_line(content: str | bytes) -> None:
    answered(load_towers, content)
