"""What every builder needs: the configuration, the seeded random generator, the scale and a few helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from helpers.cleaning.courts import catalogue_names
from helpers.context import Conf, project_root

CITY = "441600"
SEP = "\x1f"  # canonical separator of several values in one truth cell; vendors render their own


@dataclass
class Context:
    """Configuration, random generator and scale shared by the builders of one generation run."""

    rng: np.random.Generator
    scale: int = 1
    conf: Conf = field(default_factory=lambda: Conf(project_root()))

    @cached_property
    def cfg(self) -> dict[str, Any]:
        return self.conf.read("sample_data")

    @cached_property
    def catalog(self) -> dict[str, Any]:
        return self.conf.read("sources")

    @cached_property
    def units(self) -> dict[str, float]:
        """Unit → factor to its base unit (cleaning.yaml), for amounts written in a vendor's unit."""
        return self.conf.read("cleaning")["units"]

    @cached_property
    def concordance(self) -> dict[str, str]:
        """IPC prefix → strategic emerging industry (ipc_sei.yaml)."""
        return self.conf.read("ipc_sei")["categories"]

    @cached_property
    def ip_causes(self) -> frozenset[str]:
        """Every cause name of the I11 catalogue (court_cases.yaml: 《民事案件案由规定》 Part 5)."""
        return frozenset(catalogue_names(self.conf.read("court_cases")["ip_causes"]))

    @cached_property
    def area_names(self) -> dict[str, str]:
        areas = self.conf.read("areas")
        names = {c["code"]: c["name"] for c in areas["counties"]}
        return {**names, CITY: areas["city"]["name"]}

    @cached_property
    def peers(self) -> list[str]:
        """The codes of the plan's peer cities (areas.yaml `peers`, read as the official statistics read them)."""
        from helpers.context import Context as Run

        return list(Run.load(self.conf.root, self.conf.plan_dir).official.peers)

    @cached_property
    def short_names(self) -> dict[str, str]:
        return {c["code"]: c["short"] for c in self.conf.read("areas")["counties"]}

    @property
    def years(self) -> list[int]:
        return list(self.cfg["years"])

    def pick(self, options: list[Any] | np.ndarray, n: int, p: list[float] | np.ndarray | None = None) -> np.ndarray:
        """n draws from `options` (with probabilities `p`, normalised)."""
        options = np.asarray(options, dtype=object)
        if p is not None:
            p = np.asarray(p, dtype=float) / np.sum(p)
        return options[self.rng.choice(len(options), size=n, p=p)]

    def days_in_year(self, years: np.ndarray) -> pd.Series:
        """A uniformly drawn date within each given year."""
        years = np.asarray(years, dtype=np.int64)
        starts = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
        length = ((years - 1969).astype("datetime64[Y]").astype("datetime64[D]") - starts).astype(np.int64)
        days = starts + self.rng.integers(0, length).astype("timedelta64[D]")
        return pd.Series(days.astype("datetime64[s]"))

    def area_shares(self, year: int, weights: dict[str, float], tilt: dict[str, float] | None = None) -> np.ndarray:
        """Shares of the configured areas in `year`: base weights, each tilted by its yearly drift after base."""
        areas = self.cfg["areas"]
        base = np.array([weights[a] for a in areas], dtype=float)
        if tilt:
            drift = np.array([tilt[a] for a in areas], dtype=float)
            base = base * (1 + drift) ** max(0, year - self.cfg["base_year"])
        return base / base.sum()

    def areas_for(
        self, years: np.ndarray, weights: dict[str, float], tilt: dict[str, float] | None = None
    ) -> np.ndarray:
        """An area per row, drawn with the (tilted) shares of the row's year."""
        years = np.asarray(years, dtype=int)
        out = np.empty(len(years), dtype=object)
        for year in np.unique(years):
            mask = years == year
            out[mask] = self.pick(self.cfg["areas"], int(mask.sum()), p=self.area_shares(int(year), weights, tilt))
        return out


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to `weights` summing exactly to `total` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    remainder = total - counts.sum()
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def labels(counts: dict[str, int] | list[tuple[Any, int]]) -> np.ndarray:
    """A label repeated by its count, e.g. {'441602': 2, '441621': 1} → [441602, 441602, 441621]."""
    items = counts.items() if isinstance(counts, dict) else counts
    return np.concatenate([np.full(int(n), key, dtype=object) for key, n in items] or [np.array([], dtype=object)])
