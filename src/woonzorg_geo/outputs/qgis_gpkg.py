"""The GeoPackage side of the QGIS styles: its layers as the styles see them, and the ``layer_styles`` table.

QGIS keeps styles stored in a data source in the table ``layer_styles`` (columns ``f_table_catalog``
… ``update_time``; one style per layer is ``useAsDefault``); a layer dragged from ``woonzorg.gpkg``
into QGIS then opens styled.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from woonzorg_geo.outputs.qgis_qml import Style


@dataclass(frozen=True)
class LayerInfo:
    """What the styles need to know of a layer in the GeoPackage."""

    name: str
    geometry_type: str
    geometry_column: str
    fields: tuple[str, ...]
    categories: tuple[str, ...] = ()  # distinct values of ``categorie`` (voorzieningen, servicegebieden)


def read_layers(gpkg: str | Path) -> dict[str, LayerInfo]:
    """The layers of a GeoPackage with their geometry, fields and categories."""
    import pyogrio

    out = {}
    for name, geom in pyogrio.list_layers(gpkg):
        if geom is None or name == "layer_styles":
            continue
        info = pyogrio.read_info(gpkg, layer=name)
        fields = tuple(str(f) for f in info["fields"])
        cats: tuple[str, ...] = ()
        if "categorie" in fields:
            with sqlite3.connect(str(gpkg)) as con:
                cats = tuple(
                    str(r[0])
                    for r in con.execute(f'SELECT DISTINCT categorie FROM "{name}" WHERE categorie IS NOT NULL')
                )
        out[str(name)] = LayerInfo(str(name), str(geom), str(info.get("geometry_name") or "geom"), fields, cats)
    return out


_CREATE = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256),
  f_table_schema TEXT(256),
  f_table_name TEXT(256),
  f_geometry_column TEXT(256),
  styleName TEXT(30),
  styleQML TEXT,
  styleSLD TEXT,
  useAsDefault BOOLEAN,
  description TEXT,
  owner TEXT(30),
  ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)"""


def write_layer_styles(gpkg: str | Path, styles: Sequence[Style], layers: dict[str, LayerInfo]) -> int:
    """Store ``styles`` in the GeoPackage's ``layer_styles`` table (replacing earlier rows of the same
    layers), registered in ``gpkg_contents`` so that GDAL and QGIS find it. Returns the number of rows."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    con = sqlite3.connect(str(gpkg))
    try:
        with con:
            con.execute(_CREATE)
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
                "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
                "'QGIS-stijlen (woonzorg_geo)', ?)",
                (now,),
            )
            names = sorted({s.layer for s in styles})
            con.executemany("DELETE FROM layer_styles WHERE f_table_name = ?", [(n,) for n in names])
            rows = [
                (
                    "",
                    "",
                    s.layer,
                    layers[s.layer].geometry_column,
                    s.name,
                    s.qml(),
                    "",
                    1 if s.default else 0,
                    s.description,
                    "woonzorg_geo",
                    "",
                    now,
                )
                for s in styles
            ]
            con.executemany(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, "
                "ui, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    finally:
        con.close()
    return len(styles)
