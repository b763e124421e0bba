"""Typo-tolerant search of voorzieningen by name, address or id.

A planner types "Poeisz" or "Albert Hein" and means Poiesz or Albert Heijn; an id (``vz00318``) or
the start of a name ("Jumb") must still work. :func:`find_voorzieningen` scores every voorziening
on its name, its address (where the frame has an ``adres`` column, see
:func:`woonzorg_geo.sources.addresses.with_addresses`) and its id, and returns the best matches with what a
person needs to tell them apart: name, category, address and place (lon/lat).

Scores run from 0 to 100:

* an exact id (any case) scores 100;
* a name that starts with the query scores at least 95, a name with a word that starts with it
  at least 90 (queries of two characters or more);
* otherwise the name and the address are compared with rapidfuzz's ``WRatio`` (a weighted mix
  of whole, partial and token-order comparisons) on text in lower case without accents or
  punctuation; the best of the two counts.

Matches below ``min_score`` are dropped and at most ``limit`` are returned; both default to
``[zoeken]`` in the settings (see :class:`woonzorg_geo.core.config.SearchSettings` for the reasoning).

Examples
--------
>>> import geopandas as gpd
>>> vz = gpd.GeoDataFrame(
...     {"naam": ["Poiesz", "Albert Heijn Hillenga"], "categorie": ["supermarkt", "supermarkt"]},
...     geometry=gpd.points_from_xy([233000.0, 234000.0], [557000.0, 558000.0]),
...     crs="EPSG:28992",
...     index=["vz1", "vz2"],
... )
>>> find_voorzieningen(vz, "Poeisz")["id"].tolist()
['vz1']
>>> find_voorzieningen(vz, "Albert Hein")["naam"].tolist()
['Albert Heijn Hillenga']
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from woonzorg_geo import WGS84

if TYPE_CHECKING:
    import geopandas as gpd

    from woonzorg_geo.core.config import SearchSettings

log = logging.getLogger(__name__)

#: The columns of :func:`find_voorzieningen`'s answer, in their order.
COLUMNS = ("id", "naam", "categorie", "adres", "lon", "lat", "score", "gevonden_op")

#: A name that starts with the query, or has a word that does: at least these scores.
PREFIX_SCORE = 95.0
WORD_PREFIX_SCORE = 90.0


@functools.lru_cache(maxsize=1)
def _default_settings() -> SearchSettings:
    from woonzorg_geo.core.settings_loader import load_settings

    return load_settings().zoeken


def normalise(text: object) -> str:
    """Text as compared: lower case, accents and punctuation removed, spaces folded ("Sönmez" → "sonmez")."""
    from woonzorg_geo.sources.geocode import normalise_street

    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return normalise_street(str(text))


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    if column not in frame:
        return [""] * len(frame)
    return [normalise(v) for v in frame[column].to_numpy()]


def _prefix_scores(query: str, names: list[str]) -> np.ndarray:
    out = np.zeros(len(names))
    if len(query) < 2:
        return out
    for k, name in enumerate(names):
        if name.startswith(query):
            out[k] = PREFIX_SCORE
        elif any(word.startswith(query) for word in name.split()):
            out[k] = WORD_PREFIX_SCORE
    return out


def score_voorzieningen(voorzieningen: pd.DataFrame, query: str) -> pd.DataFrame:
    """Every voorziening's score (0-100) for ``query`` and the field that gave it.

    Returns
    -------
    pandas.DataFrame
        Indexed as ``voorzieningen``, with ``score`` and ``gevonden_op`` (``id``, ``naam`` or
        ``adres``); an empty query scores 0 everywhere.
    """
    from rapidfuzz import fuzz, process

    q = normalise(query)
    n = len(voorzieningen)
    if not q or n == 0:
        return pd.DataFrame({"score": np.zeros(n), "gevonden_op": [""] * n}, index=voorzieningen.index)
    names = _texts(voorzieningen, "naam")
    addresses = _texts(voorzieningen, "adres")
    by_name = process.cdist([q], names, scorer=fuzz.WRatio, dtype=np.float64)[0]
    by_name = np.maximum(by_name, _prefix_scores(q, names))
    by_address = process.cdist([q], addresses, scorer=fuzz.WRatio, dtype=np.float64)[0]
    ids = np.array([str(i).strip().lower() for i in voorzieningen.index])
    by_id = np.where(ids == query.strip().lower(), 100.0, 0.0)
    stack = np.vstack([by_id, by_name, by_address])
    best = np.argmax(stack, axis=0)
    return pd.DataFrame(
        {"score": stack[best, np.arange(n)], "gevonden_op": np.array(["id", "naam", "adres"])[best]},
        index=voorzieningen.index,
    )


def find_voorzieningen(
    voorzieningen: gpd.GeoDataFrame,
    query: str,
    *,
    categorie: str | None = None,
    limit: int | None = None,
    min_score: float | None = None,
    settings: SearchSettings | None = None,
) -> pd.DataFrame:
    """The voorzieningen that best match ``query`` on name, address or id, best first.

    Parameters
    ----------
    voorzieningen
        Indexed by id, with ``naam``, ``categorie`` and a point geometry (any CRS); an ``adres``
        column is searched and returned where present. Not changed.
    query
        What the person typed: a name (typos allowed), the start of a name, an address or an id.
    categorie
        Only voorzieningen of this category (its key, e.g. ``"supermarkt"``).
    limit, min_score
        At most ``limit`` matches scoring at least ``min_score``; default from ``settings``.
    settings
        ``[zoeken]`` of the run's settings; default the package's.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: ``id``, ``naam`` (``''`` when unnamed), ``categorie``, ``adres``
        (street, number and postcode where known, else ``''``), ``lon``, ``lat`` (WGS84),
        ``score`` (0-100, one decimal) and ``gevonden_op`` (``id``, ``naam`` or ``adres``); ordered
        by score, then name and id. Empty when nothing matches well enough.
    """
    s = settings or _default_settings()
    limit = s.max_resultaten if limit is None else int(limit)
    min_score = s.min_score if min_score is None else float(min_score)
    frame = voorzieningen
    if categorie is not None and "categorie" in frame:
        frame = frame.loc[frame["categorie"].astype(str) == categorie]
    scores = score_voorzieningen(frame, query)
    keep = scores.loc[scores["score"] >= min_score]
    if keep.empty or limit <= 0:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("lon", "lat", "score") else object) for c in COLUMNS})
    rows = frame.loc[keep.index]
    names = rows["naam"].fillna("").astype(str) if "naam" in rows else pd.Series("", index=rows.index)
    out = pd.DataFrame(
        {
            "id": [str(i) for i in rows.index],
            "naam": names.to_numpy(),
            "categorie": rows["categorie"].astype(str).to_numpy() if "categorie" in rows else "",
            "adres": rows["adres"].fillna("").astype(str).to_numpy() if "adres" in rows else "",
            "score": keep["score"].round(1).to_numpy(),
            "gevonden_op": keep["gevonden_op"].to_numpy(),
            "_pos": np.arange(len(rows)),
        }
    )
    out = out.sort_values(["score", "naam", "id"], ascending=[False, True, True], kind="stable").head(limit)
    points = rows.geometry.iloc[out["_pos"].to_numpy()]
    if rows.crs is not None and not rows.crs.equals(WGS84):
        points = points.to_crs(WGS84)
    out["lon"] = np.round(points.x.to_numpy(), 6)
    out["lat"] = np.round(points.y.to_numpy(), 6)
    return out.reset_index(drop=True)[list(COLUMNS)]


def describe(match: pd.Series | dict[str, Any]) -> str:
    """One match as a person reads it: ``Poiesz (supermarkt, vz00317), Rode Heklaan 1, 9401 AB``."""
    naam = str(match.get("naam") or "") or "(naamloos)"
    adres = str(match.get("adres") or "")
    text = f"{naam} ({match.get('categorie')}, {match.get('id')})"
    return f"{text}, {adres}" if adres else f"{text}, adres onbekend"
