"""The project's vocabulary: categories, composites, labels, colours, the norm and profile naming.

One object, built from the run's :class:`~woonzorg_geo.core.config.Settings`, knows every name an output
uses: which categories are computed and which are the essentials, which composites exist (``ov`` =
``ov_halte`` or ``treinstation``), the Dutch label, colour and letter of each category, the walking
norm and the column names that carry it (``pct_drie_a_800m``), the rule that gives a profile's
columns their suffix (the main profile none, every other ``_<name>``), and the Dutch label of every
output column. Change ``norm_m`` or run ``--profiel senior`` and every column, label and text
follows, because nothing else spells them out.

Typical use::

    vocab = Vocabulary.from_settings(settings, profiles=["standaard", "senior"])
    vocab.pct("drie_a")                      # 'pct_drie_a_800m'
    vocab.column(vocab.pct("drie_a"), "senior")  # 'pct_drie_a_800m_senior'
    vocab.field_label("pct_drie_a_800m_senior")  # 'Supermarkt, apotheek én huisarts ≤ 800 m (senior)'
    vocab.format("med_afstand_huisarts_m", 680.9)  # '681 m'

Numbers are formatted by :mod:`woonzorg_geo.core.formatting`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.palette import CATEGORY_SYMBOLS, UNKNOWN_COLOUR

if TYPE_CHECKING:
    from woonzorg_geo.core.config import Settings
    from woonzorg_geo.core.overlay_settings import OverlayIndicator, OverlaySettings

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Fixed vocabulary (the one place each of these is written down)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryStyle:
    """How one category is shown: Dutch label, colour (one per category, everywhere) and letter."""

    label: str
    colour: str
    letter: str


#: Colour and letter symbol per category: the one palette (:mod:`woonzorg_geo.core.palette`).
_SYMBOLS = CATEGORY_SYMBOLS
#: The order categories are listed in (the essentials first); others follow alphabetically.
CATEGORY_ORDER: tuple[str, ...] = (
    "huisarts",
    "supermarkt",
    "apotheek",
    "ov",
    "ov_halte",
    "treinstation",
    "tandarts",
    "ziekenhuis",
    "school",
    "ontmoetingsplek",
    "woonzorg",
    "kinderopvang",
)

#: Combinations within the norm: an address counts when every listed category lies within it.
#: ``ov_en_supermarkt``: the report's norm ("OV en een supermarkt binnen 800 m", Woonzorgvisie
#: Assen 2024); ``drie_a``: de drie A's (Albert Heijn, apotheek, arts; domain brief).
COMBINATIONS: dict[str, tuple[str, ...]] = {
    "ov_en_supermarkt": ("ov", "supermarkt"),
    "drie_a": ("supermarkt", "apotheek", "huisarts"),
}
#: The combination that is the report's norm: the headline figure of maps and summaries.
REPORT_NORM = "ov_en_supermarkt"
COMBINATION_LABELS: dict[str, str] = {
    "ov_en_supermarkt": "OV-halte én supermarkt",
    "drie_a": "supermarkt, apotheek én huisarts",
}

#: Labels of the output columns that do not depend on a category, norm or profile.
_FIXED_LABELS: dict[str, str] = {
    "naam": "Naam",
    "code": "Code",
    "n_adressen": "Adressen",
    "inwoners_cbs": "Inwoners (CBS)",
    "woningen_cbs": "Woningen (CBS)",
    "n_woningen": "Woningen (adrespunten met woonfunctie)",
    "woningen_per_cbs": "Woningen per CBS-woning",
    "woningen_oorzaak": "Woningen wijken af van CBS",
    "n_onbereikbaar": "Adressen zonder route",
    "snap_m": "Afstand tot het looppadennetwerk",
    "draaglast": "Draaglast (z-score)",
    "draagkracht": "Draagkracht (z-score)",
    "balans": "Balans draagkracht − draaglast",
    "balans_klasse": "Balans",
    "overlay_toelichting": "Toelichting",
    "focus_buurten": "Focusbuurten",
    "lage_veerkracht_buurten": "Buurten met lage veerkracht",
    "focus": "Focus",
    "focus_redenen": "Waarom (focus)",
    "veerkracht": "Veerkracht",
    "veerkracht_redenen": "Waarom (veerkracht)",
    "signalen": "Signalen",
    "wijk_balans_klasse": "Balans van de wijk",
    "wijk_context": "De wijk (context, telt niet mee)",
    "indicatoren_dekking": "Indicatoren met een waarde",
    "draaglast_n_indicatoren": "Indicatoren draaglast",
    "draagkracht_n_indicatoren": "Indicatoren draagkracht",
    "score": "Score (0–1)",
    "n_cellen": "Cellen (ha)",
    "wijk": "Wijk",
    "buurt": "Buurt",
    "toelichting": "Toelichting",
}
#: Columns holding z-scores (shown with sign and two decimals).
Z_COLUMNS = ("draaglast", "draagkracht", "balans", "wijk_draaglast", "wijk_draagkracht", "wijk_balans")

#: What a z-score is, in plain Dutch; shown once on every page that shows z-scores.
Z_SCORE_EXPLANATION = (
    "Draaglast en draagkracht zijn z-scores: ze vergelijken de wijken van de gemeente met elkaar. "
    "0 is het gemiddelde van de wijken; +1 betekent dat een wijk één standaardafwijking (de gewone "
    "spreiding tussen de wijken) boven dat gemiddelde ligt, −1 evenveel eronder. "
    "Balans = draagkracht − draaglast: negatief betekent meer last dan draagkracht."
)

_NORM_PLACEHOLDER = "{norm}"


def _noun(label: str) -> str:
    """``'Supermarkt'`` → ``'supermarkt'``; acronyms (``'OV-halte'``) keep their capitals."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


@functools.lru_cache(maxsize=4)
def _rule_labels(path: str | None = None) -> dict[str, str]:
    """Dutch labels per category from ``voorzieningen.toml`` (the file that defines the categories)."""
    from woonzorg_geo.core.settings_loader import load_category_rules

    table = load_category_rules(path).get("categorie", {})
    return {name: str(vals.get("label") or name) for name, vals in table.items()}


def norm_column(name: str, norm_m: float) -> str:
    """A column named after the norm or a radius: ``norm_column('drie_a', 800)`` → ``'drie_a_800m'``."""
    return f"{name}_{int(norm_m)}m"


def profile_suffix(profile: str, main_profile: str) -> str:
    """The suffix rule: the main profile's columns have none, every other profile's ``_<name>``."""
    return "" if profile == main_profile else f"_{profile}"


def expand_norm(text: str, norm_m: float) -> str:
    """Replace the placeholder ``{norm}`` by the norm in whole metres."""
    return text.replace(_NORM_PLACEHOLDER, str(int(norm_m)))


# --------------------------------------------------------------------------------------------
# The vocabulary of one run
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """Names, labels and colours of one run (see the module docstring).

    Build it with :meth:`from_settings`; change the run's profiles or norm with :meth:`with_run`.
    """

    categories: tuple[str, ...]
    composites: Mapping[str, tuple[str, ...]]
    key_categories: tuple[str, ...]
    norm_m: float
    profiles: tuple[str, ...]
    profile_labels: Mapping[str, str]
    labels: Mapping[str, str] = field(default_factory=dict)
    all_profiles: tuple[str, ...] = ()

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        profiles: Sequence[str] | None = None,
        categories_path: str | None = None,
    ) -> Vocabulary:
        """The vocabulary of a run with ``settings``.

        Parameters
        ----------
        settings
            The run's settings: categories, composites and norm from ``[bereikbaarheid]``,
            profiles and their labels from ``[profielen]``.
        profiles
            The profiles the run computes, main profile first (default: every profile in the
            settings, in their order). Unknown names raise :class:`~woonzorg_geo.core.errors.SettingsError`.
        categories_path
            A ``voorzieningen.toml`` for the category labels (default: the package's).
        """
        acc = settings.bereikbaarheid
        run = tuple(profiles) if profiles else tuple(settings.profielen)
        for name in run:
            settings.profile(name)  # raises on an unknown name
        labels = dict(_rule_labels(categories_path))
        composites = {}
        for comp in acc.samengesteld:
            composites[comp.name] = tuple(comp.delen)
            if comp.label:
                labels[comp.name] = comp.label
        key = tuple(acc.kerncategorieen) or (*acc.categories, *composites)
        return cls(
            categories=tuple(acc.categories),
            composites=composites,
            key_categories=key,
            norm_m=float(acc.norm_m),
            profiles=run,
            profile_labels={n: p.label or n for n, p in settings.profielen.items()},
            labels=labels,
            all_profiles=tuple(settings.profielen),
        )

    def with_run(self, *, profiles: Sequence[str] | None = None, norm_m: float | None = None) -> Vocabulary:
        """The same vocabulary for a run with other profiles (main first) or another norm."""
        changes: dict[str, Any] = {}
        if profiles:
            changes["profiles"] = tuple(profiles)
        if norm_m is not None:
            changes["norm_m"] = float(norm_m)
        return dataclasses.replace(self, **changes)

    # ---- profiles ----------------------------------------------------------------------------

    @property
    def main_profile(self) -> str:
        """The run's main profile: its columns carry no suffix."""
        return self.profiles[0]

    def suffix(self, profile: str | None = None) -> str:
        """Column suffix of ``profile`` in this run (``None``: the main profile)."""
        return "" if profile is None else profile_suffix(profile, self.main_profile)

    def column(self, name: str, profile: str | None = None) -> str:
        """``name`` with the suffix of ``profile``: ``column('pct_ov_800m', 'senior')`` → ``'pct_ov_800m_senior'``."""
        return f"{name}{self.suffix(profile)}"

    def split_profile(self, column: str) -> tuple[str, str | None]:
        """``'pct_ov_800m_senior'`` → ``('pct_ov_800m', 'senior')``; the main profile gives ``None``."""
        for name in sorted({*self.profiles, *self.all_profiles}, key=len, reverse=True):
            sfx = f"_{name}"
            if column.endswith(sfx) and len(column) > len(sfx) and name != self.main_profile:
                return column[: -len(sfx)], name
        return column, None

    def profile_label(self, profile: str | None = None) -> str:
        """The Dutch label of a profile (``'senior (0,76 m/s, geen trappen)'``)."""
        name = profile or self.main_profile
        return self.profile_labels.get(name, name)

    # ---- the norm ----------------------------------------------------------------------------

    @property
    def norm(self) -> int:
        """The norm in whole metres (800)."""
        return int(self.norm_m)

    @property
    def norm_text(self) -> str:
        """The norm as Dutch text: ``'800 m'``."""
        return fmt.metres(self.norm_m)

    def within(self, name: str) -> str:
        """Address column: ``within('drie_a')`` → ``'drie_a_800m'`` (True when within the norm)."""
        return norm_column(name, self.norm_m)

    def pct(self, name: str) -> str:
        """Area column, share within the norm: ``pct('ov')`` → ``'pct_ov_800m'``."""
        return f"pct_{self.within(name)}"

    def expand(self, text: str) -> str:
        """Replace ``{norm}`` in a settings text by this run's norm."""
        return expand_norm(text, self.norm_m)

    # ---- categories --------------------------------------------------------------------------

    @property
    def combinations(self) -> dict[str, tuple[str, ...]]:
        """The combinations within the norm whose categories this run computes."""
        have = {*self.categories, *self.composites}
        return {k: v for k, v in COMBINATIONS.items() if set(v) <= have}

    def style(self, category: str) -> CategoryStyle:
        """Label, colour and letter of a category; unknown ones get grey and their first letter."""
        label = self.label(category)
        colour, letter = _SYMBOLS.get(category, (UNKNOWN_COLOUR, label[:1].upper() or "?"))
        return CategoryStyle(label, colour, letter)

    def label(self, category: str) -> str:
        """Dutch label of a category or combination, capitalised (``'Supermarkt'``)."""
        if category in COMBINATION_LABELS:
            return _capital(COMBINATION_LABELS[category])
        if category in self.labels:
            return self.labels[category]
        return str(category).replace("_", " ").strip().capitalize() or "?"

    def noun(self, category: str) -> str:
        """The label for use inside a sentence (``'supermarkt'``, ``'OV-halte of station'``)."""
        return _noun(self.label(category))

    def colour(self, category: str) -> str:
        """The one colour of a category."""
        return self.style(category).colour

    def ordered(self, categories: Iterable[str]) -> list[str]:
        """Categories in display order: the essentials first, then the rest alphabetically."""
        cats = list(dict.fromkeys(categories))
        known = [c for c in CATEGORY_ORDER if c in cats]
        return known + sorted(c for c in cats if c not in CATEGORY_ORDER)

    def share_label(self, name: str) -> str:
        """Sentence text of a share within the norm: ``'OV-halte én supermarkt binnen 800 m'``."""
        return f"{self.noun(name)} binnen {self.norm_text}"

    # ---- column labels and values ------------------------------------------------------------

    def field_label(self, column: str) -> str:
        """The Dutch label of an output column; a profile other than the main one is noted.

        ``pct_ov_en_supermarkt_800m`` → ``'OV-halte én supermarkt ≤ 800 m'``,
        ``med_afstand_huisarts_m_senior`` → ``'Mediane loopafstand huisarts (senior)'``.
        """
        base, profile = self.split_profile(column)
        text = self._base_label(base)
        if text is None:
            return column
        return f"{text} ({profile})" if profile else text

    def _base_label(self, base: str) -> str | None:
        if base in _FIXED_LABELS:
            return _FIXED_LABELS[base]
        for tail, note in (("_alle_adressen", "alle adrespunten"), ("_cbs_gewogen", "gewogen naar CBS-woningen")):
            if base.startswith("pct_") and base.endswith(tail):
                text = self._base_label(base[: -len(tail)])
                return f"{text} ({note})" if text else None
        m = re.fullmatch(r"pct_(.+)_(\d+)m", base)
        if m:
            return f"{_capital(self.noun(m.group(1)))} ≤ {fmt.metres(int(m.group(2)))}"
        m = re.fullmatch(r"(med|gem)_afstand_(.+)_m", base)
        if m:
            kind = "Mediane" if m.group(1) == "med" else "Gemiddelde"
            return f"{kind} loopafstand {self.noun(m.group(2))}"
        m = re.fullmatch(r"afstand_(.+)_m", base)
        if m:
            return f"Loopafstand {self.noun(m.group(1))}"
        m = re.fullmatch(r"tijd_(.+)_min", base)
        if m:
            return f"Looptijd {self.noun(m.group(1))}"
        m = re.fullmatch(r"n_(.+)_(\d+)m", base)
        if m:
            return f"Aantal {self.noun(m.group(1))} binnen {fmt.metres(int(m.group(2)))}"
        m = re.fullmatch(r"(.+)_(\d+)m", base)
        if m and m.group(1) in COMBINATIONS:
            return f"{_capital(self.noun(m.group(1)))} binnen {fmt.metres(int(m.group(2)))}"
        return None

    def format(self, column: str, value: Any) -> str:
        """A value of ``column`` as Dutch text: percentages, metres, minutes, z-scores, counts, text."""
        if isinstance(value, str):
            return value if value.strip() else fmt.MISSING
        base, _ = self.split_profile(column)
        if base.startswith("pct_"):
            return fmt.percent(value)
        if base in Z_COLUMNS:
            return fmt.signed(value)
        if base == "woningen_per_cbs":
            return fmt.number(value, 2)
        if base.endswith("_m"):
            return fmt.metres(value)
        if base.endswith("_min"):
            return fmt.minutes(value)
        return fmt.text(value)

    # ---- overlay indicators ------------------------------------------------------------------

    def resolve_indicator(self, ind: OverlayIndicator) -> OverlayIndicator:
        """The indicator with its column and texts for this run.

        ``{norm}`` becomes the norm; an indicator measured on a profile (``profiel = "senior"``)
        gets that profile's column suffix. When that profile is not computed in this run, the
        main profile's column is used and the label says so (and a warning is logged), so the
        balans does not lose an indicator without a word.
        """
        kolom = self.expand(ind.kolom)
        label = self.expand(ind.label or ind.kolom)
        if ind.profiel:
            if ind.profiel in self.profiles:
                kolom = self.column(kolom, ind.profiel)
            else:
                log.warning(
                    "indicator %r is bedoeld voor profiel %s, dat in deze run niet is doorgerekend "
                    "(profielen: %s); gebruikt profiel %s. Draai met --profiel beide voor de bedoelde waarde.",
                    label,
                    ind.profiel,
                    ", ".join(self.profiles),
                    self.main_profile,
                )
                label = f"{label} [gemeten op profiel {self.main_profile}: {ind.profiel} niet doorgerekend]"
        return dataclasses.replace(ind, kolom=kolom, label=label, reden=self.expand(ind.reden), profiel="")

    def resolve_overlays(self, overlays: OverlaySettings) -> OverlaySettings:
        """The overlay settings with every indicator resolved for this run (see :meth:`resolve_indicator`)."""
        return dataclasses.replace(
            overlays,
            draaglast=tuple(self.resolve_indicator(i) for i in overlays.draaglast),
            draagkracht=tuple(self.resolve_indicator(i) for i in overlays.draagkracht),
        )


@functools.lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The vocabulary of the package's default settings (for callers that have no settings at hand)."""
    from woonzorg_geo.core.settings_loader import load_settings

    return Vocabulary.from_settings(load_settings())
