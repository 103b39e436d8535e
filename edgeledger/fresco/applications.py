"""Mobile applications as DAGs of tasks, defined in data files (applications/*.json), so a user
adds an application by writing a file, not code.

An application file names its deadline, the task time constraint per site class, and its
tasks: a type from task-types.json (or its own "task_types"), RAM, whether it can leave the
device, and the tasks it waits for. A run samples each task's cycles and data sizes from its
type's ranges.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgeledger.errors import EdgeledgerError

APPLICATIONS_DIR = Path(__file__).resolve().parent / "applications"
BUILT_IN = ("intrasafed", "mobiar", "naviar")
SITE_GROUPS = ("edge", "cloud", "mobile")


@dataclass(frozen=True)
class TaskType:
    mcycles: tuple[float, float]
    input_kb: tuple[float, float]
    output_kb: tuple[float, float]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    type: str
    ram_gb: float
    offloadable: bool
    after: tuple[str, ...]


@dataclass(frozen=True)
class Application:
    name: str
    deadline_s: float
    time_constraint_s: dict[str, float]  # per site group: edge, cloud, mobile
    tasks: tuple[TaskSpec, ...]  # in a topological order
    task_types: dict[str, TaskType]


@dataclass(frozen=True)
class Task:
    """One task instance of one application run."""

    name: str
    mcycles: float
    input_kb: float
    output_kb: float
    ram_gb: float
    offloadable: bool

    @property
    def storage_gb(self) -> float:
        return (self.input_kb + self.output_kb) / 1e6


def load_task_types(path: Path) -> dict[str, TaskType]:
    data = _read_json(path)
    return {
        name: _task_type(spec, f"{path}: task type {name!r}")
        for name, spec in data.items()
        if not name.startswith("_")
    }


def load_application(path: Path, task_types: dict[str, TaskType] | None = None) -> Application:
    """Read and check an application file; every problem is one line naming the file."""
    data = _read_json(path)
    where = str(path)
    types = dict(task_types or load_task_types(APPLICATIONS_DIR / "task-types.json"))
    own = data.get("task_types", {})
    if not isinstance(own, dict):
        raise EdgeledgerError(f"{where}: task_types must be an object of named types")
    types.update(
        {name: _task_type(spec, f"{where}: task type {name!r}") for name, spec in own.items()}
    )
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise EdgeledgerError(f"{where}: needs a non-empty string `name`")
    deadline_ms = _positive(data.get("deadline_ms"), f"{where}: deadline_ms")
    constraints = data.get("time_constraint_ms")
    if not isinstance(constraints, dict) or set(constraints) != set(SITE_GROUPS):
        raise EdgeledgerError(f"{where}: time_constraint_ms needs exactly {', '.join(SITE_GROUPS)}")
    raw_tasks = data.get("tasks")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        raise EdgeledgerError(f"{where}: needs a non-empty list `tasks`")
    tasks = [_task(raw, types, f"{where}: task {i}") for i, raw in enumerate(raw_tasks)]
    return Application(
        name=name,
        deadline_s=deadline_ms / 1_000,
        time_constraint_s={
            group: _positive(constraints[group], f"{where}: time_constraint_ms.{group}") / 1_000
            for group in SITE_GROUPS
        },
        tasks=_topological(tasks, where),
        task_types=types,
    )


def built_in(name: str) -> Application:
    return load_application(APPLICATIONS_DIR / f"{name}.json")


# The FRESCO authors' code draws every task's size, whatever its type, from U(0.5, 1)
# (util.py generate_*: million instructions, and KB in and out).
UNIFORM_SIZE = TaskType(mcycles=(0.5, 1.0), input_kb=(0.5, 1.0), output_kb=(0.5, 1.0))


def sample_tasks(
    application: Application, rng: np.random.Generator, uniform_sizes: bool = False
) -> list[Task]:
    """One run of `application`: every task's cycles and data drawn from its type's ranges
    (from UNIFORM_SIZE's, whatever the type, when `uniform_sizes`)."""
    tasks = []
    for spec in application.tasks:
        kind = UNIFORM_SIZE if uniform_sizes else application.task_types[spec.type]
        tasks.append(
            Task(
                name=spec.name,
                mcycles=float(rng.uniform(*kind.mcycles)),
                input_kb=float(rng.uniform(*kind.input_kb)),
                output_kb=float(rng.uniform(*kind.output_kb)),
                ram_gb=spec.ram_gb,
                offloadable=spec.offloadable,
            )
        )
    return tasks


# ---------------------------------------------------------------- checks


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except OSError as error:
        raise EdgeledgerError(f"cannot read {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EdgeledgerError(f"{path} is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise EdgeledgerError(f"{path}: expected a JSON object at the top")
    return data


def _positive(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise EdgeledgerError(f"{what} must be a positive number, got {value!r}")
    if value != value or value == float("inf"):
        raise EdgeledgerError(f"{what} must be finite, got {value!r}")
    return float(value)


def _range(value: Any, what: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise EdgeledgerError(f"{what} must be [low, high], got {value!r}")
    low, high = (_positive(v, what) for v in value)
    if low > high:
        raise EdgeledgerError(f"{what}: low {low} is above high {high}")
    return low, high


def _task_type(spec: Any, where: str) -> TaskType:
    if not isinstance(spec, dict):
        raise EdgeledgerError(f"{where} must be an object with mcycles, input_kb, output_kb")
    return TaskType(
        *(_range(spec.get(key), f"{where}.{key}") for key in ("mcycles", "input_kb", "output_kb"))
    )


def _task(raw: Any, types: dict[str, TaskType], where: str) -> TaskSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise EdgeledgerError(f"{where} needs a non-empty string `name`")
    where = f"{where} ({raw['name']})"
    if raw.get("type") not in types:
        raise EdgeledgerError(f"{where}: type {raw.get('type')!r} is not one of {sorted(types)}")
    if not isinstance(raw.get("offloadable"), bool):
        raise EdgeledgerError(f"{where}: offloadable must be true or false")
    after = raw.get("after", [])
    if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
        raise EdgeledgerError(f"{where}: after must be a list of task names")
    return TaskSpec(
        name=raw["name"],
        type=raw["type"],
        ram_gb=_positive(raw.get("ram_gb"), f"{where}: ram_gb"),
        offloadable=raw["offloadable"],
        after=tuple(after),
    )


def _topological(tasks: list[TaskSpec], where: str) -> tuple[TaskSpec, ...]:
    """The tasks in an order where each comes after everything it waits for (file order kept
    where it allows): a task is ready only once its predecessors are done."""
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise EdgeledgerError(f"{where}: task names must be unique")
    for task in tasks:
        unknown = set(task.after) - set(names)
        if unknown:
            raise EdgeledgerError(f"{where}: {task.name} waits for unknown {sorted(unknown)}")
    ordered: list[TaskSpec] = []
    done: set[str] = set()
    remaining = list(tasks)
    while remaining:
        ready = next((t for t in remaining if set(t.after) <= done), None)
        if ready is None:
            raise EdgeledgerError(f"{where}: the tasks' `after` lists form a cycle")
        ordered.append(ready)
        done.add(ready.name)
        remaining.remove(ready)
    return tuple(ordered)
