"""CBS areas (gemeente, wijken, buurten) and kerncijfers from local files."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.validate import check_layer, read_vector, require_file

log = logging.getLogger(__name__)

#: CBS marks secret or unknown values with large negative sentinels (e.g. -99999999, -99999997).
CBS_MISSING_THRESHOLD = -99990000
#: Text placeholders CBS uses for unknown or secret values.
CBS_MISSING_STRINGS = frozenset({".", "", "-", "x", "X"})
_CODE_RE = {
    "buurt": re.compile(r"^BU\d{8}$"),
    "wijk": re.compile(r"^WK\d{6}$"),
    "gemeente": re.compile(r"^GM\d{4}$"),
}


def cbs_missing_to_nan(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Return a copy with CBS's secret/missing values as NaN.

    Numeric values at or below -99,990,000 (CBS's -99999999, -99999997, …) and the placeholders
    in :data:`CBS_MISSING_STRINGS` become NaN. A text column whose other values are all numbers
    (or numeric strings, as read from CSV) becomes numeric; other text columns keep their text.

    Parameters
    ----------
    frame
        The table (not modified).
    columns
        Columns to treat; default every column but the geometry.
    """
    out = frame.copy()
    geom = getattr(out, "_geometry_column_name", None)
    for col in columns if columns is not None else [c for c in out.columns if c != geom]:
        series = out[col]
        if pd.api.types.is_bool_dtype(series):
            continue
        if not pd.api.types.is_numeric_dtype(series):
            values = series.astype(object)
            placeholder = values.map(lambda v: isinstance(v, str) and v.strip() in CBS_MISSING_STRINGS)
            values = values.mask(placeholder, None)
            present = values.dropna()
            numeric = pd.to_numeric(present, errors="coerce")
            if len(present) and numeric.notna().all() and not present.map(lambda v: isinstance(v, bool)).any():
                series = pd.to_numeric(values, errors="coerce")
            elif len(present) == 0 and placeholder.any():
                series = pd.Series(np.nan, index=values.index)
            else:
                out[col] = values if placeholder.any() else series
                continue
        series = series.astype(float)
        out[col] = series.mask(series <= CBS_MISSING_THRESHOLD)
    return out


def wijkcode_of(buurtcode: str) -> str:
    """The wijk code of a buurt code: ``BU01060504`` → ``WK010605``."""
    if not _CODE_RE["buurt"].match(buurtcode):
        raise ValueError(f"geen geldige buurtcode: {buurtcode!r} (verwacht BU + 8 cijfers)")
    return "WK" + buurtcode[2:8]


def gemeentecode_of(code: str) -> str:
    """The gemeente code of a wijk or buurt code: ``WK010605`` → ``GM0106``."""
    return "GM" + code[2:6]


def read_areas(
    path: str | Path,
    *,
    level: str,
    code_field: str = "statcode",
    name_field: str = "statnaam",
    gemeentecode: str | None = None,
    layer: str | None = None,
    warn: bool = True,
) -> gpd.GeoDataFrame:
    """Read CBS buurten or wijken from a local GeoJSON or GeoPackage.

    Parameters
    ----------
    path
        The file.
    level
        ``"buurt"`` or ``"wijk"``.
    code_field, name_field
        Fields with the CBS code and name (``statcode``/``statnaam`` in CBS gebiedsindelingen,
        ``buurtcode``/``buurtnaam`` in the wijk- en buurtkaart).
    gemeentecode
        Keep only areas of this gemeente.
    warn
        Warn about the areas without geometry (the file holds some: Borger-Odoorn's Noordesch,
        Buinerveen and Odoornerveen in the Drenthe buurten) and those repaired with ``make_valid``.
        A warning names each such area and the gemeente that owns it, and only the areas kept (of
        ``gemeentecode``): a file of many gemeenten warns each about its own.

    Returns
    -------
    GeoDataFrame
        EPSG:28992, index ``code``; columns ``naam``, ``gemeentecode`` and, for buurten,
        ``wijkcode``; other attributes kept with CBS missing values as NaN. An area without
        geometry stays, with an empty geometry: it is an area of the gemeente all the same.
    """
    if level not in ("buurt", "wijk"):
        raise ValueError(f"level moet 'buurt' of 'wijk' zijn, kreeg {level!r}")
    gdf = read_vector(path, what=f"CBS-{level}en", layer=layer, columns=[code_field, name_field], keep_empty=True)
    codes = gdf[code_field].astype(str).str.strip()
    repaired = codes.loc[gdf.attrs.get("repaired_rows", [])].to_numpy()
    bad = ~codes.str.match(_CODE_RE[level])
    if bad.any():
        raise DataFileError(
            path,
            f"{int(bad.sum())} ongeldige {level}code(s), bijv. {codes[bad].iloc[0]!r}",
            field=code_field,
            fix=f"codes moeten de vorm {'BU01060504' if level == 'buurt' else 'WK010605'} hebben",
        )
    if codes.duplicated().any():
        raise DataFileError(
            path,
            f"dubbele {level}codes: {sorted(codes[codes.duplicated()].unique())[:5]}",
            field=code_field,
            fix="elke code mag één keer voorkomen",
        )
    gdf = gdf.assign(code=codes.to_numpy(), naam=gdf[name_field].astype(str).to_numpy())
    gdf["gemeentecode"] = gdf["code"].map(gemeentecode_of)
    if level == "buurt":
        gdf["wijkcode"] = gdf["code"].map(wijkcode_of)
    if gemeentecode is not None:
        gdf = gdf.loc[gdf["gemeentecode"] == gemeentecode]
        if gdf.empty:
            raise DataFileError(
                path,
                f"geen {level}en van gemeente {gemeentecode}",
                field=code_field,
                fix="controleer de gemeentecode in de instellingen",
            )
    gdf = _polygonal(gdf)
    fixed = gdf.loc[gdf["code"].isin(repaired)]
    if warn and len(fixed):
        for gm, rows in fixed.groupby("gemeentecode"):
            log.warning(
                "gemeente %s: %d ongeldige geometrie(ën) van %sen in %s gerepareerd (make_valid): %s",
                gm,
                len(rows),
                level,
                path,
                ", ".join(f"{n} ({c})" for c, n in zip(rows["code"], rows["naam"], strict=True)),
            )
    empty = gdf.geometry.is_empty.to_numpy()
    if warn and empty.any():
        for gm, rows in gdf.loc[empty].groupby("gemeentecode"):
            log.warning(
                "gemeente %s: %d %s(en) zonder geometrie in %s: %s; ze blijven als rij in de uitvoer met hun cijfers als "
                "onbekend",
                gm,
                len(rows),
                level,
                path,
                ", ".join(f"{n} ({c})" for c, n in zip(rows["code"], rows["naam"], strict=True)),
            )
    # a 'FID' attribute clashes with the GeoPackage feature id: keep it under another name
    gdf = gdf.rename(columns={c: f"bron_{c.lower()}" for c in gdf.columns if c.lower() == "fid"})
    drop = [c for c in (code_field, name_field) if c not in ("code", "naam")]
    gdf = gdf.drop(columns=drop).set_index("code")
    return cbs_missing_to_nan(gdf)


def _polygonal(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Areas as (Multi)Polygons: a repaired self-intersection (``make_valid``) can come back as a
    GeometryCollection of polygons and stray lines or points, which are no part of an area."""
    geoms = gdf.geometry.to_numpy()
    mixed = shapely.get_type_id(geoms) == 7
    if not mixed.any():
        return gdf
    fixed = geoms.copy()
    for i in np.flatnonzero(mixed):
        parts = [p for p in shapely.get_parts(shapely.get_parts(geoms[i])) if p.geom_type == "Polygon"]
        fixed[i] = shapely.MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else shapely.Polygon())
    out = gdf.copy()
    out[out.geometry.name] = fixed
    return out


def wijken_from_buurten(buurten: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The wijken drawn as the union of their buurten, with the wijk table's attributes.

    CBS wijk polygons are published (and generalised) separately from the buurten and can
    disagree with them by ~100 m or, after a re-indeling, by whole buurten. A wijk is by
    definition the set of its buurten (wijkcode = ``WK`` + buurtcode[2:8]), so its geometry is
    the dissolve of those buurten; the wijk file then only gives names and figures, and its own
    polygon is used only for a wijk that has no buurten in ``buurten`` (logged).

    Parameters
    ----------
    buurten
        Buurten indexed by code with a ``wijkcode`` column (see :func:`read_areas`).
    wijken
        Wijken indexed by code with a ``naam`` column.

    Returns
    -------
    GeoDataFrame
        One row per wijk of ``wijken`` plus any wijk that only the buurten name (its ``naam`` is
        then its code), in the CRS of ``buurten``, index ``code``.
    """
    if buurten.empty:
        return wijken.copy()
    wijken = wijken.to_crs(buurten.crs)
    parts = buurten[["wijkcode", buurten.geometry.name]].loc[~buurten.geometry.is_empty]
    shapes = parts.dissolve(by="wijkcode").geometry
    out = wijken.copy()
    has = out.index.isin(shapes.index)
    out.loc[has, out.geometry.name] = shapes.reindex(out.index[has]).to_numpy()
    if (~has).any():
        log.warning(
            "wijken zonder buurten, getekend met hun eigen (grove) polygoon: %s", ", ".join(map(str, out.index[~has]))
        )
    extra = shapes.index.difference(out.index)
    if len(extra):
        log.warning("buurten verwijzen naar wijken die het wijkbestand niet kent: %s (naam = code)", ", ".join(extra))
        add = gpd.GeoDataFrame(
            {"naam": list(extra)},
            geometry=shapes.loc[extra].to_numpy(),
            index=pd.Index(extra, name=out.index.name),
            crs=out.crs,
        )
        if "gemeentecode" in out:
            add["gemeentecode"] = [gemeentecode_of(c) for c in extra]
        out = pd.concat([out, add])
    return out


def read_boundary(
    path: str | Path, *, crs: str = WGS84, code: str | None = None, code_field: str = "statcode"
) -> gpd.GeoDataFrame:
    """Read a gemeente boundary from GeoJSON: a FeatureCollection, a Feature or a bare geometry.

    A bare geometry (as PDOK's WFS export of one gemeente) carries no CRS; ``crs`` says which
    (GeoJSON's default, EPSG:4326). A file of several gemeenten (CBS gebiedsindelingen, with
    ``code_field``) is reduced to the feature of ``code``.
    """
    path = require_file(path, what="de gemeentegrens (GeoJSON)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(path, f"geen geldige JSON ({exc})", fix="lever een GeoJSON-bestand aan") from exc
    if doc.get("type") in ("Polygon", "MultiPolygon"):
        geom = shapely.geometry.shape(doc)
        gdf = gpd.GeoDataFrame({"naam": ["gemeente"]}, geometry=[geom], crs=crs)
    elif doc.get("type") in ("Feature", "FeatureCollection"):
        feats = doc["features"] if doc["type"] == "FeatureCollection" else [doc]
        gdf = gpd.GeoDataFrame.from_features(feats, crs=crs)
    else:
        raise DataFileError(
            path,
            f"onverwacht GeoJSON-type {doc.get('type')!r}",
            field="type",
            fix="lever een (Multi)Polygon, Feature of FeatureCollection aan",
        )
    gdf = check_layer(gdf, path=path, what="gemeentegrens", to_crs=RD_NEW)
    if not gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all():
        raise DataFileError(path, "gemeentegrens is geen vlak", field="geometry")
    if code is not None and code_field in gdf and (len(gdf) > 1 or (gdf[code_field] != code).any()):
        codes = gdf[code_field].astype(str).str.strip()
        if not (codes == code).any():
            raise DataFileError(
                path,
                f"gemeente {code} staat niet in dit bestand ({len(gdf)} gemeenten, bijv. {codes.iloc[0]})",
                field=code_field,
                fix="kies het bestand met de grens van deze gemeente",
            )
        gdf = gdf.loc[(codes == code).to_numpy()]
    return gdf


#: Kerncijfers fields the package uses (inhabitants and dwellings, as CBS StatLine 85984NED and PDOK
#: name them): each must be a number or missing, and not negative.
KERNCIJFERS_COUNTS = ("AantalInwoners_5", "aantalInwoners", "Woningvoorraad_35", "woningvoorraad")
#: A CBS StatLine variable key (``AantalInwoners_5``, ``OppervlakteLand_123``): a number by definition.
_STATLINE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]*_\d+$")


def _is_number(value: object) -> bool:
    """A finite number, or text that is one (a CSV cell such as ``"7165"``); not a bool."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return bool(np.isfinite(value))
    return False


def check_kerncijfers(frame: pd.DataFrame, *, path: str | Path) -> None:
    """Every value of a number field of the kerncijfers must be a number, or missing.

    ``frame`` is the table after :func:`cbs_missing_to_nan` (CBS's secret values and placeholders
    already NaN: those are allowed, e.g. ``Woningvoorraad_35`` of three wijken in 2024). A number
    field is one the package uses (:data:`KERNCIJFERS_COUNTS`), a CBS StatLine key (``Naam_12``) or
    a column holding at least one number; another text column (a name) is left alone. A value such
    as ``"7165 stuks"`` would be copied as text into ``inwoners_cbs`` and make the toets take its
    inhabitants from elsewhere; a negative count is no count.

    Raises
    ------
    DataFileError
        Naming the file, the row (its CBS code), the field and the value.
    """
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            bad = values.notna() & ~np.isfinite(values.astype(float))
        else:
            is_num = values.map(_is_number)
            missing = values.map(lambda v: v is None or (isinstance(v, float) and np.isnan(v)))
            numeric_field = col in KERNCIJFERS_COUNTS or bool(_STATLINE_KEY.match(str(col))) or bool(is_num.any())
            if not numeric_field:
                continue
            bad = ~(is_num | missing)
        if bad.any():
            code, value = bad.index[bad][0], values[bad].iloc[0]
            raise DataFileError(
                path,
                f"rij {code}: waarde {value!r} is geen getal ({int(bad.sum())} zulke waarde(n) in deze kolom)",
                field=str(col),
                fix="schrijf alleen een getal (zonder eenheid of tekst, punt als decimaalteken); laat het veld leeg "
                "waar CBS het geheimhoudt",
            )
        if col in KERNCIJFERS_COUNTS:
            numbers = pd.to_numeric(values, errors="coerce")
            negative = numbers < 0
            if negative.any():
                code = negative.index[negative][0]
                raise DataFileError(
                    path,
                    f"rij {code}: {fmt.compact(numbers[negative].iloc[0])} is negatief; een aantal kan niet negatief zijn",
                    field=str(col),
                    fix="zet het juiste aantal uit CBS StatLine (tabel 85984NED), of laat het veld leeg als het onbekend "
                    "is",
                )


def read_kerncijfers(path: str | Path, *, codes: list[str] | None = None) -> pd.DataFrame:
    """Read CBS kerncijfers (CSV with a ``code`` column, or JSON ``{code: {var: value}}``).

    Returns a DataFrame indexed by CBS code with missing values as NaN. The rows of ``codes`` are
    checked: every number field holds numbers (see :func:`check_kerncijfers`).
    """
    path = require_file(path, what="CBS-kerncijfers")
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataFileError(path, f"geen geldige JSON ({exc})") from exc
        if not isinstance(doc, dict):
            raise DataFileError(path, "verwacht een object {code: {variabele: waarde}}")
        if codes is not None:
            doc = {k: v for k, v in doc.items() if k in set(codes)}
        rows = [k for k, v in doc.items() if not isinstance(v, dict)]
        if rows:
            raise DataFileError(
                path,
                f"rij {rows[0]}: verwacht een object {{variabele: waarde}}, kreeg {doc[rows[0]]!r}",
                fix="geef per CBS-code een object met de kerncijfers",
            )
        frame = pd.DataFrame.from_dict(doc, orient="index")
        frame.index.name = "code"
    else:
        from woonzorg_geo.sources.tables import read_csv_checked

        frame = read_csv_checked(path, what="CBS-kerncijfers", columns=["code"]).set_index("code")
    if codes is not None:
        frame = frame.loc[frame.index.intersection(codes)]
    out = cbs_missing_to_nan(frame)
    check_kerncijfers(out, path=path)
    return out
