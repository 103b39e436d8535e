"""FRESCO's infrastructure: the site classes of Table I, towers clustered into cells, and the
arrays the models and decision engines compute on (one entry per site, vectorised).

Each tower is an edge site of a random class (ED, EC or ER); k-means groups the towers into
cells; one cloud serves every cell, and the mobile device is a site too (local execution).
The network columns are this project's choice (the paper gives none): ED has the fast link
Table I describes, the cloud a slow and far one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans

from edgeledger.errors import EdgeledgerError


class SiteKind(IntEnum):
    ED = 0  # edge database server: data-intensive tasks, fast network
    EC = 1  # edge compute server: compute-intensive tasks
    ER = 2  # edge regular server
    CLOUD = 3
    MOBILE = 4

    @property
    def is_edge(self) -> bool:
        return self in (SiteKind.ED, SiteKind.EC, SiteKind.ER)


@dataclass(frozen=True)
class SiteClass:
    cores: int
    cpu_mhz: int
    ram_gb: float
    storage_gb: float
    bandwidth_mhz: float  # radio (edge) or WAN (cloud) bandwidth for the Shannon rate
    round_trip_s: float  # propagation, both ways together


# Table I; network columns chosen here (see the module docstring and README).
SITE_CLASSES: dict[SiteKind, SiteClass] = {
    SiteKind.ED: SiteClass(8, 2_100, 8, 300, bandwidth_mhz=40, round_trip_s=0.004),
    SiteKind.EC: SiteClass(16, 2_800, 16, 150, bandwidth_mhz=20, round_trip_s=0.008),
    SiteKind.ER: SiteClass(4, 1_800, 8, 150, bandwidth_mhz=20, round_trip_s=0.008),
    SiteKind.CLOUD: SiteClass(64, 2_400, 128, 1_000, bandwidth_mhz=10, round_trip_s=0.060),
    SiteKind.MOBILE: SiteClass(2, 1_800, 8, 16, bandwidth_mhz=0, round_trip_s=0.0),
}
EDGE_KINDS = (SiteKind.ED, SiteKind.EC, SiteKind.ER)


@dataclass(frozen=True)
class Infrastructure:
    """Every site as columns. Edge sites come first (in tower order), then the cloud, then the
    mobile device; `cell` is the tower's cell, -1 for the cloud and the mobile device."""

    kind: np.ndarray  # SiteKind per site
    cell: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    cells: int

    @property
    def size(self) -> int:
        return len(self.kind)

    @property
    def cloud(self) -> int:
        return self.size - 2

    @property
    def mobile(self) -> int:
        return self.size - 1

    @property
    def remote(self) -> np.ndarray:
        """Indices of the sites that are reputation nodes: every edge site and the cloud."""
        return np.arange(self.size - 1)

    def column(self, name: str) -> np.ndarray:
        """A SiteClass attribute for every site (cores, cpu_mhz, ram_gb, ...)."""
        table = np.array([getattr(SITE_CLASSES[SiteKind(k)], name) for k in range(len(SiteKind))])
        return table[self.kind]

    def capacity_mcps(self) -> np.ndarray:
        """Every site's processing capacity: all its cores at their clock, in M cycles/s."""
        return self.column("cores") * self.column("cpu_mhz")

    def candidates(self, cell: int) -> np.ndarray:
        """The sites a device in `cell` can offload to: the cell's edge sites, the cloud and
        itself."""
        return np.concatenate([np.flatnonzero(self.cell == cell), [self.cloud, self.mobile]])

    def center_of(self, cell: int) -> tuple[float, float]:
        members = self.cell == cell
        return float(self.x_km[members].mean()), float(self.y_km[members].mean())


def synthetic_towers(count: int, rng: np.random.Generator, extent_km: float = 10.0) -> np.ndarray:
    """Tower positions (km) in a square: a few dense centres plus scattered towers, like a
    city's cell map."""
    if count < 1:
        raise EdgeledgerError(f"need at least one tower, got {count}")
    centres = rng.uniform(0.2 * extent_km, 0.8 * extent_km, size=(max(1, count // 15), 2))
    clustered = count * 2 // 3
    near = centres[rng.integers(len(centres), size=clustered)]
    near = near + rng.normal(scale=0.08 * extent_km, size=(clustered, 2))
    scattered = rng.uniform(0, extent_km, size=(count - clustered, 2))
    return np.clip(np.vstack([near, scattered]), 0, extent_km)


def load_towers(path: Path) -> np.ndarray:
    """Tower positions (km, local plane) from a CSV with longitude and latitude columns
    (WGS84), e.g. an OpenCellID export. Refuses a malformed file in one line."""
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise EdgeledgerError(f"cannot read towers file {path}: {error.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise EdgeledgerError(f"{path} is not a CSV file ({error})") from None
    if not rows or not {"longitude", "latitude"} <= set(rows[0]):
        raise EdgeledgerError(f"{path} needs a header with longitude and latitude columns")
    try:
        lon = np.array([float(row["longitude"]) for row in rows])
        lat = np.array([float(row["latitude"]) for row in rows])
    except (TypeError, ValueError) as error:
        raise EdgeledgerError(
            f"{path}: a longitude or latitude is not a number ({error})"
        ) from None
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise EdgeledgerError(f"{path}: longitudes and latitudes must be finite numbers")
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise EdgeledgerError(f"{path}: a latitude is outside ±90 or a longitude outside ±180")
    # Equirectangular projection around the set's centre: fine at city scale.
    earth_km = 6_371.0
    x = np.radians(lon - lon.mean()) * earth_km * np.cos(np.radians(lat.mean()))
    y = np.radians(lat - lat.mean()) * earth_km
    return np.column_stack([x - x.min(), y - y.min()])


def build_infrastructure(
    towers_km: np.ndarray, cells: int, rng: np.random.Generator
) -> Infrastructure:
    """One edge site per tower (class drawn at random), towers grouped into `cells` by k-means,
    plus one cloud and the mobile device."""
    if not 1 <= cells <= len(towers_km):
        raise EdgeledgerError(
            f"cells must be between 1 and the {len(towers_km)} towers, got {cells}"
        )
    seed = int(rng.integers(2**31))
    labels = KMeans(n_clusters=cells, n_init=4, random_state=seed).fit_predict(towers_km)
    kinds = rng.choice(np.array(EDGE_KINDS, dtype=int), size=len(towers_km))
    # Every cell needs each edge class at least once (the paper's cells have ER, ED and EC).
    for cell in range(cells):
        members = rng.permutation(np.flatnonzero(labels == cell))[: len(EDGE_KINDS)]
        kinds[members] = np.array(EDGE_KINDS[: len(members)], dtype=int)
    centre = towers_km.mean(axis=0)
    return Infrastructure(
        kind=np.concatenate([kinds, [SiteKind.CLOUD, SiteKind.MOBILE]]).astype(int),
        cell=np.concatenate([labels, [-1, -1]]).astype(int),
        x_km=np.concatenate([towers_km[:, 0], [centre[0], 0.0]]),
        y_km=np.concatenate([towers_km[:, 1], [centre[1], 0.0]]),
        cells=cells,
    )
