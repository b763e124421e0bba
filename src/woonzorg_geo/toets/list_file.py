"""Reading and validating a list of initiatives (``toets --lijst``): every row kept or refused with its reason.

The list is a CSV file with a header. A bad row never ends the list: it is refused with the fields
concerned and the fix. A row is named by ``regel``, its number as a spreadsheet counts it (the header
is regel 1, the first initiative regel 2; an empty row counts, a line break inside a quoted field
does not), and by ``regel_bestand``, the line of the file where it starts (what a text editor shows;
the two differ only after a field with a line break, or an Excel ``sep=`` line). Checking the rows
is :mod:`woonzorg_geo.toets.batch`.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import DataFileError, WoonzorgError
from woonzorg_geo.toets.records import RefusedRow
from woonzorg_geo.toets.settings import ToetsSettings
from woonzorg_geo.toets.values import DECIMAL, parse_decimal

log = logging.getLogger(__name__)

WHAT = "lijst met initiatieven"
#: Columns of the list of initiatives: a location (``adres``, or ``lon`` and ``lat``), ``type``,
#: ``omvang`` and an optional ``naam`` (any case; other columns are ignored).
LOCATION_COLUMNS = ("adres", "lon", "lat")
REQUIRED_COLUMNS = ("type", "omvang")
#: Separators tried on the header, in this order on a tie.
SEPARATORS = (";", ",", "\t")
#: The longest address accepted (as ``toets --adres``).
MAX_ADRES = 200
FIX_CSV_UTF8 = "sla de lijst op als 'CSV UTF-8' (Excel: Opslaan als > CSV UTF-8 (door komma's gescheiden))"
FIX_COLUMNS = (
    "de kopregel noemt de kolommen naam, adres (of lon en lat), type en omvang, gescheiden door ';' of ','; "
    "zie examples/initiatieven.csv"
)
_BINARY_MAGIC = (
    (b"PK\x03\x04", "een Excel-werkmap (.xlsx) of een ander zip-bestand"),
    (b"\xd0\xcf\x11\xe0", "een oud Excel-bestand (.xls)"),
    (b"%PDF", "een PDF-bestand"),
    (b"\x89PNG", "een afbeelding (PNG)"),
    (b"\xff\xd8\xff", "een afbeelding (JPEG)"),
    (b"\x1f\x8b", "een gzip-bestand"),
)
_INT = re.compile(r"\+?[0-9]+")
_WHOLE = re.compile(r"\+?[0-9]+[.,]0+")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{3})+")
_NOT_FINITE = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan", "oneindig"}


@dataclass(frozen=True)
class Initiative:
    """One row of the list that can be checked: where, what and how large."""

    regel: int  # record number as a spreadsheet counts it: the header is regel 1
    regel_bestand: int  # line of the file where the record starts
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
        return f"{fmt.number(self.punt[0], 6)}; {fmt.number(self.punt[1], 6)}"


@dataclass(frozen=True)
class InitiativeList:
    """The list as read: the rows to check, the rows refused already, and notes on the file."""

    bron: str
    rijen: tuple[Initiative, ...]
    geweigerd: tuple[RefusedRow, ...]
    meldingen: tuple[str, ...] = ()

    @property
    def n_initiatives(self) -> int:
        """The number of initiatives in the list (empty rows not counted)."""
        return len(self.rijen) + len(self.geweigerd)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


class _Refused(Exception):
    """A row that cannot be checked: the fields concerned and the reason (with the fix)."""

    def __init__(self, veld: str, reden: str) -> None:
        super().__init__(reden)
        self.veld = veld
        self.reden = reden


def _decode(path: Path, raw: bytes) -> tuple[str, list[str]]:
    """The file's text, and a note when it was not UTF-8; refuses what is not a text file."""
    notes: list[str] = []
    if not raw.strip():
        raise DataFileError(
            path, f"{WHAT} is leeg", fix="lever een CSV aan met een kopregel en een rij per initiatief; " + FIX_COLUMNS
        )
    for magic, kind in _BINARY_MAGIC:
        if raw.startswith(magic):
            raise DataFileError(path, f"{WHAT} is geen CSV-bestand maar lijkt {kind}", fix=FIX_CSV_UTF8)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DataFileError(path, f"{WHAT} is beschadigd UTF-16 (byte {exc.start})", fix=FIX_CSV_UTF8) from exc
        notes.append(f"{path}: gelezen als UTF-16 (Excel: 'Unicode-tekst'); UTF-8 is gebruikelijker")
    elif b"\x00" in raw:
        text = _utf16_without_bom(path, raw)
        notes.append(f"{path}: gelezen als UTF-16 zonder BOM; UTF-8 is gebruikelijker")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = _legacy(path, raw, exc)
            notes.append(
                f"{path}: geen UTF-8; gelezen als Windows-1252 (Excel: 'CSV (gescheiden door lijstscheidingsteken)'). "
                f"Controleer namen met é, ë of ï in het overzicht, of {FIX_CSV_UTF8[0].lower()}{FIX_CSV_UTF8[1:]}"
            )
    text = text.lstrip("\ufeff")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise DataFileError(path, f"{WHAT} is geen tekstbestand ({controls} stuurtekens)", fix=FIX_CSV_UTF8)
    return text, notes


def _utf16_without_bom(path: Path, raw: bytes) -> str:
    """UTF-16 text without a byte-order mark (every other byte zero), else a refusal as binary."""
    even, odd = raw[0::2], raw[1::2]
    zeros_even, zeros_odd = even.count(0) / max(len(even), 1), odd.count(0) / max(len(odd), 1)
    codec = "utf-16-le" if zeros_odd > 0.3 and zeros_even < 0.05 else ("utf-16-be" if zeros_even > 0.3 else "")
    if codec and len(raw) % 2 == 0:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            pass
    raise DataFileError(path, f"{WHAT} is geen tekstbestand (bevat nul-bytes op byte {raw.index(0)})", fix=FIX_CSV_UTF8)


def _legacy(path: Path, raw: bytes, exc: UnicodeDecodeError) -> str:
    """Text that is not UTF-8: read as Windows-1252 when it holds no UTF-8 at all, else refused."""
    line = raw[: exc.start].count(b"\n") + 1
    if re.search(rb"[\xc2-\xf4][\x80-\xbf]", raw):
        # mostly UTF-8 with a damaged byte: reading it as Windows-1252 would garble every accent
        raise DataFileError(
            path,
            f"{WHAT} is geen geldige UTF-8: byte {exc.start} (regel {line} van het bestand) is beschadigd",
            fix=f"herstel het teken op die regel of {FIX_CSV_UTF8}",
        ) from exc
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc2:
        raise DataFileError(
            path, f"{WHAT} is geen UTF-8 en geen Windows-1252 (byte {exc2.start}, regel {line})", fix=FIX_CSV_UTF8
        ) from exc2


def _separator(first: str) -> str:
    """The separator of the header: the one of ``;``, ``,`` and tab it holds most (outside quotes)."""
    bare = re.sub(r'"[^"]*"', "", first)
    counts = {sep: bare.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def single_spaced(text: str) -> str:
    """A value with its white space (line breaks, tabs, runs of spaces) made single spaces.

    Parameters
    ----------
    text
        A field of the list.

    Returns
    -------
    str
        ``text`` stripped, every run of white space one space.
    """
    return " ".join(text.split())


def _coordinate(name: str, text: str, low: float, high: float) -> float:
    fix = "Oplossing: geef lon en lat in graden WGS84, bijv. lon 6,5627 en lat 52,9930"
    if text.strip().lower() in _NOT_FINITE:
        raise _Refused(name, f"{name} {text!r} is geen eindig getal. {fix}")
    try:
        value = parse_decimal(text)
    except ValueError:
        raise _Refused(name, f"{name} {text!r} is geen getal. {fix}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise _Refused(
            name,
            f"{name} {text!r} ligt buiten het bereik van WGS84 ({fmt.compact(low, 2)} tot {fmt.compact(high, 2)}). {fix}",
        )
    return value


def _size(text: str, *, unit: str, check: Callable[[int], int] | None) -> int:
    """The size as a whole number ≥ 1 within the type's maximum; refuses anything else with the fix."""
    t = text.strip()
    fix = f"Oplossing: vul een geheel aantal {unit} in (1 of meer), zonder punt of komma, bijv. 12"
    if _THOUSANDS.fullmatch(t):
        raise _Refused(
            "omvang", f"omvang {t!r} is dubbelzinnig (duizendtal of decimalen?). {fix}, of 1000 voor duizend"
        )
    if _INT.fullmatch(t) or _WHOLE.fullmatch(t):
        value = int(re.split(r"[.,]", t)[0])
    elif t.lower() in _NOT_FINITE:
        raise _Refused("omvang", f"omvang {t!r} is geen eindig getal. {fix}")
    elif DECIMAL.fullmatch(t):
        number = parse_decimal(t)
        if not math.isfinite(number):
            raise _Refused("omvang", f"omvang {t!r} is geen eindig getal. {fix}")
        if number != math.floor(number):
            raise _Refused("omvang", f"omvang {t!r} is geen geheel getal. {fix}")
        if number < 1:
            raise _Refused("omvang", f"omvang {t!r} is kleiner dan 1. {fix}")
        value = int(number)
    else:
        raise _Refused("omvang", f"omvang {t!r} is geen getal. {fix}")
    if value < 1:
        raise _Refused("omvang", f"omvang {t!r} is kleiner dan 1. {fix}")
    if check is not None:
        try:
            return check(value)
        except WoonzorgError as exc:
            raise _Refused("omvang", str(exc)) from None
    return value


def read_initiatives(
    path: str | Path,
    *,
    settings: ToetsSettings,
    type_default: str | None = None,
    omvang_default: int | None = None,
) -> InitiativeList:
    """Read the list of initiatives; every row is kept or refused with its reason.

    The file is CSV with a header (any case), separated by ``;``, ``,`` or tab (the one the header
    holds most; an Excel ``sep=`` first line is followed), in UTF-8 (with or without BOM), UTF-16 or
    Windows-1252 (both with a note). Columns: ``adres`` or ``lon`` and ``lat`` (WGS84, decimal point
    or comma), ``type`` (a key or label of ``[types]``), ``omvang`` (a whole number from 1 to the
    type's ``max_omvang``) and ``naam`` (optional); other columns are ignored. A row that leaves
    ``type`` or ``omvang`` empty (or a file without that column) takes ``type_default`` /
    ``omvang_default`` (``--type``/``--omvang``). When a row has both an address and lon/lat, the
    address is used.

    Returns
    -------
    InitiativeList
        The rows to check and those refused (``regel``, ``regel_bestand``, ``naam``, ``invoer``,
        ``type``, ``omvang``, ``veld``, ``reden``): no location, unknown type, a size that is not a
        whole number within the type's range, coordinates outside WGS84, a row with more fields than
        the header or with a field the file's quotes break.

    Raises
    ------
    DataFileError
        The file itself is unusable: empty, only a header, not text (Excel, PDF, binary), an
        encoding that cannot be read, no location column, no ``type``/``omvang`` column without a
        default, a column named twice, or a quote that is never closed.
    MissingDataError
        The file does not exist.
    """
    from woonzorg_geo.core.validate import require_file
    from woonzorg_geo.toets.locate import type_key

    path = require_file(path, what=WHAT)
    if path.is_dir():
        raise DataFileError(path, f"{WHAT} is een map, geen bestand", fix="geef het pad van het CSV-bestand op")
    text, notes = _decode(path, path.read_bytes())
    lines = text.splitlines()
    skip = 0
    first = lines[0] if lines else ""
    excel_sep = re.fullmatch(r'"?sep=(.)"?', first.strip(), flags=re.IGNORECASE)
    if excel_sep:
        skip, sep = 1, excel_sep.group(1)
        first = lines[1] if len(lines) > 1 else ""
    else:
        sep = _separator(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        for _ in range(skip):
            next(reader)
        header = [single_spaced(h.lstrip("\ufeff")).lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise DataFileError(path, f"{WHAT} heeft geen leesbare kopregel ({exc})", fix=FIX_COLUMNS) from exc
    named = [h for h in header if h]
    twice = sorted({h for h in named if named.count(h) > 1})
    if twice:
        raise DataFileError(
            path, f"de kopregel van de {WHAT} noemt een kolom twee keer", field=", ".join(twice), fix=FIX_COLUMNS
        )
    col = {h: i for i, h in enumerate(header) if h}
    found = ", ".join(named) or "(geen)"
    hint = ""
    if len(named) == 1 and any(s in named[0] for s in ";,|\t"):
        hint = " Het scheidingsteken lijkt verkeerd: gebruik ';' of ','."
    has_adres = "adres" in col
    has_punt = "lon" in col and "lat" in col
    if not has_adres and not has_punt:
        lonlat = [c for c in ("lon", "lat") if c in col]
        field_name = "adres of lon, lat" if not lonlat else ("lat" if "lon" in col else "lon")
        raise DataFileError(
            path,
            f"{WHAT} heeft geen locatie",
            field=field_name,
            fix="voeg een kolom 'adres' (\"Straat 1, Plaats\") of de kolommen 'lon' en 'lat' (WGS84) toe; "
            f"gevonden kolommen: {found}.{hint}",
        )
    missing = [c for c, default in (("type", type_default), ("omvang", omvang_default)) if c not in col and not default]
    if missing:
        options = " en ".join(f"--{c}" for c in missing)
        raise DataFileError(
            path,
            f"kolom(men) ontbreken in de {WHAT}",
            field=", ".join(missing),
            fix=f"voeg ze toe, of geef {options} op voor alle rijen; gevonden kolommen: {found}.{hint}",
        )
    width = len(header)
    while width and not header[width - 1]:
        width -= 1  # trailing empty header fields (a separator at the end of the line)
    good: list[Initiative] = []
    bad: list[RefusedRow] = []
    regel = 1
    prev_end = reader.line_num
    while True:
        start = prev_end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "unexpected end of data" in str(exc) or "field larger than field limit" in str(exc):
                raise DataFileError(
                    path,
                    f"het aanhalingsteken in de rij die op regel {start} van het bestand begint wordt niet gesloten: "
                    "de rest van het bestand valt in één veld",
                    field=f"regel {start}",
                    fix='sluit het aanhalingsteken ("...") of verwijder het',
                ) from exc
            regel += 1
            prev_end = reader.line_num
            bad.append(
                _refusal(
                    regel,
                    start,
                    {},
                    "(hele rij)",
                    f"de aanhalingstekens in deze rij kloppen niet ({exc}). Oplossing: zet een waarde met "
                    f"{sep!r} of een aanhalingsteken helemaal tussen aanhalingstekens en verdubbel "
                    'aanhalingstekens erin ("Hofje ""De Brink""")',
                )
            )
            continue
        prev_end = reader.line_num
        regel += 1
        if not any(f.strip() for f in record):
            continue  # an empty row: counted, not listed
        values = {h: single_spaced(record[i]) for h, i in col.items() if i < len(record)}
        extra = [f for f in record[len(header) :] if f.strip()] if len(record) > len(header) else []
        if extra:
            bad.append(_refusal(regel, start, values, "(hele rij)", _too_many(len(record), width, sep, values)))
            continue
        try:
            good.append(
                _row(
                    regel,
                    start,
                    values,
                    short=len(record) < width,
                    n_fields=len(record),
                    width=width,
                    settings=settings,
                    type_default=type_default,
                    omvang_default=omvang_default,
                    norm_type=type_key,
                )
            )
        except _Refused as exc:
            bad.append(_refusal(regel, start, values, exc.veld, exc.reden))
    if not good and not bad:
        raise DataFileError(
            path,
            f"{WHAT} bevat geen initiatieven (alleen een kopregel)",
            fix="voeg onder de kopregel een rij per initiatief toe",
        )
    for note in notes:
        log.warning("%s", note)
    return InitiativeList(bron=str(path), rijen=tuple(good), geweigerd=tuple(bad), meldingen=tuple(notes))


def _refusal(regel: int, start: int, values: dict[str, str], veld: str, reden: str) -> RefusedRow:
    adres = values.get("adres", "")
    lonlat = "; ".join(v for v in (values.get("lon", ""), values.get("lat", "")) if v)
    invoer = adres or lonlat
    return {
        "regel": regel,
        "regel_bestand": start,
        "naam": values.get("naam") or invoer or f"regel {regel}",
        "invoer": invoer,
        "type": values.get("type", ""),
        "omvang": values.get("omvang", ""),
        "veld": veld,
        "reden": reden,
    }


def _too_many(n: int, width: int, sep: str, values: dict[str, str]) -> str:
    why = "een waarde met het scheidingsteken erin staat niet tussen aanhalingstekens"
    fix = f'zet die waarde tussen aanhalingstekens ("Brink 1, Assen") of gebruik een ander scheidingsteken dan {sep!r}'
    if sep == "," and any(re.fullmatch(r"-?[0-9]+", v) for k, v in values.items() if k in ("lon", "lat", "omvang")):
        why = "een getal met een decimaalkomma is in tweeën gesplitst, of " + why
        fix = "gebruik ';' als scheidingsteken (decimaalkomma mag dan), een decimaalpunt, of " + fix
    return (
        f"de rij heeft {n} velden en de kopregel {width}: {why}; de rij is niet verschoven gelezen maar "
        f"overgeslagen. Oplossing: {fix}"
    )


def _row(
    regel: int,
    start: int,
    values: dict[str, str],
    *,
    short: bool,
    n_fields: int,
    width: int,
    settings: ToetsSettings,
    type_default: str | None,
    omvang_default: int | None,
    norm_type: Callable[[object, Any], str | None],
) -> Initiative:
    """One row checked; raises :class:`_Refused` naming every field that is wrong."""
    problems: list[tuple[str, str]] = []
    cut = f" (de rij heeft {n_fields} velden, de kopregel {width})" if short else ""

    def missing(name: str) -> str:
        return f"{name} ontbreekt{cut}"

    adres = values.get("adres", "")
    punt: tuple[float, float] | None = None
    if adres:
        if len(adres) > MAX_ADRES:
            problems.append(("adres", f'adres is {len(adres)} tekens lang. Oplossing: geef "Straat 1, Plaats"'))
    else:
        lon_s, lat_s = values.get("lon", ""), values.get("lat", "")
        if not lon_s and not lat_s:
            problems.append(
                (
                    "adres",
                    (
                        f"geen locatie: adres en lon/lat zijn leeg{cut}. Oplossing: vul een adres "
                        '("Straat 1, Plaats") of lon en lat in'
                    ),
                )
            )
        elif not lon_s or not lat_s:
            name = "lat" if not lat_s else "lon"
            problems.append((name, f"{missing(name)}. Oplossing: vul lon en lat allebei in (WGS84)"))
        else:
            try:
                punt = (_coordinate("lon", lon_s, -180.0, 180.0), _coordinate("lat", lat_s, -90.0, 90.0))
            except _Refused as exc:
                problems.append((exc.veld, exc.reden))
    kind = values.get("type", "") or (type_default or "")
    zt = None
    if not kind:
        problems.append(("type", f"{missing('type')}. Oplossing: vul een type in of geef --type voor de lege rijen"))
    else:
        key = norm_type(kind, settings.types)
        if key is None:
            known = ", ".join(settings.types)
            problems.append(("type", f"onbekend type {kind!r}. Oplossing: kies uit {known}"))
        else:
            zt = settings.types[key]
    size_text = values.get("omvang", "") or ("" if omvang_default is None else str(omvang_default))
    size = 0
    if not size_text:
        problems.append(
            ("omvang", f"{missing('omvang')}. Oplossing: vul een geheel aantal in of geef --omvang voor de lege rijen")
        )
    else:
        try:
            size = _size(
                size_text,
                unit=zt.omvang_eenheid if zt else "bewoners, plaatsen of woningen",
                check=None if zt is None else zt.check_size,
            )
        except _Refused as exc:
            problems.append((exc.veld, exc.reden))
    if problems:
        raise _Refused(", ".join(p[0] for p in problems), "; ".join(p[1] for p in problems))
    assert zt is not None
    naam = values.get("naam", "") or adres or f"regel {regel}"
    return Initiative(
        regel=regel,
        regel_bestand=start,
        naam=naam,
        adres=adres or None,
        punt=punt,
        type=zt.key,
        omvang=size,
    )
