"""The bar charts: one indicator per chart, the wijken compared, with the gemeente's value or their mean."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from woonzorg_geo.areas.summary import gemeente_figures
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core import provenance
from woonzorg_geo.core.palette import AREA_EDGE, CAPACITY_CLASSES, LOAD_CLASSES, PCT_CLASSES, Classes
from woonzorg_geo.core.vocabulary import Vocabulary

if TYPE_CHECKING:
    from matplotlib.figure import Figure


from woonzorg_geo.outputs.figures.common import FONT, FigureContext, draw_source, draw_title, new_figure, source_line


@dataclass(frozen=True)
class Indicator:
    """One indicator of the wijken for a bar chart."""

    column: str
    label: str
    source: str
    reference: float | None
    reference_label: str
    classes: Classes | None = None
    external: bool = False  # a figure of another source (the report's tables), not computed from the data


def indicators(ctx: FigureContext) -> list[Indicator]:
    """The indicators charted per wijk: the shares within the norm (with the gemeente's value), the
    overlay indices and every overlay indicator of the settings (with the mean of the wijken)."""
    data, vocab = ctx.data, ctx.vocab
    w = data.wijken
    gem = gemeente_figures(data.summary, data.profile)
    acc_src = f"bereikbaarheid te voet, profiel {vocab.profile_label(data.profile)}"
    out: list[Indicator] = []
    for name in (*vocab.combinations, *vocab.key_categories):
        key = vocab.pct(name)
        col = data.col(key)
        if col in w.columns:
            ref = gem.get(key)
            out.append(
                Indicator(
                    col,
                    f"% woningen met {vocab.share_label(name)}",
                    acc_src,
                    None if ref is None else float(ref),
                    "gemeente",
                    PCT_CLASSES,
                )
            )
    for col, label, classes in (
        ("draaglast", "Draaglast (z-score)", LOAD_CLASSES),
        ("draagkracht", "Draagkracht (z-score)", CAPACITY_CLASSES),
        ("balans", "Balans draagkracht − draaglast", None),
    ):
        if col in w.columns and pd.to_numeric(w[col], errors="coerce").notna().any():
            out.append(
                Indicator(
                    col,
                    label,
                    "overlays van woonzorg_geo ([overlays] van de instellingen)",
                    0.0,
                    "gemiddelde van de wijken",
                    classes,
                )
            )
    ov = vocab.resolve_overlays(ctx.settings.overlays)
    seen = {i.column for i in out}
    for ind in (*ov.draaglast, *ov.draagkracht):
        if ind.kolom in seen or ind.kolom not in w.columns:
            continue
        values = pd.to_numeric(w[ind.kolom], errors="coerce")
        if values.notna().sum() < 2:
            continue
        seen.add(ind.kolom)
        out.append(
            Indicator(
                ind.kolom,
                _capital(ind.label or ind.kolom),
                ind.bron or "instellingen [overlays]",
                float(values.mean()),
                "gemiddelde van de wijken (ongewogen)",
                external=True,
            )
        )
    return out


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _value_text(vocab: Vocabulary, column: str, value: float, decimals: int = 1) -> str:
    base, _ = vocab.split_profile(column)
    if base.startswith("pct_"):
        return fmt.percent(value, 0)
    if base in ("draaglast", "draagkracht", "balans"):
        return fmt.signed(value)
    return fmt.number(value, decimals)


def indicator_chart(ctx: FigureContext, ind: Indicator) -> Figure:
    """A bar chart comparing the wijken on one indicator, with the gemeente's value as a line."""
    from matplotlib.ticker import FuncFormatter

    vocab = ctx.vocab
    w = ctx.data.wijken[["naam", ind.column]].copy()
    w["v"] = pd.to_numeric(w[ind.column], errors="coerce")
    w = w.sort_values("v", ascending=True, na_position="first")
    n = len(w)
    height = 3.3 + 0.42 * n
    fig = new_figure(height)
    draw_title(fig, ind.label, f"Per wijk, gemeente {ctx.gemeente}")
    ax = fig.add_axes((0.22, 1.75 / height, 0.70, (height - 3.3) / height))
    y = np.arange(n)
    vals = w["v"].to_numpy(dtype=float)
    if ind.classes is not None:
        colours = [ind.classes.colour(int(i)) for i in ind.classes.index(vals)]
    else:
        colours = ["#4a7fb0" if not math.isnan(v) else "#cccccc" for v in vals]
    ax.barh(y, np.nan_to_num(vals), color=colours, edgecolor=AREA_EDGE, linewidth=0.3, height=0.65, zorder=3)
    ax.set_yticks(y, [str(t) for t in w["naam"]], fontsize=6.5, family=FONT)
    finite = vals[np.isfinite(vals)]
    dec = 0 if len(finite) and np.allclose(finite, np.round(finite)) else 1
    lo = min(0.0, float(finite.min()) if len(finite) else 0.0)
    hi = max(0.0, float(finite.max()) if len(finite) else 1.0)
    if ind.reference is not None:
        lo, hi = min(lo, ind.reference), max(hi, ind.reference)
    if vocab.split_profile(ind.column)[0].startswith("pct_"):
        lo, hi = 0.0, max(hi, 100.0)
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - 0.02 * span if lo < 0 else lo, hi + 0.14 * span)
    for yi, v in zip(y.tolist(), vals):
        if math.isnan(v):
            ax.text(0, yi, f" {fmt.MISSING}", va="center", ha="left", fontsize=5.8, color="#555555", family=FONT)
            continue
        ax.text(
            v + (0.01 * span if v >= 0 else -0.01 * span),
            yi,
            _value_text(vocab, ind.column, v, dec),
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=5.8,
            family=FONT,
            zorder=4,
        )
    if ind.reference is not None and math.isfinite(ind.reference):
        ax.axvline(ind.reference, color="#222222", linestyle=(0, (4, 2)), linewidth=0.8, zorder=5)
        ax.text(
            ind.reference,
            n - 0.35,
            f" {ind.reference_label}: {_value_text(vocab, ind.column, ind.reference, 1)}",
            fontsize=5.8,
            va="bottom",
            ha="left",
            family=FONT,
            zorder=6,
            bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 0.5},
        )
    ax.set_ylim(-0.6, n + 0.3)
    ax.axvline(0, color="#888888", linewidth=0.5, zorder=2)
    ax.grid(axis="x", color="#e3e3e3", linewidth=0.4, zorder=0)
    ax.tick_params(axis="x", labelsize=6)
    base = vocab.split_profile(ind.column)[0]
    unit = (
        "% van de adressen"
        if base.startswith("pct_") and ind.classes is PCT_CLASSES
        else "z-score"
        if base in ("draaglast", "draagkracht", "balans")
        else ""
    )
    if unit:
        ax.set_xlabel(unit, fontsize=6, family=FONT, color="#333333")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt.number(x, 0 if float(x).is_integer() else 1)))
    for sp in ("top", "right"):
        ax.spines[sp].set_visible(False)
    if ind.external:
        made = provenance.made_text(ctx.data.manifest)
        draw_source(
            fig,
            f"Bron: {ind.source}. Grafiek: woonzorg_geo{f', analyse van {made}' if made else ''}; "
            "het gemiddelde is dat van de wijkcijfers, niet gewogen naar inwoners.",
        )
    else:
        draw_source(fig, source_line(ctx, f"Indicator: {ind.source}"))
    return fig
