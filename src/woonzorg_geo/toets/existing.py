"""The existing care initiatives of a check as arrays, with their counts per buurt and wijk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def _present_str(value: object) -> bool:
    return isinstance(value, str)


def _counts(*columns: Sequence[Any]) -> dict[Any, int]:
    """How often each value (or tuple of values) occurs, for values that are text (as ``==`` in pandas finds them)."""
    out: dict[Any, int] = {}
    for key in zip(*columns, strict=True):
        if all(map(_present_str, key)):
            k = key[0] if len(key) == 1 else key
            out[k] = out.get(k, 0) + 1
    return out


@dataclass(frozen=True)
class ExistingInitiatives:
    """The existing initiatives as arrays, made once per register (a list of sites shares them).

    ``geoms`` … ``type_label`` hold every initiative (the frame's rows in order); ``per_buurt``,
    ``per_wijk`` and ``per_buurt_type``/``per_wijk_type`` count those within a buurt of the
    gemeente by area code (and type).
    """

    geoms: np.ndarray
    naam: np.ndarray
    adres: np.ndarray
    type: np.ndarray
    type_text: np.ndarray  # ``type`` as text ('' where missing), for comparisons
    type_label: np.ndarray
    bron: np.ndarray
    n_gemeente: int
    per_buurt: dict[Any, int]
    per_wijk: dict[Any, int]
    per_buurt_type: dict[Any, int]
    per_wijk_type: dict[Any, int]

    @classmethod
    def of(cls, init: gpd.GeoDataFrame, init_areas: pd.DataFrame) -> ExistingInitiatives:
        """From the initiatives and those of them within the gemeente (``buurtcode``, ``wijkcode``, ``type``)."""

        def col(name: str) -> np.ndarray:
            if name not in init or not len(init):
                return np.full(len(init), None, dtype=object)
            values: np.ndarray = init[name].to_numpy(dtype=object)
            return values

        in_gem = init_areas.dropna(subset=["buurtcode"]) if len(init_areas) else init_areas
        buurt = list(in_gem["buurtcode"]) if len(in_gem) else []
        wijk = list(in_gem["wijkcode"]) if len(in_gem) else []
        types = list(in_gem["type"]) if len(in_gem) else []
        kinds = col("type")
        return cls(
            geoms=init.geometry.to_numpy() if len(init) else np.zeros(0, dtype=object),
            naam=col("naam"),
            adres=col("adres"),
            type=kinds,
            type_text=np.array([k if isinstance(k, str) else "" for k in kinds], dtype=object),
            type_label=col("type_label"),
            bron=col("bron"),
            n_gemeente=len(in_gem),
            per_buurt=_counts(buurt),
            per_wijk=_counts(wijk),
            per_buurt_type=_counts(buurt, types),
            per_wijk_type=_counts(wijk, types),
        )

    def distance(self, point: shapely.Point) -> np.ndarray:
        """The straight distance (m) from ``point`` to every initiative (as ``GeoSeries.distance``)."""
        return np.asarray(shapely.distance(self.geoms, point), dtype=float) if len(self.geoms) else np.zeros(0)

    def in_area(self, level: str, code: object, kind: str | None = None) -> int:
        """The initiatives within the gemeente in the buurt or wijk ``code`` (of type ``kind``)."""
        if not isinstance(code, str):
            return 0
        if kind is None:
            return (self.per_buurt if level == "buurt" else self.per_wijk).get(code, 0)
        return (self.per_buurt_type if level == "buurt" else self.per_wijk_type).get((code, kind), 0)
