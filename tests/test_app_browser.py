"""The workbench in a real browser (headless Chromium): click = toets, close a supermarket, move the norm."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_browser import RunningApp
from chromium import Chromium, require_chromium

ARTEFACTS = Path(__file__).resolve().parent / "artefacts"


@pytest.fixture(scope="module")
def page(assen_output, raw_dir):
    require_chromium("the workbench test in a real browser")
    pytest.importorskip("uvicorn")
    from woonzorg_geo.app import create_app, load_state
    from woonzorg_geo.core.settings_loader import load_settings

    server = RunningApp(create_app(load_state(assen_output, load_settings(), raw_dir=raw_dir)))
    browser = Chromium(width=1280, height=800)
    try:
        browser.open(server.url, wait_load=False)  # the page says when it is ready
        browser.wait_for("document.body.dataset.klaar === '1'")
        yield browser, server
    finally:
        browser.close()
        server.close()


def _click_latlng(b: Chromium, lat: float, lon: float) -> None:
    x, y = b.evaluate(
        f"""(() => {{ const r = document.getElementById('kaart').getBoundingClientRect();
        const p = map.latLngToContainerPoint([{lat}, {lon}]); return [r.x + p.x, r.y + p.y]; }})()"""
    )
    b.click(x, y)


def _click_element(b: Chromium, selector: str) -> None:
    x, y = b.wait_for(
        f"""(() => {{ const e = document.querySelector({selector!r}); if (!e) return null;
        const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"""
    )
    b.click(x, y)


def test_click_close_and_slide(page):
    b, server = page
    # 1. a click on the map is a toets: the verdict and the four parts appear, the site is drawn
    _click_latlng(b, 52.9930, 6.5480)
    verdict = b.wait_for("(document.getElementById('toets-oordeel') || {}).textContent")
    assert any(word in verdict for word in ("groen", "oranje", "rood", "onbekend"))
    assert b.evaluate("document.querySelectorAll('#toets details.deel:not(.extra)').length") == 4
    assert b.evaluate("toetsLayer.getLayers().length") >= 2  # the site and what it reaches

    # 2. close a supermarket by clicking it: the wijk table changes to before/after/difference
    table_before = b.evaluate("document.getElementById('wijktabel').innerText")
    lat, lon = b.evaluate(
        """(() => { let out = null; app.layers.voorzieningen.eachLayer((m) => {
            if (m.vz.naam.includes('Hillenga')) out = [m.getLatLng().lat, m.getLatLng().lng]; }); return out; })()"""
    )
    b.evaluate(f"void map.setView([{lat}, {lon}], 16, {{animate: false}})")
    b.wait_for("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")
    _click_latlng(b, lat, lon)
    b.wait_for("!!document.querySelector('.leaflet-popup button.sluiten')")
    b.wait_for("new Promise((r) => setTimeout(() => r(true), 300))")  # the popup's fade-in
    _click_element(b, ".leaflet-popup button.sluiten")
    b.wait_for("document.body.dataset.scenario === '1' && document.body.dataset.bezig === '0'")
    table_after = b.evaluate("document.getElementById('wijktabel').innerText")
    assert table_after != table_before
    assert "Verschil" in table_after and "−" not in table_before
    assert b.evaluate("document.querySelectorAll('#wijktabel td.min').length") >= 1  # a wijk loses
    assert b.evaluate("homesLayer.getLayers().length") > 0  # the homes that lose access are drawn
    assert b.evaluate("document.body.dataset.kaart") == "scenario"  # the map shows the shares after it
    # a refused step (a new voorziening far outside the gemeente) says why and keeps the scenario
    b.evaluate("document.querySelector('input[name=modus][value=nieuw]').checked = true")
    b.evaluate("void map.setView([52.93, 6.40], 16, {animate: false})")
    b.wait_for("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")
    _click_latlng(b, 52.93, 6.40)
    b.wait_for("document.getElementById('melding').textContent.includes('buiten de gemeente')")
    assert b.evaluate("app.scenario.length") == 1 and b.evaluate("!!app.watals")
    b.evaluate("document.querySelector('input[name=modus][value=toets]').checked = true")

    # 3. the norm slider recolours the map
    b.evaluate("void map.fitBounds(app.meta.bebouwd, {animate: false})")
    colours = "app.layers.buurten.getLayers().map((l) => l.options.fillColor).join(',')"
    before = b.evaluate(colours)
    low = b.evaluate("app.meta.norm.min")
    b.evaluate(
        f"(() => {{ const n = document.getElementById('norm'); n.value = {low}; "
        "n.dispatchEvent(new Event('input')); })()"
    )
    b.wait_for(f"(document.body.dataset.indicator || '').split('|')[1] === '{int(low)}'")
    assert b.evaluate(colours) != before
    assert str(int(low)) in b.evaluate("document.getElementById('legenda').innerText")

    # nothing went wrong and nothing was asked of another machine
    b.screenshot(ARTEFACTS / "app_browser.png")
    # the only error the console shows is the refused step's answer (HTTP 400), no script error
    refused = [e for e in b.errors() if "status of 400" in e]
    assert len(refused) == 1
    assert [e for e in b.errors() if e not in refused] == []
    outside = [u for u in b.requests() if not u.startswith((server.url, "data:", "blob:"))]
    assert outside == []
