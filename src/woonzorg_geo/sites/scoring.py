"""Scoring the candidates: the criteria's curves and weights, the total per candidate and its explanation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from woonzorg_geo.areas.aggregation import assign_areas
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.site_settings import Criterion, SiteSettings
from woonzorg_geo.network.accessibility import compute_accessibility

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis

DISTANCE_CRITERIA = ("ov", "supermarkt", "huisarts", "apotheek", "ontmoetingsplek", "zorg")
FOCUS_SCORE = {"hoog": 0.0, "midden": 0.5, "laag": 1.0}
VEERKRACHT_SCORE = {"laag": 0.0, "midden": 0.5, "hoog": 1.0}


def curve_score(values: np.ndarray | pd.Series, criterion: Criterion) -> np.ndarray:
    """Score 0–1 by linear interpolation between the criterion's points; NaN stays NaN."""
    xs = np.array([p[0] for p in criterion.punten])
    ys = np.array([p[1] for p in criterion.punten])
    v = np.asarray(values, dtype=float)
    return np.where(np.isnan(v), np.nan, np.interp(v, xs, ys))


def weighted_total(scores: pd.DataFrame, weights: dict[str, float]) -> tuple[pd.Series, pd.Series]:
    """Weighted mean of the available scores per row and the text of the missing criteria."""
    w = pd.Series(weights, dtype=float).reindex(scores.columns).fillna(0.0)
    present = scores.notna()
    wsum = present.mul(w, axis=1).sum(axis=1)
    total = scores.fillna(0.0).mul(w, axis=1).sum(axis=1) / wsum.replace(0.0, np.nan)
    missing = present.apply(lambda r: ", ".join(c for c, ok in r.items() if not ok), axis=1)
    return total, missing


def care_note(voorzieningen: pd.DataFrame, categories: tuple[str, ...]) -> str | None:
    """Say which care categories the data lacks, or None when every one has a location."""
    if not categories:
        return None
    counts = voorzieningen["categorie"].value_counts().reindex(list(categories)).fillna(0).astype(int)
    if (counts > 0).all():
        return None
    found = ", ".join(str(c) for c, n in counts.items() if n > 0)
    lacking = ", ".join(str(c) for c, n in counts.items() if n == 0)
    if not found:
        return f"geen {lacking} in de gegevens"
    return f"alleen {found} in de gegevens, geen {lacking}"


def score_candidates(
    candidates: gpd.GeoDataFrame,
    *,
    analysis: Analysis,
    settings: SiteSettings,
    facts: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Every criterion's value and score, the total and the missing criteria, per candidate.

    ``analysis`` is a :class:`woonzorg_geo.areas.analysis.Analysis`; the distances are walked at
    ``settings.profiel`` over its network. The room criterion ``ruimte`` takes ``ruimte_pct``
    (residential land without buildings, see :func:`land_shares`) where the candidates carry it.
    """
    a = analysis
    if settings.profiel not in a.graphs:
        raise SettingsError(f"locaties.profiel {settings.profiel!r} is niet berekend; draai analyse met dit profiel")
    pg = a.graphs[settings.profiel]
    inputs = a.inputs
    crits = {c.name: c for c in settings.criteria}
    points = gpd.GeoDataFrame(
        geometry=candidates.geometry.representative_point(), crs=candidates.crs, index=candidates.index
    )
    # the distance criteria are categories or composites of the run's vocabulary (ov = bus stop or
    # station), plus 'zorg' = the care categories of [locaties]
    composites = {**a.vocab.composites, "zorg": tuple(settings.zorg_categorieen)}
    cats = [p for c in DISTANCE_CRITERIA if c in crits for p in composites.get(c, (c,))]
    acc = compute_accessibility(
        pg,
        points,
        inputs.voorzieningen,
        categories=list(dict.fromkeys(cats)),
        radii_m=(),
        max_snap_m=settings.max_snap_m,
        composites=composites,
    )
    out = candidates.copy()
    values: dict[str, np.ndarray | pd.Series] = {}
    for name in (c for c in DISTANCE_CRITERIA if c in acc.categories):
        values[name] = acc.categories[name].origin_dist
    out["snap_m"] = acc.origin_snap.dist
    areas, _ = assign_areas(points, inputs.buurten, inputs.wijken)
    out["buurtcode"], out["wijkcode"] = areas["buurtcode"].to_numpy(), areas["wijkcode"].to_numpy()
    b = a.buurten
    w = a.wijken
    out["buurt"] = out["buurtcode"].map(b["naam"])
    out["wijk"] = out["wijkcode"].map(w["naam"])
    if "balans" in w:
        values["balans"] = out["wijkcode"].map(w["balans"]).to_numpy(dtype=float)
    if "focus" in b:
        f = out["buurtcode"].map(b["focus"]).map(FOCUS_SCORE)
        v = out["buurtcode"].map(b["veerkracht"]).map(VEERKRACHT_SCORE)
        values["focus_veerkracht"] = ((f + v) / 2).to_numpy(dtype=float)
        out["focus"] = out["buurtcode"].map(b["focus"])
        out["veerkracht"] = out["buurtcode"].map(b["veerkracht"])
    if facts is not None and len(facts):
        pct_rows = facts.loc[(facts["niveau"] == "wijk") & (facts["indicator"] == "pct_65plus")]
        pct = pd.to_numeric(pct_rows.set_index("code")["waarde"], errors="coerce")
        values["ouderen_aandeel"] = out["wijkcode"].map(pct).to_numpy(dtype=float)
    if "adressen_nabij" in out:
        values["adressen_nabij"] = out["adressen_nabij"].to_numpy(dtype=float)
    if "ruimte_pct" in out:
        values["ruimte"] = out["ruimte_pct"].to_numpy(dtype=float)
    scores = pd.DataFrame(index=out.index)
    for name, crit in crits.items():
        val = np.asarray(values.get(name, np.full(len(out), np.nan)), dtype=float)
        out[f"waarde_{name}"] = val
        scores[name] = curve_score(val, crit)
        out[f"score_{name}"] = scores[name].to_numpy()
    total, missing = weighted_total(scores, {n: c.gewicht for n, c in crits.items()})
    far = acc.origin_snap.dist > settings.max_snap_m
    out["score"] = total.where(~far)
    out["ontbrekend"] = missing
    out["toegankelijk"] = ~far
    return out


def _fmt_value(name: str, value: float, speed: float) -> str:
    if np.isnan(value):
        return "onbekend"
    if name in DISTANCE_CRITERIA:
        return f"{fmt.metres(value)} ({fmt.number(value / speed / 60)} min)"
    if name == "balans":
        return fmt.signed(value)
    if name == "focus_veerkracht":
        return fmt.number(value, 2)
    if name in ("ouderen_aandeel", "ruimte"):
        return fmt.percent(value, 0)
    return fmt.number(value)


def explain(
    row: pd.Series,
    crits: tuple[Criterion, ...],
    *,
    rank: int,
    speed: float,
    notes: Mapping[str, str] | None = None,
) -> str:
    """A Dutch sentence explaining a candidate's rank: its strongest and weakest criteria.

    A criterion named in ``notes`` measures less than its label says (e.g. care: only the hospital
    is in the data): it is never called a strong or the weakest point; its value follows with the note.
    """
    notes = dict(notes or {})
    parts = []
    # (criterion, score, value as the row holds it) for the criteria with a score
    row_scores = [(c, row.get(f"score_{c.name}"), row.get(f"waarde_{c.name}")) for c in crits]
    scored: list[tuple[Criterion, float, Any]] = [
        (c, s, v) for c, s, v in row_scores if s is not None and not np.isnan(s)
    ]
    judged = [(c, s, v) for c, s, v in scored if c.name not in notes]
    strong = sorted(judged, key=lambda t: -(t[1] * t[0].gewicht))[:3]
    weak = sorted(judged, key=lambda t: t[1])[:1]
    parts.append(", ".join(f"{c.label} {_fmt_value(c.name, v, speed)}" for c, s, v in strong if s >= 0.5))
    text = f"Rang {rank} (score {fmt.number(row['score'], 2)}"
    text += f", {row['buurt']} in {row['wijk']})" if isinstance(row.get("buurt"), str) else ")"
    text += ": sterk door " + parts[0] if parts[0] else ": geen sterke punten"
    if weak and weak[0][1] < 0.6:
        c, s, v = weak[0]
        text += f"; zwakste punt: {c.label} {_fmt_value(c.name, v, speed)}"
    for c, s, v in scored:
        if c.name in notes:
            text += f"; {c.label}: {_fmt_value(c.name, v, speed)}, {notes[c.name]}"
    if isinstance(row.get("focus"), str):
        text += f"; focus {row['focus']}, veerkracht {row['veerkracht']}"
    if row.get("ontbrekend"):
        labels = {c.name: c.label for c in crits}
        missing = ", ".join(labels.get(m.strip(), m.strip()) for m in str(row["ontbrekend"]).split(","))
        text += f" (niet meegewogen, onbekend: {missing})"
    return text + "."
