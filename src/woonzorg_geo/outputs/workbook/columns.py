"""Column titles and number formats of the workbooks: a Dutch title with its unit, and an Excel format.

Every column of an output table gets a :class:`ColumnSpec`: the Dutch title a planner reads
(``Aandeel woningen met OV-halte én supermarkt binnen 800 m (%)``), the unit that title names and
the Excel number format of its cells. Titles are built from the run's
:class:`~woonzorg_geo.core.vocabulary.Vocabulary` (category nouns, the norm, profile suffixes), the
overlay indicators' labels from the settings, and :data:`LABELS` for the columns the vocabulary
does not name; nothing here spells out a norm, profile or category.

Excel number formats are locale independent: ``0.0`` shows ``64,8`` in a Dutch Excel or
LibreOffice, ``#,##0`` shows ``1.437``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.vocabulary import COMBINATIONS, Z_COLUMNS, Vocabulary


@dataclass(frozen=True)
class Kind:
    """What a column holds: the unit its title names and the Excel format of its numbers.

    ``number_format`` ``None`` is a text column.
    """

    unit: str
    number_format: str | None


PERCENT = Kind("%", "0.0")
PERCENT_POINT = Kind("procentpunt", "+0.0;-0.0;0.0")
METRES = Kind("m", "#,##0")
METRES_CHANGE = Kind("m", "+#,##0;-#,##0;0")
MINUTES = Kind("min", "0.0")
COUNT = Kind("", "#,##0")
Z_SCORE = Kind("z-score", "+0.00;-0.00;0.00")
RATIO = Kind("", "0.00")
GRADE = Kind("1–10", "0.0")
PER_1000 = Kind("per 1.000 inwoners", "#,##0.0")
DEGREES = Kind("graden, WGS84", "0.000000")
NUMBER = Kind("", "General")
IDENTIFIER = Kind("", "0")
TEXT = Kind("", None)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a sheet: the machine name (as in the CSV), the Dutch title and its kind."""

    key: str
    title: str
    kind: Kind

    @property
    def is_number(self) -> bool:
        """True when the cells are numbers (a missing one is shown as ``onbekend``)."""
        return self.kind.number_format is not None


#: Dutch titles of columns the vocabulary does not name (identifiers, statuses, the toets list,
#: the regional table, watals' tables, the voorzieningen). The unit is added from the column's kind.
LABELS: dict[str, str] = {
    "code": "Code",
    "gemeentecode": "Gemeentecode",
    "gemeente": "Gemeente",
    "wijkcode": "Wijkcode",
    "buurtcode": "Buurtcode",
    "wijknaam": "Wijknaam (rapport)",
    "profiel": "Looptempo (profiel)",
    "n_buiten_buurtvlak": "Adressen buiten het buurtvlak",
    "bouwjaar_gros": "Bouwjaar van de meeste woningen",
    "inwoners": "Inwoners (rapport)",
    "welzijn_trajecten": "Welzijnstrajecten",
    "welzijn_trajecten_wonen": "Welzijnstrajecten over wonen",
    "draaglast_ontbrekend": "Ontbrekende indicatoren draaglast",
    "draagkracht_ontbrekend": "Ontbrekende indicatoren draagkracht",
    # regio
    "status": "Status",
    "reden": "Reden",
    "map": "Map",
    "adressen_per_woning": "Adrespunten per CBS-woning",
    "wijken_buiten_band": "Wijken waar de woningen afwijken van CBS",
    "huisartsen": "Huisartsen in de gemeente",
    "pct_huisartsen_op_adres": "Huisartsen op adres geplaatst",
    "begrensd_door": "Gemeente begrensd door",
    "zonder_voorzieningen": "Categorieën zonder voorzieningen",
    "onbekend": "Onbekend (reden)",
    "ratio_mediaan_anderen": "Adrespunten per CBS-woning, mediaan van de andere gemeenten",
    "ratio_z": "Afwijking adrespunten per CBS-woning van de andere gemeenten (robuuste z-score)",
    "ratio_afwijkend": "Adrespunten per CBS-woning wijkt af",
    "ratio_toelichting": "Adrespunten per CBS-woning (toelichting)",
    "buurten": "Buurten",
    "wijken": "Wijken",
    # toets --lijst
    "regel": "Regel",
    "regel_bestand": "Regel in het bestand",
    "invoer": "Invoer (adres of punt)",
    "type": "Type (sleutel)",
    "type_label": "Type",
    "omvang": "Omvang (woningen)",
    "oordeel": "Oordeel",
    "nauwkeurigheid": "Nauwkeurigheid van de plek",
    "veld": "Veld met het probleem",
    "rapport": "Rapport",
    "lon": "Lengtegraad",
    "lat": "Breedtegraad",
    # voorzieningen
    "vz_id": "Id",
    "categorie": "Categorie (sleutel)",
    "label": "Categorie",
    "bron": "Bron (sleutel)",
    "bron_label": "Bron",
    "bron_datum": "Datum van de bron",
    "precisie": "Precisie van de plek",
    "adres": "Adres",
    "straat": "Straat",
    "street": "Straat",
    "huisnummer": "Huisnummer",
    "postcode": "Postcode",
    "woonplaats": "Woonplaats",
    "buurtvlak": "Buurtvlak (opmerking)",
    "signalen_toelichting": "Signalen (toelichting)",
    # watals
    "adres_id": "Adres-id",
    "dichtstbij_na": "Dichtstbijzijnde na de wijziging (id)",
    "toegang": "Toegang binnen de norm",
}

#: Columns of the machine tables that a person does not need (technical identifiers); the
#: workbook leaves them out, the CSV keeps them.
TECHNICAL: frozenset[str] = frozenset({"jrstatcode", "rubriek", "id", "bron_fid", "geometry"})

#: Columns that hold text even when every cell of a run is empty (then read as numbers).
TEXT_COLUMNS: frozenset[str] = frozenset(
    {
        "buurtvlak",
        "signalen_toelichting",
        "woningen_oorzaak",
        "reden",
        "veld",
        "rapport",
        "map",
        "onbekend",
        "ratio_toelichting",
        "wijken_buiten_band",
        "zonder_voorzieningen",
    }
)
#: Identifiers that are numbers: shown without thousands separator.
IDENTIFIERS: frozenset[str] = frozenset({"adres_id", "huisnummer", "regel", "regel_bestand"})
#: Ratios shown with two decimals.
RATIOS: frozenset[str] = frozenset({"woningen_per_cbs", "adressen_per_woning", "ratio_mediaan_anderen", "ratio_z"})
#: Counts whose name does not start with ``n_``.
COUNTS: frozenset[str] = frozenset({"inwoners_cbs", "woningen_cbs", "inwoners", "huisartsen", "buurten", "wijken"})

#: Watals' before/after/difference suffixes and how the title says them.
_CHANGE_SUFFIXES = {"_voor": "vóór de wijziging", "_na": "na de wijziging", "_verschil": "verschil"}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _with_unit(title: str, unit: str) -> str:
    """``title (unit)``, unless the title names its unit already."""
    if not unit or f"({unit}" in title or title.endswith(unit):
        return title
    return f"{title} ({unit})"


def indicator_labels(settings: object | None) -> dict[str, str]:
    """Column → label of the overlay indicators in ``settings`` (its ``overlays``; ``{}`` without)."""
    overlays = getattr(settings, "overlays", None)
    if overlays is None:
        return {}
    out: dict[str, str] = {}
    for ind in (*overlays.draaglast, *overlays.draagkracht):
        if ind.label and "{" not in ind.kolom:
            out[ind.kolom] = _capital(ind.label)
    return out


def _humane(key: str) -> str:
    """A readable title for a column no rule names: ``pct_koopwoningen`` → ``Koopwoningen``."""
    text = key
    for prefix, word in (("pct_", ""), ("cijfer_", "rapportcijfer "), ("wmo_", "Wmo ")):
        if text.startswith(prefix):
            text = word + text[len(prefix) :]
    text = text.removesuffix("_per_1000").replace("_", " ").strip()
    return _capital(text) or key


def _share(vocab: Vocabulary, base: str) -> str | None:
    """The title of a share-within-a-distance column (``pct_ov_800m`` and its variants), if it is one."""
    unit_of = "woningen"
    note = ""
    for tail, who, extra in (
        ("_alle_adressen", "adrespunten", ""),
        ("_cbs_gewogen", "woningen", ", gewogen naar CBS-woningen per wijk"),
    ):
        if base.endswith(tail):
            base, unit_of, note = base[: -len(tail)], who, extra
    m = re.fullmatch(r"pct_(.+)_(\d+)m", base)
    if not m or not (m.group(1) in vocab.labels or m.group(1) in COMBINATIONS or m.group(1) in vocab.categories):
        return None
    return f"Aandeel {unit_of} met {vocab.noun(m.group(1))} binnen {fmt.metres(int(m.group(2)))}{note}"


def _title(key: str, vocab: Vocabulary, labels: Mapping[str, str]) -> str:
    """The Dutch title of a column without a profile or watals change suffix (no unit yet)."""
    share = _share(vocab, key)
    if share:
        return share
    if key in labels:
        return labels[key]
    if key.startswith("wijk_") and key[5:] in Z_COLUMNS:
        return f"{vocab.field_label(key[5:]).split(' (')[0]} van de wijk"
    m = re.fullmatch(r"(med|gem)_afstand_(.+)_m", key)
    if m:
        kind = "Mediane" if m.group(1) == "med" else "Gemiddelde"
        return f"{kind} loopafstand tot {vocab.noun(m.group(2))}"
    m = re.fullmatch(r"afstand_(voor|na)_m", key)
    if m:
        return f"Loopafstand {_CHANGE_SUFFIXES['_' + m.group(1)]}"
    if key == "verschil_m":
        return "Verschil in loopafstand"
    m = re.fullmatch(r"afstand_(.+)_m", key)
    if m:
        return f"Loopafstand tot {vocab.noun(m.group(1))}"
    m = re.fullmatch(r"tijd_(.+)_min", key)
    if m:
        return f"Looptijd tot {vocab.noun(m.group(1))}"
    m = re.fullmatch(r"n_(.+)_(\d+)m", key)
    if m:
        return f"Aantal {vocab.noun(m.group(1))} binnen {fmt.metres(int(m.group(2)))}"
    m = re.fullmatch(r"(winnen|verliezen)_(.+)", key)
    if m:
        return f"Woningen die toegang tot {vocab.noun(m.group(2))} binnen {vocab.norm_text} {m.group(1)}"
    m = re.fullmatch(r"volledigheid_(.+)_(lijst|osm_gevonden|aandeel_osm)", key)
    if m:
        noun = vocab.noun(m.group(1))
        what = {
            "lijst": "in de lijst",
            "osm_gevonden": "ook in OpenStreetMap",
            "aandeel_osm": "aandeel in OpenStreetMap",
        }
        return f"Volledigheid {noun}: {what[m.group(2)]}"
    label = vocab.field_label(key)
    return label if label != key else _humane(key)


def _kind(key: str) -> Kind | None:
    """The kind a column's name says (``None``: decided by its values)."""
    if key in TEXT_COLUMNS:
        return TEXT
    if key in IDENTIFIERS:
        return IDENTIFIER
    if key in ("lon", "lat"):
        return DEGREES
    if key in Z_COLUMNS or (key.startswith("wijk_") and key[5:] in Z_COLUMNS):
        return Z_SCORE
    if key in RATIOS:
        return RATIO
    if key.endswith("_procentpunt"):
        return PERCENT_POINT
    if key.startswith("pct_") or key.endswith("aandeel_osm"):
        return PERCENT
    if key.startswith("cijfer_"):
        return GRADE
    if key.endswith("_per_1000"):
        return PER_1000
    if key == "verschil_m":
        return METRES_CHANGE
    if key.endswith("_m"):
        return METRES
    if key.endswith("_min"):
        return MINUTES
    if key.startswith(("n_", "winnen_", "verliezen_")) or key in COUNTS:
        return COUNT
    return None


def column_spec(
    key: str,
    values: pd.Series | None = None,
    *,
    vocab: Vocabulary,
    labels: Mapping[str, str] | None = None,
) -> ColumnSpec:
    """The title and kind of column ``key``.

    Parameters
    ----------
    key
        The machine name (as in the CSV): ``pct_ov_en_supermarkt_800m_senior``.
    values
        The column's values: decide between a number and a text column, and between a count
        (whole numbers) and a general number for a column no rule names.
    vocab
        The run's vocabulary (nouns, norm, profile suffixes).
    labels
        Extra titles by column, e.g. the overlay indicators' (:func:`indicator_labels`); they win
        over :data:`LABELS`.
    """
    all_labels = {**LABELS, **(labels or {})}
    numeric = values is None or (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values))
    change = ""
    base: str = key
    profile: str | None = None
    if key not in all_labels:
        for sfx, text in _CHANGE_SUFFIXES.items():
            if key.endswith(sfx):
                base, change = key[: -len(sfx)], text
                break
        base, profile = vocab.split_profile(base)
    title = _title(base, vocab, all_labels)
    kind = _kind(base)
    if change:
        title = f"{title}, {change}"
        if change == _CHANGE_SUFFIXES["_verschil"]:
            kind = PERCENT_POINT if kind == PERCENT else METRES_CHANGE if kind == METRES else kind
    if profile:
        title = f"{title}, profiel {profile}"
    if not numeric or kind is TEXT:
        kind = TEXT
    elif kind is None:
        kind = COUNT if values is not None and _whole(values) else NUMBER
    return ColumnSpec(key, _with_unit(title, kind.unit), kind)


def _whole(values: pd.Series) -> bool:
    """True when every value present is a whole number (a count)."""
    present = pd.to_numeric(values, errors="coerce").dropna()
    return all(math.isfinite(v) and float(v).is_integer() for v in present)
