"""QGIS styles inside ``woonzorg.gpkg`` and a QGIS project beside it (``woonzorg.qgz``).

The styles are QML documents, generated here as XML text from the one palette
(:mod:`woonzorg_geo.core.palette`), so a layer looks in QGIS as it does on the Folium maps and in the
print figures. They are stored in the GeoPackage's ``layer_styles`` table, the convention QGIS
uses for styles kept in a data source (columns ``f_table_catalog`` … ``update_time``; one style per
layer is ``useAsDefault``), so a GIS colleague who drags a layer of ``woonzorg.gpkg`` into QGIS sees
it styled. ``woonzorg.qgz`` (a zip holding ``woonzorg.qgs``) opens every layer at once, in a sensible
order with Dutch names, on the built-up area, with paths relative to the project
(``./woonzorg.gpkg|layername=…``) so the folder can be moved.

Styled layers: ``adressen`` (walking time to the huisarts), ``buurten`` (share with OV and a
supermarket within the norm; also focus and veerkracht), ``wijken`` (the same share; also balans),
``voorzieningen`` (by category), ``netwerk`` (roads by class), ``servicegebieden`` (walking areas
by category), ``kandidaatlocaties`` and ``kandidaatcellen`` (score). No QGIS is needed to write them.

The parts: :mod:`.qgis_qml` (symbols, rules, QML), :mod:`.qgis_styles` (the styles of the woonzorg
layers), :mod:`.qgis_gpkg` (the layers of the GeoPackage and its ``layer_styles`` table) and this
module (the project document and :func:`write_qgis`, which writes both).
"""

from __future__ import annotations

import logging
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path

from woonzorg_geo import RD_NEW
from woonzorg_geo.core import provenance
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.escaping import xml_text
from woonzorg_geo.core.records import Manifest
from woonzorg_geo.core.vocabulary import Vocabulary
from woonzorg_geo.outputs.qgis_gpkg import LayerInfo, read_layers, write_layer_styles
from woonzorg_geo.outputs.qgis_qml import QGIS_VERSION, Style, style_body
from woonzorg_geo.outputs.qgis_styles import woonzorg_styles

log = logging.getLogger(__name__)

#: File name of the QGIS project beside ``woonzorg.gpkg``.
PROJECT_NAME = "woonzorg.qgz"
#: The ellipsoid of RD New (Bessel 1841), on which QGIS measures lengths and areas in an RD project.
BESSEL_1841 = "EPSG:7004"


def _srs_xml() -> str:
    import warnings

    from pyproj import CRS

    crs = CRS.from_user_input(RD_NEW)
    with warnings.catch_warnings():  # PROJ warns that a PROJ string loses detail: QGIS reads the WKT
        warnings.simplefilter("ignore", UserWarning)
        proj4 = crs.to_proj4()
    return (
        '<spatialrefsys nativeFormat="Wkt">'
        f"<wkt>{xml_text(crs.to_wkt())}</wkt><proj4>{xml_text(proj4)}</proj4>"
        f"<srsid>2517</srsid><srid>{crs.to_epsg()}</srid><authid>{RD_NEW}</authid>"
        f"<description>{xml_text(crs.name)}</description><projectionacronym>sterea</projectionacronym>"
        f"<ellipsoidacronym>{BESSEL_1841}</ellipsoidacronym><geographicflag>false</geographicflag>"
        "</spatialrefsys>"
    )


_QGIS_GEOMETRY = {
    "Point": "Point",
    "MultiPoint": "Point",
    "LineString": "Line",
    "MultiLineString": "Line",
    "Polygon": "Polygon",
    "MultiPolygon": "Polygon",
}


def project_xml(
    styles: Sequence[Style],
    layers: dict[str, LayerInfo],
    *,
    gpkg_name: str,
    title: str,
    abstract: str,
    extent: tuple[float, float, float, float] | None,
) -> str:
    """The ``.qgs`` document: every style as a layer (Dutch name, stored symbology), top to bottom."""
    srs = _srs_xml()
    tree, maplayers = [], []
    for i, s in enumerate(styles):
        info = layers[s.layer]
        lid = f"{s.layer}_{i:02d}_{uuid.uuid5(uuid.NAMESPACE_URL, s.layer + s.name).hex[:12]}"
        source = f"./{gpkg_name}|layername={s.layer}"
        if s.subset:
            source += f"|subset={s.subset}"
        esc = xml_text(source)
        checked = "Qt::Checked" if s.visible else "Qt::Unchecked"
        tree.append(
            f'<layer-tree-layer id="{lid}" name="{xml_text(s.title)}" source="{esc}" providerKey="ogr" '
            f'checked="{checked}" expanded="{1 if s.visible else 0}"><customproperties/></layer-tree-layer>'
        )
        geom = _QGIS_GEOMETRY.get(info.geometry_type, "Polygon")
        labels = "1" if s.label_field else "0"
        maplayers.append(
            f'<maplayer type="vector" geometry="{geom}" labelsEnabled="{labels}" autoRefreshEnabled="0" '
            'refreshOnNotifyEnabled="0" readOnly="0" hasScaleBasedVisibilityFlag="0" minScale="100000000" '
            'maxScale="0" simplifyDrawingHints="1" simplifyAlgorithm="0" simplifyDrawingTol="1" simplifyLocal="1" '
            'simplifyMaxScale="1" styleCategories="AllStyleCategories">'
            f"<id>{lid}</id><datasource>{esc}</datasource><layername>{xml_text(s.title)}</layername>"
            f"<srs>{srs}</srs>"
            f'<abstract>{xml_text(s.description)}</abstract><provider encoding="UTF-8">ogr</provider>'
            f"{style_body(s)}</maplayer>"
        )
    ext = ""
    if extent is not None:
        x0, y0, x1, y1 = extent
        ext = (
            f'<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>meters</units>'
            f"<extent><xmin>{x0}</xmin><ymin>{y0}</ymin><xmax>{x1}</xmax><ymax>{y1}</ymax></extent>"
            f"<rotation>0</rotation><destinationsrs>{srs}</destinationsrs><rendermaptile>0</rendermaptile>"
            "</mapcanvas>"
            f'<ProjectViewSettings UseProjectScales="0" rotation="0"><Scales/>'
            f'<DefaultViewExtent xmin="{x0}" ymin="{y0}" xmax="{x1}" ymax="{y1}">{srs}</DefaultViewExtent>'
            "</ProjectViewSettings>"
        )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis projectname="{xml_text(title)}" version="{QGIS_VERSION}">'
        f'<homePath path=""/><title>{xml_text(title)}</title>'
        '<autotransaction active="0"/><evaluateDefaultValues active="0"/><trust active="0"/>'
        f"<projectCrs>{srs}</projectCrs>"
        f"<layer-tree-group><customproperties/>{''.join(tree)}</layer-tree-group>"
        f"{ext}"
        f"<projectlayers>{''.join(maplayers)}</projectlayers>"
        # SpatialRefSys/ProjectionsEnabled: without it QGIS (3.22 at least) ignores <projectCrs> when it
        # reads the project and opens it with no CRS at all; ProjectCrs is what it falls back on
        '<properties><SpatialRefSys><ProjectionsEnabled type="int">1</ProjectionsEnabled>'
        f'<ProjectCrs type="QString">{RD_NEW}</ProjectCrs></SpatialRefSys>'
        '<Paths><Absolute type="bool">false</Absolute></Paths>'
        # lengths and areas measured on RD New's ellipsoid (Bessel 1841), as QGIS sets for a new RD project
        f'<Measure><Ellipsoid type="QString">{BESSEL_1841}</Ellipsoid></Measure>'
        '<Measurement><DistanceUnits type="QString">meters</DistanceUnits>'
        '<AreaUnits type="QString">m2</AreaUnits></Measurement></properties>'
        f"<projectMetadata><identifier></identifier><parentidentifier></parentidentifier><language>nl</language>"
        f"<type>dataset</type><title>{xml_text(title)}</title><abstract>{xml_text(abstract)}</abstract>"
        "<links/><author>woonzorg_geo</author></projectMetadata>"
        "</qgis>\n"
    )


def write_qgis(
    gpkg: str | Path,
    *,
    settings: Settings,
    vocabulary: Vocabulary,
    manifest: Manifest | None = None,
    project: str | Path | None = None,
) -> tuple[int, Path]:
    """Store the styles in ``gpkg`` and write the QGIS project beside it.

    Parameters
    ----------
    gpkg
        The ``woonzorg.gpkg`` of an output (being) written.
    settings, vocabulary
        The run's settings (``[kaarten]``, balans classes) and vocabulary (column names).
    manifest
        The output's manifest (sources and dates, for the project's abstract).
    project
        The ``.qgz`` to write (default ``woonzorg.qgz`` beside ``gpkg``).

    Returns
    -------
    (int, Path)
        The number of styles stored and the project file.
    """
    from woonzorg_geo.outputs.maps.geometry import built_up_bounds

    gpkg = Path(gpkg)
    layers = read_layers(gpkg)
    styles = woonzorg_styles(layers, settings=settings, vocabulary=vocabulary)
    defaults = [s for s in styles if s.default]
    n = write_layer_styles(gpkg, [*defaults, *[s for s in styles if not s.default]], layers)
    extent = None
    if "adressen" in layers:
        import geopandas as gpd

        pts = gpd.read_file(gpkg, layer="adressen", columns=[])
        if len(pts):
            extent = built_up_bounds(pts, quantile=settings.kaarten.bebouwd_kwantiel)
    manifest = manifest or {}
    gemeente = settings.gemeente.naam
    abstract = " ".join(
        p
        for p in (
            f"Wonen en zorg in gemeente {gemeente}: bereikbaarheid te voet, draagkracht en draaglast, zoekgebieden.",
            provenance.sources_line(manifest) + "." if provenance.sources_line(manifest) else "",
            "© OpenStreetMap contributors (ODbL); CBS / PDOK (CC BY 4.0).",
        )
        if p
    )
    xml = project_xml(
        styles, layers, gpkg_name=gpkg.name, title=f"Woonzorg {gemeente}", abstract=abstract, extent=extent
    )
    target = Path(project) if project is not None else gpkg.with_name(PROJECT_NAME)
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{target.stem}.qgs", xml)
    tmp.replace(target)
    log.info("%d QGIS-stijlen in %s; project %s", n, gpkg.name, target.name)
    return n, target
