"""The FRESCO paper's claims, each judged from a replay's rows, never written by hand.

Every engine of a run meets the same world (the same devices, tasks and availability trace), so
a claim that one engine is the lowest (or the highest) of all on a metric is judged run by run:
for each other engine, the 95% confidence interval (Student's t) of the mean of the per-run
differences. The claim *agrees* when every difference lies wholly on its side of zero, it
*disagrees* when some engine's difference lies wholly on the other side (those engines are
named), and otherwise the runs do *not separate* it from the engines whose difference spans
zero. Fewer than two runs in common give no interval, so nothing is separated. A claim whose
engine (or measurement) the run lacks is *not judged*. The decision-time claim is judged on the
sweep's measured 95th percentiles.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

AGREES, DISAGREES, NOT_SEPARATED = "agrees", "disagrees", "not separated"
NOT_JUDGED = "not judged"  # the run lacks what the claim is about (an engine, a measurement)
DECISION_BOUND_MS = 1000.0  # "in milliseconds": every swept size decides within a second


@dataclass(frozen=True)
class Interval:
    """A mean and its 95% confidence interval."""

    mean: float
    low: float
    high: float

    def __str__(self) -> str:
        if math.isnan(self.mean):
            return "no run in common"
        if math.isinf(self.high):
            return f"{_shown(self.mean)} (one run)"
        return f"{_shown(self.mean)} [{_shown(self.low)}, {_shown(self.high)}]"


def _shown(value: float) -> str:
    """Three decimals; a value that rounds to zero is 0.000, not -0.000."""
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def interval(values: Iterable[float]) -> Interval:
    """The mean of `values` and its 95% confidence interval (Student's t, n - 1 degrees of
    freedom); one value gives an unbounded interval."""
    data = [float(v) for v in values]
    n = len(data)
    mean = sum(data) / n
    if n < 2:
        return Interval(mean, -math.inf, math.inf)
    half = reach(n) * math.sqrt(sum((v - mean) ** 2 for v in data) / (n - 1))
    return Interval(mean, mean - half, mean + half)


def reach(runs: int) -> float:
    """How far the 95% interval of a mean over `runs` (2 or more) reaches either side, in
    standard deviations of one run (Student's t, runs - 1 degrees of freedom)."""
    from scipy.stats import t

    return float(t.ppf(0.975, runs - 1)) / math.sqrt(runs)


@dataclass(frozen=True)
class Claim:
    """`engine` has the lowest (`highest`: the highest) `metric` of every engine run, on each
    of `applications` (empty: every application)."""

    text: str
    engine: str
    metric: str
    highest: bool = False
    applications: tuple[str, ...] = ()


# The paper's claims on its figures (Section VI): FRESCO the fastest and the fewest QoS
# violations on Intrasafed and MobiAR; MDP the most violations.
CLAIMS = (
    Claim("FRESCO has the best response time", "FRESCO", "response_s"),
    Claim(
        "FRESCO has the fewest QoS violations",
        "FRESCO",
        "qos_violation_rate",
        applications=("Intrasafed", "MobiAR"),
    ),
    Claim("MDP has the most QoS violations", "MDP", "qos_violation_rate", highest=True),
)


@dataclass(frozen=True)
class Verdict:
    claim: str
    application: str
    verdict: str
    detail: str


def paired(own: dict[int, float], other: dict[int, float]) -> Interval:
    """The mean of `own` minus `other` over the runs both have (by run number), and its 95%
    interval; no run in common gives an unbounded interval around nothing."""
    common = sorted(own.keys() & other.keys())
    if not common:
        return Interval(math.nan, -math.inf, math.inf)
    return interval(own[r] - other[r] for r in common)


def judge(claim: Claim, application: str, values: dict[str, dict[int, float]]) -> Verdict:
    """`claim` on one application, from every engine's metric by run."""
    if claim.engine not in values:
        return Verdict(claim.text, application, NOT_JUDGED, f"{claim.engine} was not run")
    own = values[claim.engine]
    differences = {e: paired(own, runs) for e, runs in values.items() if e != claim.engine}
    if not differences:
        return Verdict(claim.text, application, NOT_JUDGED, "no other engine was run")

    def on_claim_side(d: Interval) -> bool:  # the claimed engine wholly lower (higher)
        return d.low > 0 if claim.highest else d.high < 0

    def on_other_side(d: Interval) -> bool:
        return d.high < 0 if claim.highest else d.low > 0

    ahead = [e for e, d in differences.items() if on_other_side(d)]
    # Clear of zero on neither side; a difference of no run in common (NaN) is level too.
    level = [e for e, d in differences.items() if not (on_claim_side(d) or on_other_side(d))]
    figures = f"{claim.engine} {interval(own.values())}"

    def named(engines: list[str]) -> str:
        return "; ".join(f"{e} {interval(values[e].values())}" for e in engines)

    def by(engines: list[str]) -> str:
        return "; ".join(f"{e}: {differences[e]}" for e in engines)

    for verdict, engines, relation in (
        (DISAGREES, ahead, "ahead of it"),
        (NOT_SEPARATED, level, "level with"),
    ):
        if engines:
            detail = (
                f"{figures}; {relation}: {named(engines)} "
                f"(run by run, {claim.engine} minus {by(engines)})"
            )
            return Verdict(claim.text, application, verdict, detail)
    return Verdict(
        claim.text, application, AGREES, f"{figures}; every other engine separated run by run"
    )


def verdicts(rows: list[dict[str, Any]], sweep: list[dict[str, Any]]) -> list[Verdict]:
    """Every claim on every application it covers, from the runs' rows (one per run,
    application and engine), then the decision-time claim from the sweep's rows."""
    applications = list(dict.fromkeys(r["application"] for r in rows))
    found = []
    for claim in CLAIMS:
        for application in claim.applications or applications:
            if application not in applications:
                continue
            by_engine: dict[str, dict[int, float]] = {}
            for row in rows:
                if row["application"] == application:
                    runs = by_engine.setdefault(row["engine"], {})
                    runs[int(row["run"])] = float(row[claim.metric])
            found.append(judge(claim, application, by_engine))
    found.append(decision_time_verdict(sweep))
    return found


def decision_time_verdict(sweep: list[dict[str, Any]]) -> Verdict:
    """FRESCO decides in milliseconds: its measured 95th percentile under DECISION_BOUND_MS at
    every swept number of sites."""
    text = "FRESCO decides in milliseconds"
    points = [r for r in sweep if r["engine"] == "FRESCO"]
    if not points:
        return Verdict(text, "all", NOT_JUDGED, "FRESCO's decision time was not swept")
    if any(math.isnan(r["p95_ms"]) for r in points):
        return Verdict(text, "all", NOT_JUDGED, "a size of the sweep has no measured p95")
    worst = max(points, key=lambda r: r["p95_ms"])
    detail = f"p95 at most {worst['p95_ms']:.1f} ms ({worst['sites']} sites)"
    verdict = AGREES if worst["p95_ms"] < DECISION_BOUND_MS else DISAGREES
    return Verdict(text, "all", verdict, f"{detail}; the bound is {DECISION_BOUND_MS:g} ms")
