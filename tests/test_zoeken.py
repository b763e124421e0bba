"""zoeken: the typo-tolerant search of voorzieningen by name, address and id."""

from __future__ import annotations

import geopandas as gpd
import pytest

from woonzorg_geo.core.config import SearchSettings
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.sources.name_search import COLUMNS, describe, find_voorzieningen


@pytest.fixture()
def shops() -> gpd.GeoDataFrame:
    names = ["Poiesz", "Poiesz Bovensmilde", "Albert Heijn Hillenga", "Jumbo", "Huisartsenpraktijk M. Sönmez", None]
    cats = ["supermarkt", "supermarkt", "supermarkt", "supermarkt", "huisarts", "apotheek"]
    addresses = [
        "Rode Heklaan 1, 9401 AB",
        "",
        "Hillenga 3",
        "Kerkplein 2",
        "Pronkridder 18, 9404 MC",
        "Weiersstraat 5",
    ]
    return gpd.GeoDataFrame(
        {"naam": names, "categorie": cats, "adres": addresses},
        geometry=gpd.points_from_xy([233000.0 + 100 * k for k in range(6)], [557000.0 + 100 * k for k in range(6)]),
        crs="EPSG:28992",
        index=[f"vz{k:05d}" for k in range(6)],
    )


def test_typos_find_the_name(shops):
    hits = find_voorzieningen(shops, "Poeisz")
    assert hits["naam"].tolist()[:2] == ["Poiesz", "Poiesz Bovensmilde"]
    assert hits["score"].is_monotonic_decreasing
    assert find_voorzieningen(shops, "Albert Hein")["id"].tolist() == ["vz00002"]
    assert find_voorzieningen(shops, "Sonmez")["id"].tolist() == ["vz00004"]  # accents do not count


def test_prefix_id_and_address_still_work(shops):
    assert find_voorzieningen(shops, "Jumb")["id"].tolist() == ["vz00003"]
    assert find_voorzieningen(shops, "Hill")["id"].iloc[0] == "vz00002"  # a word of the name starts with it
    by_id = find_voorzieningen(shops, "VZ00001")
    assert by_id["id"].tolist() == ["vz00001"] and by_id["score"].iloc[0] == 100.0
    assert by_id["gevonden_op"].iloc[0] == "id"
    by_address = find_voorzieningen(shops, "Pronkridder 18")
    assert by_address["id"].iloc[0] == "vz00004" and by_address["gevonden_op"].iloc[0] == "adres"


def test_answer_columns_place_and_filters(shops):
    hits = find_voorzieningen(shops, "Poiesz")
    assert tuple(hits.columns) == COLUMNS
    first = hits.iloc[0]
    assert first["adres"] == "Rode Heklaan 1, 9401 AB"
    want = shops.geometry.to_crs("EPSG:4326").loc["vz00000"]
    assert first["lon"] == pytest.approx(want.x, abs=1e-6) and first["lat"] == pytest.approx(want.y, abs=1e-6)
    assert 3 < first["lon"] < 8 and 50 < first["lat"] < 54
    assert find_voorzieningen(shops, "Poiesz", limit=1)["id"].tolist() == ["vz00000"]
    assert find_voorzieningen(shops, "Poiesz", categorie="huisarts").empty
    assert find_voorzieningen(shops, "xyzzy").empty
    assert find_voorzieningen(shops, "   ").empty
    # an unnamed voorziening is found by its address and shown with '' as name
    unnamed = find_voorzieningen(shops, "Weiersstraat 5")
    assert unnamed["naam"].tolist() == [""] and "(naamloos)" in describe(unnamed.iloc[0])
    assert describe(hits.iloc[0]) == "Poiesz (supermarkt, vz00000), Rode Heklaan 1, 9401 AB"
    # the frame is not changed, and works without an address column
    assert list(shops.columns) == ["naam", "categorie", "adres", "geometry"]
    bare = find_voorzieningen(shops.drop(columns="adres"), "Poeisz")
    assert (bare["adres"] == "").all() and len(bare) == 2


def test_min_score_and_limit_come_from_the_settings(shops):
    s = load_settings().zoeken
    assert 0 < s.min_score < 100 and s.max_resultaten >= 1
    loose = find_voorzieningen(shops, "Poeisz", settings=SearchSettings(min_score=0.0, max_resultaten=3))
    assert len(loose) == 3
    assert (loose["score"] >= 0).all()
    strict = find_voorzieningen(shops, "Poeisz", settings=SearchSettings(min_score=99.0, max_resultaten=3))
    assert strict.empty
    assert len(find_voorzieningen(shops, "Poeisz", min_score=0.0, limit=5)) == 5


@pytest.mark.realdata
def test_assen_typos_find_poiesz_and_albert_heijn(assen_inputs):
    vz = assen_inputs.voorzieningen
    poiesz = find_voorzieningen(vz, "Poeisz")
    assert len(poiesz) >= 3
    assert poiesz["naam"].str.startswith("Poiesz").all()
    assert set(poiesz["categorie"]) == {"supermarkt"}
    ah = find_voorzieningen(vz, "Albert Hein")
    assert len(ah) >= 2 and ah["naam"].str.startswith("Albert Heijn").all()
    hillenga = find_voorzieningen(vz, "Albert Heijn Hillenga")
    assert hillenga["naam"].iloc[0] == "Albert Heijn Hillenga"
    assert find_voorzieningen(vz, str(hillenga["id"].iloc[0]))["naam"].tolist() == ["Albert Heijn Hillenga"]
