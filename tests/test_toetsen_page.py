"""The overview of ``toets --lijst`` (issue 24 §5): type labels everywhere instead of keys; a page that
fits a laptop (the browser test is in tests/test_maps.py, beside the other browser tests)."""

from __future__ import annotations

import markupsafe
import pytest

from woonzorg_geo.outputs.toets_lijst import list_page
from woonzorg_geo.toets import batch
from woonzorg_geo.toets.batch import ListOutcome, Outcome, type_label
from woonzorg_geo.toets.list_file import Initiative, InitiativeList
from woonzorg_geo.toets.settings import load_toets_settings

SETTINGS = load_toets_settings()


def synthetic_lijst(settings=SETTINGS) -> ListOutcome:
    """Every type of the settings checked once with a long name, and two rows refused with a long reason."""
    done = []
    for i, (key, zt) in enumerate(settings.types.items(), start=2):
        ini = Initiative(
            regel=i,
            regel_bestand=i,
            naam=f"Woonzorginitiatief {zt.label} aan de Verlengde Hoofdvaart",
            adres=f"Verlengde Hoofdvaart {100 + i}, Assen",
            punt=None,
            type=key,
            omvang=12,
        )
        done.append(
            Outcome(
                ini=ini,
                type_label=zt.label,
                eenheid=zt.omvang_eenheid,
                buurt="Bedrijventerrein Marsdijk Oost",
                wijk="Assen-Oost",
                delen=("onbekend", "oranje", "groen", "onbekend"),
                oordeel="oranje",
                lon=6.56,
                lat=52.99,
                locatie=ini.invoer,
            )
        )
    n = len(done) + 2
    reason = (
        "adres 'Nergensstraat 99, Assen' niet gevonden: de straat of het huisnummer is niet gevonden "
        "(geaccepteerd: adres, straat). Controleer de schrijfwijze (straatnaam voluit, huisnummer) of geef de "
        "locatie op met --punt LON,LAT."
    )
    keys = list(settings.types)
    refused = tuple(
        {
            "regel": n + k,
            "regel_bestand": n + k,
            "naam": "Onbekende straat",
            "invoer": "Nergensstraat 99, Assen",
            "type": keys[k],
            "type_label": type_label(keys[k], settings),
            "omvang": "8",
            "veld": "adres",
            "reden": reason,
        }
        for k in range(2)
    )
    return ListOutcome(bron="lijst.csv", getoetst=tuple(done), niet_getoetst=refused)


def test_type_label_of_a_key_a_label_and_an_unknown_type():
    key, zt = next(iter(SETTINGS.types.items()))
    assert type_label(key, SETTINGS) == zt.label
    assert type_label(zt.label.upper(), SETTINGS) == zt.label
    assert type_label("kinderboerderij", SETTINGS) == "kinderboerderij"
    assert type_label(None, SETTINGS) == ""


def test_rows_not_checked_show_the_label_not_the_key(monkeypatch):
    """check_list gives a refused row its type's label; the page and the table show it, not the key."""
    monkeypatch.setattr("woonzorg_geo.toets.check.prepare_toets", lambda *a, **k: None)
    key, zt = next(iter(SETTINGS.types.items()))
    assert key != zt.label
    refused = {
        "regel": 2,
        "regel_bestand": 2,
        "naam": "Zonder adres",
        "invoer": "",
        "type": key,
        "omvang": "8",
        "veld": "adres",
        "reden": "geen locatie. Oplossing: vul een adres in",
    }
    lijst = batch.check_list(None, InitiativeList(bron="l.csv", rijen=(), geweigerd=(refused,)), settings=SETTINGS)  # type: ignore[arg-type]
    table = lijst.table()
    assert table.loc[0, "type"] == key and table.loc[0, "type_label"] == zt.label
    page = list_page(lijst, titel="t")
    assert zt.label in page and f">{key}<" not in page


@pytest.mark.parametrize("k", [0, 1])
def test_synthetic_list_page_names_types_by_label(k):
    lijst = synthetic_lijst()
    page = list_page(lijst, titel="Toetsen")
    for key, zt in SETTINGS.types.items():
        assert zt.label in page
        if key != zt.label:
            assert f">{key}<" not in page
    assert str(markupsafe.escape(lijst.niet_getoetst[k]["reden"])) in page
