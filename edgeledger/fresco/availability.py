"""When each site is up: a seeded synthetic generator with the Skype trace's statistics, and a
loader for the trace's `.avt` format.

A timeline is a node's up intervals normalised to its own lifespan (0..1), as FRESCO does with
the Skype nodes. A world lays every lifespan over the same number of simulated seconds
(`SimulationConfig.availability_span_s`), whatever the run's length, so a quick run and a paper
run face sites that fail as often; a run longer than the span sees the trace again. The
synthetic generator draws alternating lognormal up and down periods with the medians and
spreads measured from the trace (the trace's README: up median 4.97 h, sigma 1.55; down median
4.12 h, sigma 1.70; an exponential fits the trace worst, so no memoryless on/off model).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeledger.errors import EdgeledgerError

TRACE_SPAN_H = 2_478_200 / 3_600  # the Skype trace's length, read as seconds
UP_MEDIAN_H, UP_SIGMA = 4.97, 1.55
DOWN_MEDIAN_H, DOWN_SIGMA = 4.12, 1.70


@dataclass(frozen=True)
class Timeline:
    """Up intervals [start, end) as fractions of the node's lifespan, sorted, disjoint."""

    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def always_up(cls) -> Timeline:
        return cls(np.array([0.0]), np.array([1.0]))

    @property
    def up_share(self) -> float:
        return float((self.ends - self.starts).sum())


def synthetic_timeline(rng: np.random.Generator) -> Timeline:
    """Alternating lognormal up and down periods over the trace's span, started in a random
    phase, normalised to 0..1."""
    up_first = rng.random() < UP_MEDIAN_H / (UP_MEDIAN_H + DOWN_MEDIAN_H)
    t = -rng.uniform(0, UP_MEDIAN_H if up_first else DOWN_MEDIAN_H)  # random phase
    up = up_first
    starts: list[float] = []
    ends: list[float] = []
    while t < TRACE_SPAN_H:
        median, sigma = (UP_MEDIAN_H, UP_SIGMA) if up else (DOWN_MEDIAN_H, DOWN_SIGMA)
        length = float(rng.lognormal(np.log(median), sigma))
        if up and t + length > 0:
            starts.append(max(t, 0.0))
            ends.append(min(t + length, TRACE_SPAN_H))
        t += length
        up = not up
    if not starts:  # a node down for the whole span is not a node of the trace
        return synthetic_timeline(rng)
    return Timeline(np.array(starts) / TRACE_SPAN_H, np.array(ends) / TRACE_SPAN_H)


def load_avt(path: Path) -> list[Timeline]:
    """Every node's timeline from an `.avt` file: one line per node,
    `<id> <N> <start_1> <end_1> ... <start_N> <end_N>`, normalised to the node's own lifespan.
    Refuses a malformed line in one sentence that names it."""
    try:
        text = path.read_text()
    except OSError as error:
        raise EdgeledgerError(f"cannot read availability trace {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise EdgeledgerError(f"{path} is not a text .avt availability trace") from None
    timelines = [
        _parse_avt_line(line, f"{path}:{number}")
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    if not timelines:
        raise EdgeledgerError(f"{path} holds no availability lines")
    return timelines


def _parse_avt_line(line: str, where: str) -> Timeline:
    fields = line.split()
    try:
        count = int(fields[1])
        times = np.array([float(v) for v in fields[2:]])
    except (IndexError, ValueError):
        raise EdgeledgerError(
            f"{where}: expected `<id> <N> <start> <end> ...` with numbers, got {line[:60]!r}"
        ) from None
    if count < 1 or len(times) != 2 * count:
        raise EdgeledgerError(f"{where}: N = {count} needs {2 * count} times, found {len(times)}")
    if not np.isfinite(times).all() or (np.diff(times) < 0).any():
        raise EdgeledgerError(f"{where}: interval times must be finite and never decrease")
    starts, ends = times[0::2], times[1::2]
    span = ends[-1] - starts[0]
    if span <= 0:
        raise EdgeledgerError(f"{where}: the node's lifespan is empty")
    return Timeline((starts - starts[0]) / span, (ends - starts[0]) / span)


@dataclass(frozen=True)
class Availability:
    """Up intervals of every site, in simulated seconds over [0, horizon_s]."""

    starts: list[np.ndarray]
    ends: list[np.ndarray]
    horizon_s: float
    lifespan_share: np.ndarray | None = None  # each site's up share over its whole timeline

    @classmethod
    def laid_out(cls, timelines: list[Timeline], span_s: float, horizon_s: float) -> Availability:
        """Each timeline over `span_s` seconds, repeated up to `horizon_s` (an up interval
        across a seam is one interval), cut at the horizon."""
        copies = max(1, math.ceil(horizon_s / span_s))
        starts, ends = [], []
        for timeline in timelines:
            s = np.concatenate([(timeline.starts + k) * span_s for k in range(copies)])
            e = np.concatenate([(timeline.ends + k) * span_s for k in range(copies)])
            apart = s[1:] > e[:-1]
            s, e = s[np.r_[True, apart]], e[np.r_[apart, True]]
            inside = s < horizon_s
            starts.append(s[inside])
            ends.append(np.minimum(e[inside], horizon_s))
        return cls(starts, ends, horizon_s, np.array([t.up_share for t in timelines]))

    def up_at(self, t_s: float) -> np.ndarray:
        """Which sites are up at t_s (a boolean per site)."""
        return np.array(
            [
                _inside(starts, ends, t_s)
                for starts, ends in zip(self.starts, self.ends, strict=True)
            ]
        )

    def up_share_until(self, t_s: float) -> np.ndarray:
        """Each site's share of [0, t_s] it was up: what a device could have observed."""
        if t_s <= 0:
            return np.ones(len(self.starts))
        return np.array(
            [
                float((np.minimum(ends, t_s) - np.minimum(starts, t_s)).sum()) / t_s
                for starts, ends in zip(self.starts, self.ends, strict=True)
            ]
        )

    def next_down(self, site: int, t_s: float) -> float | None:
        """When `site`, up at t_s, goes down next (None: it stays up to the horizon)."""
        ends = self.ends[site]
        i = int(np.searchsorted(ends, t_s, side="right"))
        return None if i >= len(ends) or ends[i] >= self.horizon_s else float(ends[i])


def _inside(starts: np.ndarray, ends: np.ndarray, t_s: float) -> bool:
    i = int(np.searchsorted(starts, t_s, side="right")) - 1
    return i >= 0 and t_s < ends[i]


def site_availability(
    sites: int,
    always_up: set[int],
    span_s: float,
    horizon_s: float,
    rng: np.random.Generator,
    trace: list[Timeline] | None = None,
) -> Availability:
    """Timelines for `sites` sites: the ones in `always_up` never fail (the mobile device, the
    data-centre cloud); the others get synthetic timelines, or distinct nodes of `trace` drawn
    at random (one-to-one, as the paper maps Skype nodes to towers)."""
    failing = [s for s in range(sites) if s not in always_up]
    if trace is not None and len(trace) < len(failing):
        raise EdgeledgerError(
            f"the availability trace has {len(trace)} nodes; this infrastructure needs "
            f"{len(failing)}: use fewer towers"
        )
    if trace is not None:
        drawn = iter([trace[int(i)] for i in rng.choice(len(trace), len(failing), replace=False)])
    timelines = [
        Timeline.always_up()
        if s in always_up
        else (next(drawn) if trace is not None else synthetic_timeline(rng))
        for s in range(sites)
    ]
    return Availability.laid_out(timelines, span_s, horizon_s)
