"""What the maps are made from: the layers and summary of one ``analyse`` output folder (:class:`MapData`)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import pandas as pd

from woonzorg_geo import RD_NEW
from woonzorg_geo.areas.summary import RunSummary
from woonzorg_geo.core import provenance
from woonzorg_geo.core.config import MapSettings
from woonzorg_geo.core.errors import DataFileError, MissingDataError
from woonzorg_geo.core.files import json_default
from woonzorg_geo.core.io import read_manifest
from woonzorg_geo.core.palette import LOCAL_ROADS, MAIN_ROADS
from woonzorg_geo.core.records import Manifest
from woonzorg_geo.core.vocabulary import REPORT_NORM, Vocabulary, default_vocabulary
from woonzorg_geo.outputs.maps.captions import Caption, share_caption, walk_caption
from woonzorg_geo.outputs.maps.geometry import built_up_bounds, check_crs
from woonzorg_geo.outputs.maps.surfaces import SurfaceBand

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis

log = logging.getLogger(__name__)

#: Of the essentials (``kerncategorieen``), those whose walking time colours the homes on a wijk map
#: (three layers keep a wijk map under 1 MB); the others still appear in the panel.
HOME_THEMES: tuple[str, ...] = ("huisarts", "supermarkt", "ov")


@dataclass
class MapData:
    """What the maps are made from: the layers of one ``analyse`` output folder, one profile."""

    out_dir: Path
    profile: str
    suffix: str
    addresses: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    voorzieningen: gpd.GeoDataFrame
    service_areas: gpd.GeoDataFrame
    network: gpd.GeoDataFrame
    summary: RunSummary
    vocab: Vocabulary
    manifest: Manifest = field(default_factory=lambda: Manifest())
    map_settings: MapSettings = field(default_factory=MapSettings)
    #: The profile's surfaces in memory, per category (a run that draws its maps while it writes
    #: them, see :func:`map_data_from_analysis`); empty: read from the GeoTIFFs in ``out_dir``.
    bands: dict[str, SurfaceBand] = field(default_factory=dict)
    #: The captions made so far (the same on every map of the set): (kind, category, measure) → caption.
    captions: dict[tuple[str, str, str], Caption] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def attribution(self) -> str:
        """The maps' attribution: licences, sources and the data's dates (from ``manifest.json``)."""
        return provenance.attribution(self.manifest)

    @property
    def sources(self) -> str:
        """The data's sources and dates as one line for a panel (``''`` when the output has no manifest)."""
        return provenance.sources_line(self.manifest)

    def view(self, frame: gpd.GeoDataFrame | None = None) -> tuple[float, float, float, float] | gpd.GeoDataFrame:
        """Where a map opens: the built-up extent of the gemeente's addresses, trimmed of outliers by
        ``[kaarten] bebouwd_kwantiel``; for one area (``frame``, e.g. a wijk) the extent of all its
        addresses (a wijk's edge neighbourhoods are part of it); the area itself where it has no
        addresses."""
        pts = self.addresses
        quantile = self.map_settings.bebouwd_kwantiel
        if frame is not None and "code" in frame.columns:
            pts = pts[pts["wijkcode"].isin(frame["code"])]
            quantile = 0.0
        if len(pts) == 0:
            return frame if frame is not None else self.wijken
        return built_up_bounds(pts, quantile=quantile, pad_m=100.0)

    def tif(self, cat: str) -> Path:
        """The surface GeoTIFF of a category for this profile."""
        return self.out_dir / f"bereikbaarheid_{cat}_{self.profile}.tif"

    def surface(self, cat: str) -> Path | SurfaceBand | None:
        """The surface of a category for this profile: in memory, else its GeoTIFF; ``None`` when neither exists."""
        if cat in self.bands:
            return self.bands[cat]
        tif = self.tif(cat)
        return tif if tif.is_file() else None

    def col(self, name: str) -> str:
        """A column name with the profile suffix."""
        return f"{name}{self.suffix}"

    def walk_caption(self, category: str, *, measure: str = "Looptijd te voet van de woning") -> Caption:
        """The legend of the walking time or distance to ``category``: destination, profile, data and dates."""
        key = ("walk", category, measure)
        if key not in self.captions:
            self.captions[key] = walk_caption(
                self.vocab,
                category,
                profile=self.profile,
                manifest=self.manifest,
                voorzieningen=self.voorzieningen,
                measure=measure,
            )
        return self.captions[key]

    def share_caption(self) -> Caption:
        """The legend of the areas' share of homes within the norm of the report's combination."""
        vocab = self.vocab
        key = ("share", REPORT_NORM, "")
        if key not in self.captions:
            self.captions[key] = share_caption(
                vocab,
                REPORT_NORM,
                title=f"Buurten: % woningen met {vocab.noun(REPORT_NORM)} ≤ {vocab.norm_text}",
                profile=self.profile,
                manifest=self.manifest,
                voorzieningen=self.voorzieningen,
            )
        return self.captions[key]

    @property
    def home_categories(self) -> list[str]:
        """The categories whose walking time colours the homes (see :data:`HOME_THEMES`)."""
        have = {*self.vocab.categories, *self.vocab.composites}
        return [c for c in HOME_THEMES if c in have]


def read_summary(path: Path, *, out_dir: Path) -> RunSummary:
    """The ``samenvatting.json`` of an ``analyse`` output folder, checked for what the maps and figures use.

    Raises
    ------
    MissingDataError
        When it is absent.
    DataFileError
        When it is not UTF-8 JSON, not an object, or its ``profielen``, ``gemeente`` or ``norm_m``
        have the wrong form; each names the file, the field and the fix (run ``analyse`` again).
    """
    fix = f"draai `woonzorg-geo analyse --out {out_dir}` opnieuw; samenvatting.json wordt dan opnieuw geschreven"
    if not path.is_file():
        raise MissingDataError(path, fix, problem="bestand ontbreekt")
    try:
        summary = json.loads(path.read_text("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"geen UTF-8 (byte {exc.start})", fix=fix) from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"geen geldige JSON ({exc})", fix=fix) from exc
    if not isinstance(summary, dict):
        raise DataFileError(path, f"verwacht een JSON-object {{...}}, maar het is een {_json_kind(summary)}", fix=fix)
    profielen = summary.get("profielen")
    if not isinstance(profielen, dict) or not profielen or not all(isinstance(v, dict) for v in profielen.values()):
        raise DataFileError(
            path, "de doorgerekende profielen ontbreken of hebben een verkeerde vorm", field="profielen", fix=fix
        )
    if "gemeente" in summary and not isinstance(summary["gemeente"], dict):
        raise DataFileError(path, "verwacht een object met code en naam", field="gemeente", fix=fix)
    norm = summary.get("norm_m")
    if norm is not None and (isinstance(norm, bool) or not isinstance(norm, (int, float)) or not 0 < norm <= 5000):
        raise DataFileError(path, f"geen loopnorm in meters: {norm!r}", field="norm_m", fix=fix)
    return cast("RunSummary", summary)  # checked above for the parts the maps and figures read


def _json_kind(value: object) -> str:
    kinds = {list: "lijst", str: "tekst", int: "getal", float: "getal", bool: "true/false", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def load_map_data(
    out_dir: str | Path,
    *,
    profile_suffix: str = "",
    profile: str | None = None,
    vocabulary: Vocabulary | None = None,
    map_settings: MapSettings | None = None,
) -> MapData:
    """Read what the maps need from an ``analyse`` output folder.

    Parameters
    ----------
    out_dir
        The folder ``analyse`` wrote.
    profile
        The walking profile to show (default: the run's main profile). Its columns are found by
        the run's suffix rule (the main profile has none), read from ``samenvatting.json``.
    profile_suffix
        Older form of ``profile``: ``"_senior"`` means profile ``senior``.
    vocabulary
        Labels and categories (default: the package settings'); the norm and profiles are taken
        from the output's ``samenvatting.json`` where it records them.
    map_settings
        ``[kaarten]`` of the settings: the lighter tone below ``min_adressen`` and the built-up
        extent the maps open on (default: the package's).

    Raises
    ------
    MissingDataError
        When ``woonzorg.gpkg`` is absent.
    DataFileError
        When a layer or column is missing or the profile is not in the output (names the file
        and the field).
    """
    import pyogrio

    out_dir = Path(out_dir)
    gpkg = out_dir / "woonzorg.gpkg"
    if not gpkg.is_file():
        raise MissingDataError(gpkg, f"draai eerst `woonzorg-geo analyse --out {out_dir}`")
    if profile_suffix and not re.fullmatch(r"_[a-z0-9]+", profile_suffix):
        raise ValueError(f"profile_suffix moet leeg zijn of zoals '_senior', kreeg {profile_suffix!r}")
    sj = out_dir / "samenvatting.json"
    summary = read_summary(sj, out_dir=out_dir)
    profiles = list(summary.get("profielen", {}))
    vocab = (vocabulary or default_vocabulary()).with_run(profiles=profiles or None, norm_m=summary.get("norm_m"))
    if profile is None and profile_suffix:
        profile = profile_suffix[1:]
    profile = profile or vocab.main_profile
    if profiles and profile not in profiles:
        raise DataFileError(
            sj,
            f"profiel {profile!r} is in deze uitvoer niet doorgerekend",
            field="profielen",
            fix=f"kies een van: {', '.join(profiles)}, of draai `woonzorg-geo analyse --profiel {profile}`",
        )
    fix = "draai `woonzorg-geo analyse` opnieuw om de GeoPackage volledig te schrijven"
    try:
        layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    except Exception as exc:  # GDAL raises several types for a damaged file
        raise DataFileError(gpkg, f"de GeoPackage is onleesbaar of afgebroken ({exc})", fix=fix) from exc

    def read(layer: str, required: Sequence[str], columns: list[str] | None = None, **kw: Any) -> gpd.GeoDataFrame:
        if layer not in layers:
            raise DataFileError(gpkg, f"laag {layer!r} ontbreekt", field=layer, fix=fix)
        try:
            have = set(pyogrio.read_info(gpkg, layer=layer)["fields"])
            missing = [c for c in required if c not in have]
            if missing:
                raise DataFileError(gpkg, f"laag {layer!r}: kolom ontbreekt", field=", ".join(missing), fix=fix)
            frame = gpd.read_file(gpkg, layer=layer, columns=columns, **kw)
        except DataFileError:
            raise
        except Exception as exc:  # a truncated or damaged file
            raise DataFileError(gpkg, f"laag {layer!r} is onleesbaar ({exc})", field=layer, fix=fix) from exc
        check_crs(frame, f"{gpkg}:{layer}")
        return frame

    pct = vocab.column(vocab.pct(REPORT_NORM), profile)
    home_cols = _home_columns(vocab, profile)
    adressen = read("adressen", home_cols, columns=home_cols)
    buurten = read("buurten", ["code", "naam", "wijkcode", pct])
    wijken = read("wijken", ["code", "naam", pct])
    vz = read("voorzieningen", ["categorie"])
    if "servicegebieden" in layers:
        sg = read("servicegebieden", ["categorie"])
        if "profiel" in sg.columns:
            sg = sg[sg["profiel"] == profile]
    else:
        log.warning("%s: geen laag servicegebieden; de kaart krijgt geen loopgebieden", gpkg)
        sg = gpd.GeoDataFrame({"categorie": []}, geometry=[], crs=RD_NEW)
    if "netwerk" in layers:
        classes = ", ".join(f"'{c}'" for c in (*MAIN_ROADS, *LOCAL_ROADS))
        netwerk = read("netwerk", ["klasse"], columns=["klasse"], where=f"klasse IN ({classes})")
    else:
        log.warning("%s: geen laag netwerk; de kaart krijgt geen wegen", gpkg)
        netwerk = gpd.GeoDataFrame({"klasse": []}, geometry=[], crs=RD_NEW)
    frames = (adressen, buurten, wijken, vz, sg, netwerk)
    return _map_data(out_dir, profile, vocab, frames, summary, read_manifest(out_dir), map_settings)


def _home_columns(vocab: Vocabulary, profile: str) -> list[str]:
    """The columns of the ``adressen`` layer the maps read: area codes and the walking times of :data:`HOME_THEMES`."""
    have = {*vocab.categories, *vocab.composites}
    return ["wijkcode", "buurtcode", *(vocab.column(f"tijd_{c}_min", profile) for c in HOME_THEMES if c in have)]


def _map_data(
    out_dir: Path,
    profile: str,
    vocab: Vocabulary,
    frames: tuple[gpd.GeoDataFrame, ...],
    summary: RunSummary,
    manifest: Manifest,
    map_settings: MapSettings | None,
    *,
    bands: dict[str, SurfaceBand] | None = None,
) -> MapData:
    """:class:`MapData` from the layers (adressen, buurten, wijken, voorzieningen, servicegebieden, netwerk)."""
    adressen, buurten, wijken, vz, sg, netwerk = frames
    if "wijkcode" in buurten.columns:  # the buurt's wijk, for tooltips
        buurten["wijk"] = buurten["wijkcode"].map(dict(zip(wijken["code"], wijken["naam"])))
    return MapData(
        out_dir,
        profile,
        vocab.suffix(profile),
        adressen,
        buurten,
        wijken,
        vz,
        sg,
        netwerk,
        summary,
        vocab,
        manifest=manifest,
        map_settings=map_settings or MapSettings(),
        bands=bands or {},
    )


def _as_written(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` as a GeoPackage layer reads back: its index a column where GeoPandas writes it, else dropped."""
    index = frame.index
    named = index.nlevels > 1 or index.name is not None or not pd.api.types.is_integer_dtype(index.dtype)
    return frame.reset_index(drop=not named)


def map_data_from_analysis(
    a: Analysis,
    out_dir: str | Path,
    *,
    summary: RunSummary,
    manifest: Manifest,
    vocabulary: Vocabulary | None = None,
    map_settings: MapSettings | None = None,
    surfaces: bool = True,
    rasters: bool = True,
) -> MapData:
    """What the maps are made from, taken from an analysis in memory instead of read back from its output.

    The same layers, summary and manifest that :func:`.run.pipeline.write_outputs` writes and
    :func:`load_map_data` reads, so a run can draw its maps while it writes its files (``analyse``):
    the maps are those ``woonzorg-geo kaarten`` draws from the written folder (a test compares them
    page by page).

    Parameters
    ----------
    a
        The analysis.
    out_dir
        Where its output goes (named on the maps' manifest as their source).
    summary, manifest
        The run's ``samenvatting.json`` and ``manifest.json`` as they are written (taken through
        JSON here, as a reader would get them).
    vocabulary, map_settings
        As for :func:`load_map_data`.
    surfaces, rasters
        Whether the run writes the walking areas (the ``servicegebieden`` layer) and the surface
        GeoTIFFs (the maps' surface layers), as for :func:`.run.pipeline.write_outputs`.
    """
    summary = cast("RunSummary", json.loads(json.dumps(summary, default=json_default)))
    manifest = cast("Manifest", json.loads(json.dumps(manifest, default=json_default)))
    profiles = list(summary.get("profielen", {}))
    vocab = (vocabulary or default_vocabulary()).with_run(profiles=profiles or None, norm_m=summary.get("norm_m"))
    profile = vocab.main_profile
    adressen = _as_written(a.adressen)[[*_home_columns(vocab, profile), "geometry"]]
    buurten = _as_written(a.buurten)
    wijken = _as_written(a.wijken)
    vz = _as_written(a.voorzieningen_layer())
    bands: dict[str, SurfaceBand] = {}
    if surfaces:
        sg = _as_written(a.service_areas)
        if "profiel" in sg.columns:
            sg = sg[sg["profiel"] == profile]
        if rasters:
            surf = a.surfaces[profile]
            bands = {cat: SurfaceBand(arr, surf.grid) for cat, arr in surf.distance.items()}
    else:
        sg = gpd.GeoDataFrame({"categorie": []}, geometry=[], crs=RD_NEW)
    edges = a.network_layer()
    netwerk = edges.loc[edges["klasse"].isin((*MAIN_ROADS, *LOCAL_ROADS)).to_numpy(), ["klasse", "geometry"]]
    netwerk = netwerk.reset_index(drop=True)
    frames = (adressen, buurten, wijken, vz, sg, netwerk)
    return _map_data(Path(out_dir), profile, vocab, frames, summary, manifest, map_settings, bands=bands)
