"""The QGIS styles of the woonzorg layers: which layers, their rules from the palette, their order.

:func:`woonzorg_styles` builds every style of the layers a ``woonzorg.gpkg`` holds
(:func:`.qgis_gpkg.read_layers`), with the column names of the run's vocabulary.
"""

from __future__ import annotations

from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.palette import (
    AREA_EDGE,
    AREA_OPACITY,
    FOCUS_CLASSES,
    FOCUS_ORDER,
    MAIN_ROADS,
    PATH_COLOUR,
    PCT_CLASSES,
    POINT_EDGE,
    RANK_COLOUR,
    ROAD_STYLE,
    SCORE_CLASSES,
    TIME_CLASSES,
    VEERKRACHT_CLASSES,
    VEERKRACHT_ORDER,
    WIJK_OUTLINE,
    balance_classes,
)
from woonzorg_geo.core.vocabulary import REPORT_NORM, Vocabulary
from woonzorg_geo.outputs.qgis_gpkg import LayerInfo
from woonzorg_geo.outputs.qgis_qml import MM_PER_PX, Rule, Style, Symbol, class_rules, expression_literal, few_rule

#: The order of the layers in the project, top to bottom (drawn last to first).
LAYER_ORDER = (
    "voorzieningen",
    "kandidaatlocaties",
    "kandidaatcellen",
    "adressen",
    "wijken",
    "buurten",
    "servicegebieden",
    "netwerk",
)


def woonzorg_styles(layers: dict[str, LayerInfo], *, settings: Settings, vocabulary: Vocabulary) -> list[Style]:
    """Every style of the layers present, in project order (defaults first per layer).

    The classes are the palette's; the column names follow the run's vocabulary (norm, main profile).
    """
    vocab = vocabulary
    min_count = settings.kaarten.min_adressen
    styles: list[Style] = []
    area = {"opacity": AREA_OPACITY, "outline": AREA_EDGE, "width_mm": 0.2}

    def has(layer: str, *cols: str) -> bool:
        return layer in layers and all(c in layers[layer].fields for c in cols)

    pct = vocab.pct(REPORT_NORM)
    share = f"% woningen met {vocab.share_label(REPORT_NORM)}"

    def share_rules(layer: str) -> list[Rule]:
        rules = class_rules(pct, PCT_CLASSES, "fill", symbol=area)
        if min_count > 0 and has(layer, "n_adressen"):
            rules.append(few_rule(min_count))
        return rules

    if "voorzieningen" in layers:
        cats = vocab.ordered(layers["voorzieningen"].categories)
        rules = [
            Rule(
                f"{vocab.label(c)}",
                f'"categorie" = {expression_literal(c)}',
                Symbol("marker", vocab.colour(c), outline="#ffffff", width_mm=0.3, size_mm=2.6),
            )
            for c in cats
        ]
        styles.append(
            Style(
                "voorzieningen",
                "voorzieningen per categorie",
                "Voorzieningen",
                tuple(rules),
                description="voorzieningen, één kleur per categorie",
            )
        )
    if has("kandidaatlocaties", "score"):
        styles.append(
            Style(
                "kandidaatlocaties",
                "score",
                "Zoekgebieden geclusterd wonen (score)",
                tuple(
                    class_rules(
                        "score",
                        SCORE_CLASSES,
                        "fill",
                        symbol={"opacity": 0.85, "outline": RANK_COLOUR, "width_mm": 0.4},
                    )
                ),
                label_field="rang" if has("kandidaatlocaties", "rang") else None,
                label_size=8,
                description="zoekgebieden met hun rang, gekleurd naar score",
            )
        )
    if has("kandidaatcellen", "score"):
        styles.append(
            Style(
                "kandidaatcellen",
                "score",
                "Kandidaatcellen: score (0–1)",
                tuple(class_rules("score", SCORE_CLASSES, "fill", symbol={**area, "opacity": 0.5})),
                visible=False,
                description="beoordeelde cellen van 100 m",
            )
        )
    time_col = vocab.column("tijd_huisarts_min")
    if "adressen" in layers:
        have = layers["adressen"].fields
        if time_col not in have:
            time_col = next((f for f in have if f.startswith("tijd_") and f.endswith("_min")), "")
        if time_col:
            cat = time_col[len("tijd_") : -len("_min")]
            styles.append(
                Style(
                    "adressen",
                    "looptijd",
                    f"Adressen: looptijd naar {vocab.noun(cat)}",
                    tuple(
                        class_rules(
                            time_col,
                            TIME_CLASSES,
                            "marker",
                            symbol={"outline": POINT_EDGE, "width_mm": 0.0, "size_mm": 1.1},
                        )
                    ),
                    visible=False,
                    description=f"adressen naar looptijd te voet ({time_col})",
                )
            )
    if has("wijken", pct):
        label = "naam" if has("wijken", "naam") else None
        styles.append(
            Style(
                "wijken",
                "grenzen",
                "Wijkgrenzen en namen",
                (
                    Rule(
                        "wijkgrens", "", Symbol("fill", WIJK_OUTLINE, filled=False, outline=WIJK_OUTLINE, width_mm=0.6)
                    ),
                ),
                label_field=label,
                default=False,
                description="wijkgrenzen met namen",
            )
        )
        if has("wijken", "balans"):
            o = settings.overlays
            styles.append(
                Style(
                    "wijken",
                    "balans",
                    "Wijken: balans draagkracht − draaglast",
                    tuple(
                        class_rules("balans", balance_classes(o.balans_grenzen, o.balans_labels), "fill", symbol=area)
                    ),
                    label_field=label,
                    default=False,
                    visible=False,
                    description="balans = draagkracht − draaglast, klassen uit [overlays]",
                )
            )
        styles.append(
            Style(
                "wijken",
                "bereikbaarheid",
                f"Wijken: {share}",
                tuple(share_rules("wijken")),
                label_field=label,
                visible=False,
                description=share,
            )
        )
    if has("buurten", pct):
        for col, order, classes, title in (
            ("veerkracht", VEERKRACHT_ORDER, VEERKRACHT_CLASSES, "Buurten: veerkracht"),
            ("focus", FOCUS_ORDER, FOCUS_CLASSES, "Buurten: focus"),
        ):
            if has("buurten", col):
                values = sorted(order, key=order.__getitem__)
                rules = class_rules(col, classes, "fill", symbol=area, values=values)
                if min_count > 0 and has("buurten", "n_adressen"):
                    rules.append(few_rule(min_count))
                styles.append(
                    Style(
                        "buurten",
                        col,
                        title,
                        tuple(rules),
                        default=False,
                        visible=False,
                        description=f"{col} per buurt",
                    )
                )
        styles.append(
            Style("buurten", "bereikbaarheid", f"Buurten: {share}", tuple(share_rules("buurten")), description=share)
        )
    if "servicegebieden" in layers:
        cats = [c for c in vocab.ordered(layers["servicegebieden"].categories) if c in vocab.key_categories]
        rules = [
            Rule(
                f"binnen {vocab.norm_text}: {vocab.noun(c)}",
                f'"categorie" = {expression_literal(c)}',
                Symbol("fill", vocab.colour(c), opacity=0.25, outline=vocab.colour(c), width_mm=0.2),
            )
            for c in cats
        ]
        subset = ""
        if "profiel" in layers["servicegebieden"].fields:
            subset = f'"profiel" = {expression_literal(vocab.main_profile)}'
        if rules:
            styles.append(
                Style(
                    "servicegebieden",
                    "per categorie",
                    f"Loopgebieden {vocab.norm_text}",
                    tuple(rules),
                    visible=False,
                    subset=subset,
                    description="gebied binnen de norm lopen van een voorziening, per categorie",
                )
            )
    if has("netwerk", "klasse"):
        road_classes = list(ROAD_STYLE)
        rules = [
            Rule(
                c,
                f'"klasse" = {expression_literal(c)}',
                Symbol("line", ROAD_STYLE[c][0], width_mm=ROAD_STYLE[c][1] * MM_PER_PX),
            )
            for c in sorted(road_classes, key=lambda c: -ROAD_STYLE[c][1])
        ]
        others = ", ".join(expression_literal(c) for c in road_classes)
        rules.append(
            Rule(
                "paden en overige",
                f'"klasse" IS NULL OR "klasse" NOT IN ({others})',
                Symbol("line", PATH_COLOUR, width_mm=0.15),
            )
        )
        styles.append(
            Style(
                "netwerk",
                "wegen",
                "Looppaden en wegen (OpenStreetMap)",
                tuple(rules),
                description=f"het loopnetwerk; hoofdwegen: {', '.join(MAIN_ROADS)}",
            )
        )
    order = {name: i for i, name in enumerate(LAYER_ORDER)}
    return sorted(styles, key=lambda s: order.get(s.layer, len(order)))
