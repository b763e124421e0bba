"""Many initiatives at once: ``toets --lijst``, one report per row, an overview and a map."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import GeocodeError, ToetsError
from .model import ToetsResult
from .places import Places
from .settings import VERDICT_TEXT, Geocode, ToetsSettings

if TYPE_CHECKING:
    from ..pipeline import Analysis

log = logging.getLogger(__name__)

#: Columns of the list of initiatives: a location (``adres``, or ``lon`` and ``lat``), ``type``,
#: ``omvang`` and an optional ``naam``.
LOCATION_COLUMNS = ("adres", "lon", "lat")
REQUIRED_COLUMNS = ("type", "omvang")


@dataclass(frozen=True)
class Initiatief:
    """One row of the list: where, what and how large."""

    regel: int  # line number in the file (the header is line 1)
    naam: str
    adres: str | None
    punt: tuple[float, float] | None  # (lon, lat) in WGS84
    type: str
    omvang: int

    @property
    def invoer(self) -> str:
        """The location as given."""
        if self.adres:
            return self.adres
        assert self.punt is not None
        return f"{self.punt[0]:.5f}, {self.punt[1]:.5f}".replace(".", ",")


@dataclass(frozen=True)
class Lijst:
    """The outcome of a list: the checked rows and the rows that could not be checked, with the reason."""

    bron: str
    getoetst: tuple[tuple[Initiatief, ToetsResult], ...]
    niet_getoetst: tuple[dict[str, Any], ...]  # regel, naam, invoer, reden

    def table(self) -> pd.DataFrame:
        """One row per line of the file: the four parts and the overall verdict, or the reason."""
        rows: list[dict[str, Any]] = []
        for ini, res in self.getoetst:
            loc = res.locatie
            rows.append(
                {
                    "regel": ini.regel,
                    "naam": ini.naam,
                    "invoer": ini.invoer,
                    "type": ini.type,
                    "type_label": res.zorgtype.label,
                    "omvang": ini.omvang,
                    "buurt": loc.get("buurtnaam"),
                    "wijk": loc.get("wijknaam"),
                    **{f"deel_{d.nummer}": d.oordeel for d in res.delen},
                    "oordeel": res.oordeel,
                    "lon": loc.get("lon"),
                    "lat": loc.get("lat"),
                    "rapport": f"toets_{res.slug}.html",
                    "reden": "",
                }
            )
        for r in self.niet_getoetst:
            rows.append(
                {
                    "regel": r["regel"],
                    "naam": r["naam"],
                    "invoer": r["invoer"],
                    "type": r.get("type", ""),
                    "type_label": r.get("type", ""),
                    "omvang": r.get("omvang"),
                    "oordeel": "niet getoetst",
                    "reden": r["reden"],
                }
            )
        cols = [
            "regel",
            "naam",
            "invoer",
            "type",
            "type_label",
            "omvang",
            "buurt",
            "wijk",
            "deel_1",
            "deel_2",
            "deel_3",
            "deel_4",
            "oordeel",
            "reden",
            "lon",
            "lat",
            "rapport",
        ]
        return pd.DataFrame(rows, columns=cols).sort_values("regel").reset_index(drop=True)


def _number(text: str) -> float:
    """A coordinate or size written with a decimal point or comma."""
    return float(text.strip().replace(",", "."))


def read_initiatives(path: str | Path, *, settings: ToetsSettings) -> tuple[list[Initiatief], list[dict[str, Any]]]:
    """Read the list of initiatives (CSV, ``,`` or ``;``, decimal comma accepted).

    Returns
    -------
    list of Initiatief, list of dict
        The rows that can be checked, and those that cannot (``regel``, ``naam``, ``invoer``,
        ``reden``): no location, an unknown type, an implausible size, coordinates out of range.

    Raises
    ------
    DataFileError
        The file cannot be read, or it has no location column or lacks ``type``/``omvang``.
    """
    from ..errors import DataFileError
    from ..sources.tables import read_csv_checked

    what = "lijst met initiatieven"
    table = read_csv_checked(path, what=what, columns=REQUIRED_COLUMNS)
    has_adres = "adres" in table
    has_punt = "lon" in table and "lat" in table
    if not has_adres and not has_punt:
        raise DataFileError(
            path,
            f"{what} heeft geen locatie",
            field="adres of lon, lat",
            fix="voeg een kolom 'adres' (\"Straat 1, Plaats\") of de kolommen 'lon' en 'lat' (WGS84) "
            f"toe; gevonden kolommen: {', '.join(table.columns)}",
        )
    good: list[Initiatief] = []
    bad: list[dict[str, Any]] = []
    records: list[dict[str, str]] = table.to_dict("records")  # type: ignore[assignment]  # read as text (dtype=str)
    for i, row in enumerate(records, start=2):
        naam = str(row.get("naam", "") or "").strip()
        adres = str(row.get("adres", "") or "").strip() if has_adres else ""
        lon_s = str(row.get("lon", "") or "").strip() if has_punt else ""
        lat_s = str(row.get("lat", "") or "").strip() if has_punt else ""
        invoer = adres or (f"{lon_s}; {lat_s}" if lon_s or lat_s else "")
        naam = naam or invoer or f"regel {i}"
        kind = str(row.get("type", "")).strip()
        size_text = str(row.get("omvang", "")).strip()
        base: dict[str, Any] = {"regel": i, "naam": naam, "invoer": invoer, "type": kind, "omvang": size_text}
        try:
            punt = None
            if not adres:
                if not lon_s or not lat_s:
                    raise ToetsError("geen adres en geen lon/lat ingevuld")
                try:
                    punt = (_number(lon_s), _number(lat_s))
                except ValueError:
                    raise ToetsError(f"lon/lat {lon_s!r}, {lat_s!r} zijn geen getallen") from None
                if not (-180 <= punt[0] <= 180 and -90 <= punt[1] <= 90) or not all(map(math.isfinite, punt)):
                    raise ToetsError(f"lon/lat {lon_s}, {lat_s} buiten het bereik van WGS84")
            zt = settings.zorgtype(kind)
            try:
                size = _number(size_text)
            except ValueError:
                raise ToetsError(f"omvang {size_text!r} is geen getal") from None
            if size != int(size):
                raise ToetsError(f"omvang {size_text} is geen heel getal")
            omvang = zt.check_omvang(int(size))
        except ToetsError as exc:
            bad.append({**base, "reden": str(exc)})
            continue
        good.append(Initiatief(regel=i, naam=naam, adres=adres or None, punt=punt, type=zt.key, omvang=omvang))
    return good, bad


def run_lijst(
    analysis: Analysis,
    path: str | Path,
    *,
    register: Path | None = None,
    settings: ToetsSettings,
    geocoder: Geocode | None = None,
    places: Places | None = None,
) -> Lijst:
    """Check every initiative of the list; a row that cannot be placed is listed with the reason.

    Parameters
    ----------
    analysis
        The analysis (see :func:`.check.run_toets`).
    path
        The list (see :func:`read_initiatives`).
    register, settings, geocoder, places
        As for :func:`.check.run_toets`; the register is read once per row.
    """
    from .check import run_toets
    from .places import gemeente_places

    rows, bad = read_initiatives(path, settings=settings)
    pl = places or gemeente_places(analysis.inputs, osm_classes=settings.locatie.plaats_klassen)
    done: list[tuple[Initiatief, ToetsResult]] = []
    failed = list(bad)
    for k, ini in enumerate(rows, start=1):
        log.info("toets %d van %d: regel %d (%s)", k, len(rows), ini.regel, ini.naam)
        try:
            res = run_toets(
                analysis,
                adres=ini.adres,
                punt=ini.punt,
                zorgtype=ini.type,
                omvang=ini.omvang,
                register=register,
                settings=settings,
                geocoder=geocoder,
                places=pl,
            )
        except (ToetsError, GeocodeError) as exc:
            failed.append(
                {
                    "regel": ini.regel,
                    "naam": ini.naam,
                    "invoer": ini.invoer,
                    "type": ini.type,
                    "omvang": ini.omvang,
                    "reden": str(exc),
                }
            )
            continue
        done.append((ini, dataclasses.replace(res, slug=f"regel{ini.regel:03d}_{res.slug}")))
    for r in failed:
        log.warning("lijst %s regel %d (%s) niet getoetst: %s", path, r["regel"], r["naam"], r["reden"])
    return Lijst(bron=str(path), getoetst=tuple(done), niet_getoetst=tuple(sorted(failed, key=lambda r: r["regel"])))


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def lijst_html(lijst: Lijst, *, titel: str) -> str:
    """The overview page: per initiative the four parts and the verdict, sortable by every column."""
    from ..pages import render
    from .html import TOETS_CSS

    table = lijst.table()
    counts = table["oordeel"].value_counts()
    rows = table.astype(object).where(table.notna(), None).to_dict("records")
    return render(
        "toetsen.html",
        title=titel,
        bron=lijst.bron,
        css=TOETS_CSS,
        rows=rows,
        telling=[
            (v, int(counts.get(v, 0)), VERDICT_TEXT.get(v, ""))
            for v in ("groen", "oranje", "rood", "onbekend", "niet getoetst")
        ],
        n_niet=len(lijst.niet_getoetst),
    )


def lijst_map(lijst: Lijst, analysis: Analysis, *, offline: bool | None = None) -> Any:
    """A Folium map with every checked initiative as a dot in the colour of its verdict."""
    import folium
    import geopandas as gpd

    from ..maps.base import add_legend, new_map
    from ..maps.layers import add_area_outlines
    from .html import VERDICT_STYLE

    lonlat = [(r.locatie["lon"], r.locatie["lat"]) for _, r in lijst.getoetst if r.locatie.get("lon") is not None]
    # open on the initiatives (with a margin), else on the gemeente
    bounds: Any = analysis.inputs.gemeente
    if lonlat:  # their box with a margin
        pts = gpd.GeoSeries(gpd.points_from_xy(*zip(*lonlat, strict=True)), crs="EPSG:4326").to_crs(analysis.wijken.crs)
        x0, y0, x1, y1 = pts.total_bounds
        bounds = (x0 - 500.0, y0 - 500.0, x1 + 500.0, y1 + 500.0)
    m = new_map(bounds, offline=offline, title="Getoetste zorginitiatieven")
    add_area_outlines(m, analysis.wijken)
    group = folium.FeatureGroup(name="Initiatieven (kleur = oordeel)").add_to(m)
    for ini, res in lijst.getoetst:
        lon, lat = res.locatie.get("lon"), res.locatie.get("lat")
        if lon is None or lat is None:
            continue
        colour = VERDICT_STYLE.get(res.oordeel, VERDICT_STYLE["onbekend"])[0]
        delen = "<br>".join(f"deel {d.nummer} {_esc(d.titel)}: <b>{_esc(d.oordeel)}</b>" for d in res.delen)
        popup = (
            f"<b>{_esc(ini.naam)}</b><br>{_esc(res.zorgtype.label)}, {ini.omvang} {_esc(res.zorgtype.omvang_eenheid)}"
            f"<br>{_esc(res.locatie.get('label', ini.invoer))}<br>oordeel: <b>{_esc(res.oordeel)}</b><br>{delen}"
            f"<br><a href='{_esc(f'toets_{res.slug}.html')}' target='_blank'>rapport openen</a>"
        )
        folium.CircleMarker(
            [lat, lon],
            radius=9,
            color="#333333",
            weight=1.5,
            fill=True,
            fill_color=colour,
            fill_opacity=0.9,
            tooltip=_esc(f"regel {ini.regel}: {ini.naam} — {res.oordeel}"),
            popup=folium.Popup(popup, max_width=320),
        ).add_to(group)
    add_legend(
        m,
        "Oordeel van de toets",
        [(VERDICT_STYLE[v][0], f"{v}: {VERDICT_TEXT[v]}") for v in VERDICT_STYLE],
        symbol="circle",
    )
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _esc(value: object) -> str:
    """User text for the map's tooltips and popups (HTML inside a JavaScript template literal)."""
    from ..escaping import html_in_js

    return html_in_js(value)


def write_lijst(lijst: Lijst, out_dir: str | Path, analysis: Analysis, *, offline: bool | None = None) -> list[Path]:
    """Write one report per checked row, ``toetsen.csv``, ``toetsen.html`` and ``toetsen_kaart.html``.

    Everything goes into ``out_dir`` (``output/toetsen`` by default) at once: written in a staging
    folder and moved in place only when complete, so a failure leaves the previous lijst as it was.
    """
    import json

    from ..io import staged_dir, write_csv
    from ..maps.layers import render
    from .html import toets_html

    out_dir = Path(out_dir)
    titel = f"Toetsen van {len(lijst.getoetst) + len(lijst.niet_getoetst)} zorginitiatieven ({Path(lijst.bron).name})"
    with staged_dir(out_dir, replace_set=True) as tmp:
        for _, res in lijst.getoetst:
            (tmp / f"toets_{res.slug}.html").write_text(toets_html(res), encoding="utf-8")
            (tmp / f"toets_{res.slug}.json").write_text(
                json.dumps(res.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        write_csv(tmp / "toetsen.csv", lijst.table(), index=False, encoding="utf-8")
        (tmp / "toetsen.html").write_text(lijst_html(lijst, titel=titel), encoding="utf-8")
        (tmp / "toetsen_kaart.html").write_text(render(lijst_map(lijst, analysis, offline=offline)), encoding="utf-8")
        files = sorted(p.relative_to(tmp) for p in tmp.iterdir() if p.is_file())
    return [out_dir / f for f in files]


def summary_lines(lijst: Lijst) -> Sequence[str]:
    """The outcome in a few Dutch lines for the console."""
    table = lijst.table()
    lines = [f"{len(lijst.getoetst)} initiatieven getoetst, {len(lijst.niet_getoetst)} niet:"]
    for _, r in table.iterrows():
        if r["oordeel"] == "niet getoetst":
            lines.append(f"  regel {r['regel']} {r['naam']}: NIET GETOETST — {r['reden']}")
        else:
            lines.append(
                f"  regel {r['regel']} {r['naam']}: {r['oordeel']} (delen {r['deel_1']}, {r['deel_2']}, "
                f"{r['deel_3']}, {r['deel_4']})"
            )
    return lines
