/* Woonzorg-werkbank: draws what the JSON API answers; every figure is computed by the server. */
"use strict";

const el = (id) => document.getElementById(id);
const nl1 = new Intl.NumberFormat("nl-NL", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const nl0 = new Intl.NumberFormat("nl-NL", { maximumFractionDigits: 0 });
const pct = (v) => (v === null || v === undefined ? "–" : nl1.format(v) + "%");
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

const app = {
  meta: null, indicator: null, watals: null,
  scenario: [],          // steps: {soort: "nieuw", categorie, lon, lat} or {soort: "weg", id, naam}
  sortKey: "naam", sortUp: true, busy: 0,
  layers: {}, vzById: {},
};

async function api(path, options) {
  app.busy += 1;
  document.body.dataset.bezig = String(app.busy);
  try {
    const r = await fetch(path, options);
    const data = await r.json();
    if (!r.ok) throw new Error(data.fout || ("fout " + r.status));
    el("melding").textContent = "";
    return data;
  } catch (err) {
    el("melding").textContent = err.message;
    throw err;
  } finally {
    app.busy -= 1;
    document.body.dataset.bezig = String(app.busy);
  }
}

/* ---------------------------------------------------------------- the map */

const map = L.map("kaart", { preferCanvas: false, zoomControl: true, attributionControl: true });
map.attributionControl.setPrefix("Leaflet");
const canvas = L.canvas({ padding: 0.2 });
map.createPane("wegen").style.zIndex = 410;
map.createPane("wijkranden").style.zIndex = 420;
map.createPane("punten").style.zIndex = 630;

function drawBackground(name, data) {
  if (name === "wegen") {
    app.layers.wegen = L.geoJSON(data, {
      pane: "wegen", interactive: false,
      style: (f) => ({ color: f.properties.class === "rail" ? "#777" : "#9a9a9a", weight: ["motorway", "trunk", "primary"].includes(f.properties.class) ? 2 : 1, opacity: 0.8, dashArray: f.properties.class === "rail" ? "4 3" : null }),
    }).addTo(map);
  } else if (name === "buurten") {
    app.layers.buurten = L.geoJSON(data, {
      style: () => ({ color: "#666", weight: 0.6, fillColor: "#9e9e9e", fillOpacity: 0.65 }),
      onEachFeature: (f, layer) => layer.bindTooltip(() => buurtTip(f.properties), { sticky: true }),
    }).addTo(map);
  } else if (name === "wijken") {
    app.layers.wijken = L.geoJSON(data, {
      pane: "wijkranden", interactive: false,
      style: () => ({ color: "#222", weight: 2, fill: false }),
    }).addTo(map);
  } else if (name === "gemeente") {
    app.layers.gemeente = L.geoJSON(data, { interactive: false, style: () => ({ color: "#000", weight: 2.5, fill: false, dashArray: "6 4" }) }).addTo(map);
  }
}

function buurtTip(p) {
  const row = (app.indicator?.buurten || []).find((b) => b.code === p.code);
  const w = (app.indicator?.wijken || []).find((b) => b.code === p.wijkcode);
  let text = `<b>${esc(p.naam)}</b> (wijk ${esc(w?.naam || p.wijkcode)})<br>${esc(app.indicator?.label || "")}: ${esc(row?.pct_tekst || "–")}<br>${nl0.format(row?.n_woningen || 0)} woningen`;
  if (app.watals) {
    const key = watalsKey();
    const b = app.watals.buurten.find((x) => x.code === p.code && x.profiel === el("profiel").value);
    if (b) text += `<br>scenario (${nl0.format(app.watals.samenvatting.norm_m)} m): ${pct(b[`pct_${key}_voor`])} → ${pct(b[`pct_${key}_na`])}`;
  }
  return text;
}

function drawVoorzieningen(list) {
  const group = L.layerGroup();
  for (const v of list) {
    app.vzById[v.id] = v;
    const colour = app.meta.kleuren[v.categorie] || "#616161";
    const small = v.categorie === "ov_halte";
    const m = L.circleMarker([v.lat, v.lon], { pane: "punten", radius: small ? 3 : 6, bubblingMouseEvents: false, color: "#333", weight: 1, fillColor: colour, fillOpacity: 0.95 });
    m.bindPopup(() => vzPopup(v));
    m.bindTooltip(`${esc(v.naam)} (${esc(v.label)})`);
    m.vz = v;
    group.addLayer(m);
  }
  app.layers.voorzieningen = group.addTo(map);
}

function vzPopup(v) {
  const closed = app.scenario.some((s) => s.soort === "weg" && s.id === v.id);
  const div = document.createElement("div");
  div.innerHTML = `<b>${esc(v.naam)}</b><br>${esc(v.label)}${v.adres ? ", " + esc(v.adres) : ""}<br><small>${esc(v.id)} · ${esc(v.bron)}</small><br>`;
  const b = document.createElement("button");
  b.textContent = closed ? "al gesloten in dit scenario" : "Sluiten (wat als)";
  b.disabled = closed;
  b.className = "sluiten";
  b.onclick = () => { map.closePopup(); addStep({ soort: "weg", id: v.id, naam: v.naam }); };
  div.appendChild(b);
  const move = document.createElement("button");
  move.textContent = "Verplaatsen…";
  move.className = "verplaatsen";
  move.disabled = closed;
  move.onclick = () => {
    map.closePopup();
    app.moving = v;
    el("melding").innerHTML = `<span id="verplaatsen-hint">Klik op de kaart waar ${esc(v.naam)} naartoe gaat (Esc: niet verplaatsen).</span>`;
  };
  div.append(" ", move);
  return div;
}

/* ---------------------------------------------------------------- indicator */

function query() {
  return new URLSearchParams({ naam: el("indicator").value, norm: el("norm").value, profiel: el("profiel").value });
}

async function refreshIndicator() {
  el("norm-tekst").textContent = nl0.format(Number(el("norm").value)) + " m";
  const data = await api("/api/indicator?" + query());
  app.indicator = data;
  document.body.dataset.indicator = `${data.naam}|${data.norm_m}|${data.profiel}`;
  colourMap();
  drawTable();
}

function scenarioColours() {
  // after the scenario, when it touches the chosen indicator and the slider is at the run's norm
  const w = app.watals;
  if (!w || !app.indicator || Math.abs(app.indicator.norm_m - w.samenvatting.norm_m) > 1e-6) return null;
  const key = `kleur_${el("indicator").value}_${Math.round(w.samenvatting.norm_m)}m_na`;
  const rows = w.buurten.filter((b) => b.profiel === el("profiel").value && key in b);
  return rows.length ? Object.fromEntries(rows.map((b) => [b.code, b[key]])) : null;
}

function colourMap() {
  if (!app.indicator) return;
  const after = scenarioColours();
  const colour = after || Object.fromEntries(app.indicator.buurten.map((b) => [b.code, b.kleur]));
  app.layers.buurten?.setStyle((f) => ({ fillColor: colour[f.properties.code] || "#9e9e9e" }));
  document.body.dataset.kaart = after ? "scenario" : "vandaag";
  drawLegend();
}

const legend = L.control({ position: "bottomleft" });
legend.onAdd = () => { const d = L.DomUtil.create("div", "legenda"); d.id = "legenda"; return d; };

function drawLegend() {
  const d = app.indicator;
  const items = d.legenda.map((c) => `<div><i style="background:${c.kleur}"></i>${esc(c.label)}</div>`).join("");
  el("legenda").innerHTML =
    `<b>Aandeel woningen met ${esc(d.naamwoord)} binnen ${nl0.format(d.norm_m)} m lopen</b>` +
    `voor wie: ${esc(d.profiel_label)}<br>gemeente: ${pct(d.gemeente_pct)}` +
    (document.body.dataset.kaart === "scenario" ? `<br><b class="min">kaart: na het scenario</b>` : app.watals ? "<br>kaart: vandaag (het scenario rekent met de norm van de analyse)" : "") + items +
    `<div class="bron">Voorzieningen: ${esc(d.bronnen.voorzieningen.join("; "))}<br>Looproutes: OpenStreetMap (${esc(shortSource(d.bronnen.netwerk))})</div>`;
}

function shortSource(s) { const m = /(\d{4})/.exec(s || ""); return m ? "stand " + m[1] : "stand onbekend"; }

/* ---------------------------------------------------------------- the wijk table */

function tableRows() {
  const base = app.indicator?.wijken || [];
  if (app.compare) {
    return app.compare.wijken.map((r) => ({ ...r, kleur: (base.find((b) => b.code === r.code) || {}).kleur }));
  }
  const w = app.watals;
  if (!w) return base.map((r) => ({ code: r.code, naam: r.naam, n_woningen: r.n_woningen, pct: r.pct, kleur: r.kleur }));
  const key = watalsKey();
  const prof = el("profiel").value;
  return w.wijken.filter((r) => r.profiel === prof).map((r) => ({
    code: r.code, naam: r.naam, n_woningen: r.n_woningen,
    voor: r[`pct_${key}_voor`], na: r[`pct_${key}_na`], verschil: r[`pct_${key}_verschil`],
    kleur: (base.find((b) => b.code === r.code) || {}).kleur,
  }));
}

function watalsKey() {
  // the what-if's columns are at the run's norm: the chosen indicator when the change touches it
  const w = app.watals, norm = w.samenvatting.norm_m, naam = el("indicator").value;
  const cols = Object.keys(w.wijken[0] || {});
  const want = `${naam}_${Math.round(norm)}m`;
  if (cols.includes(`pct_${want}_voor`)) return want;
  const first = cols.find((c) => c.startsWith("pct_") && c.endsWith("_voor"));
  return first ? first.slice(4, -5) : want;
}

function drawTable() {
  const rows = tableRows();
  const withScenario = !!app.watals && !app.compare;
  const cols = app.compare
    ? [["naam", "Wijk"], ["n_woningen", "Woningen"], ["vandaag", "Vandaag"], ["a", "A"], ["b", "B"], ["verschil", "B − A"]]
    : withScenario
    ? [["naam", "Wijk"], ["n_woningen", "Woningen"], ["voor", "Voor"], ["na", "Na"], ["verschil", "Verschil"]]
    : [["naam", "Wijk"], ["n_woningen", "Woningen"], ["pct", app.indicator ? `Aandeel ≤ ${nl0.format(app.indicator.norm_m)} m` : "%"]];
  const norm = app.compare || withScenario ? app.watals?.samenvatting.norm_m ?? app.compare?.norm_m : app.indicator?.norm_m;
  el("wijken-titel").textContent = app.indicator ? `Wijken: ${app.indicator.naamwoord} binnen ${nl0.format(norm)} m, ${app.indicator.profiel_label}` : "Wijken";
  if (!cols.some((c) => c[0] === app.sortKey)) app.sortKey = "naam";
  const k = app.sortKey, up = app.sortUp ? 1 : -1;
  rows.sort((a, b) => (typeof a[k] === "string" ? a[k].localeCompare(b[k], "nl") : (a[k] ?? -1) - (b[k] ?? -1)) * up);
  el("wijktabel").querySelector("thead").innerHTML = "<tr>" + cols.map(([key, label]) =>
    `<th data-key="${key}" class="${key === k ? (app.sortUp ? "sort-op" : "sort-af") : ""}">${esc(label)}</th>`).join("") + "</tr>";
  el("wijktabel").querySelector("tbody").innerHTML = rows.map((r) => {
    const diff = (d) => `<td class="${d > 0 ? "plus" : d < 0 ? "min" : ""}">${d === null || d === undefined ? "–" : (d > 0 ? "+" : "") + nl1.format(d)}</td>`;
    const cells = app.compare
      ? `<td>${pct(r.vandaag)}</td><td>${pct(r.a)}</td><td>${pct(r.b)}</td>${diff(r.verschil)}`
      : withScenario
      ? `<td>${pct(r.voor)}</td><td>${pct(r.na)}</td><td class="${r.verschil > 0 ? "plus" : r.verschil < 0 ? "min" : ""}">${r.verschil === null || r.verschil === undefined ? "–" : (r.verschil > 0 ? "+" : "") + nl1.format(r.verschil)}</td>`
      : `<td>${pct(r.pct)}</td>`;
    return `<tr data-code="${esc(r.code)}"><td><span class="blok" style="background:${r.kleur || "#9e9e9e"}"></span>${esc(r.naam)}</td><td>${nl0.format(r.n_woningen)}</td>${cells}</tr>`;
  }).join("");
  if (withScenario) {
    const s = app.watals.samenvatting.profielen[el("profiel").value];
    const key = watalsKey().replace(/_\d+m$/, "");
    const c = s?.categorieen?.[key];
    el("scenario-totaal").textContent = c
      ? `Gemeente, ${c.label} ≤ ${nl0.format(app.watals.samenvatting.norm_m)} m: ${pct(c.pct_voor)} → ${pct(c.pct_na)}; ${nl0.format(c.adressen_winnen_toegang)} adressen winnen, ${nl0.format(c.adressen_verliezen_toegang)} verliezen toegang.`
      : "";
  } else {
    el("scenario-totaal").textContent = "";
  }
}

el("wijktabel").addEventListener("click", (e) => {
  const th = e.target.closest("th");
  if (th) {
    const key = th.dataset.key;
    app.sortUp = app.sortKey === key ? !app.sortUp : true;
    app.sortKey = key;
    drawTable();
    return;
  }
  const tr = e.target.closest("tr[data-code]");
  if (tr) {
    app.layers.wijken.eachLayer((l) => { if (l.feature.properties.code === tr.dataset.code) map.fitBounds(l.getBounds()); });
    for (const row of el("wijktabel").querySelectorAll("tr")) row.classList.toggle("gekozen", row === tr);
  }
});

/* ---------------------------------------------------------------- toets */

const toetsLayer = L.layerGroup().addTo(map);

async function runToets(latlng, adres) {
  const where = adres ? { adres } : { lon: latlng.lng.toFixed(6), lat: latlng.lat.toFixed(6) };
  const q = new URLSearchParams({ ...where, type: el("type").value, omvang: el("omvang").value });
  toetsLayer.clearLayers();
  const data = await api("/api/toets?" + q);
  app.toetsQuery = q.toString();
  showToets(data);
}

let addressTimer = null;
el("adres").addEventListener("input", () => {
  clearTimeout(addressTimer);
  addressTimer = setTimeout(async () => {
    const text = el("adres").value.trim();
    if (text.length < 2) return;
    const data = await api("/api/adressen?" + new URLSearchParams({ zoek: text })).catch(() => null);
    if (data) el("adres-lijst").innerHTML = data.resultaten.map((a) => `<option value="${esc(a.adres)}"></option>`).join("");
  }, 200);
});
const toetsAddress = () => { const a = el("adres").value.trim(); if (a) runToets(null, a).then(() => map.panTo(toetsLayer.getLayers()[0].getLatLng())).catch(() => {}); };
el("adres-toets").onclick = toetsAddress;
el("adres").addEventListener("keydown", (e) => { if (e.key === "Enter") toetsAddress(); });

function showToets(t) {
  el("toets").hidden = false;
  const loc = t.locatie;
  const parts = t.delen.map((d) => `<details class="deel"><summary>Deel ${d.nummer} ${esc(d.titel)}: <span class="oordeel oordeel-${esc(d.oordeel)}">${esc(d.oordeel)}</span></summary>` +
    (d.toelichting ? `<div>${esc(d.toelichting)}</div>` : "") +
    `<ul>${d.criteria.map((c) => `<li><b>${esc(c.naam)}</b>: ${esc(c.waarde_tekst)} <span class="oordeel oordeel-${esc(c.oordeel)}">${esc(c.oordeel)}</span><br><small>${esc(c.drempel || "")}${c.bron ? " · bron: " + esc(c.bron) : ""}</small></li>`).join("")}</ul></details>`).join("");
  const reach = (t.bereikbaarheid || []).map((b) => `<li>${esc(b.label)}: ${b.afstand_m === null ? "onbereikbaar" : nl0.format(b.afstand_m) + " m"} (${esc(b.dichtstbij || "–")}) <span class="oordeel oordeel-${esc(b.oordeel)}">${esc(b.oordeel)}</span></li>`).join("");
  el("toets-inhoud").innerHTML =
    `<p id="toets-oordeel">Oordeel: <span class="oordeel oordeel-${esc(t.oordeel)}">${esc(t.oordeel)}</span></p>` +
    `<p><small>${esc(t.zorgtype.label)}, ${esc(t.omvang)} ${esc(t.zorgtype.omvang_eenheid)}; buurt ${esc(loc.buurtnaam)}, wijk ${esc(loc.wijknaam)}. ` +
    `Locatie: ${esc(loc.label)}; nauwkeurigheid: ${esc(loc.precisie_tekst)}${loc.waarschuwing ? "; " + esc(loc.waarschuwing) : ""}</small></p>` +
    parts + `<details class="deel extra"><summary>Bereikbaarheid te voet</summary><ul>${reach}</ul></details>` +
    `<details class="deel extra"><summary>Samenvatting</summary><p>${esc(t.samenvatting)}</p></details><div class="rij"><button id="toets-json">Download JSON</button> <a id="toets-html" target="_blank" href="/api/toets.html?${esc(app.toetsQuery || "")}">Rapport (HTML)</a></div>`;
  el("toets-json").onclick = () => download(`toets_${t.locatie.lon}_${t.locatie.lat}.json`, t);
  for (const f of (t.kaart ? t.kaart.features : [])) {
    const p = f.properties;
    const g = f.geometry;
    if (p.soort === "locatie") {
      const [lon, lat] = g.coordinates;
      L.circleMarker([lat, lon], { pane: "punten", radius: 9, color: "#000", weight: 3, fillColor: "#ffd400", fillOpacity: 1 }).bindTooltip("Locatie van het initiatief").addTo(toetsLayer);
    } else if (p.soort === "loopgebied") {
      L.geoJSON(f, { style: { color: "#2c7fb8", weight: 1, fillOpacity: 0.08, interactive: false } }).addTo(toetsLayer);
    } else if (p.soort === "route") {
      L.geoJSON(f, { style: { color: p.binnen_norm ? "#1a9850" : "#d73027", weight: 3, dashArray: p.binnen_norm ? null : "6 5", interactive: false } }).addTo(toetsLayer);
    } else if (p.soort === "voorziening") {
      const [lon, lat] = g.coordinates;
      L.circleMarker([lat, lon], { pane: "punten", radius: 8, color: "#000", weight: 2, fill: false })
        .bindTooltip(`${esc(p.label)}: ${esc(p.naam)}, ${nl0.format(p.afstand_m)} m lopen`, { permanent: false }).addTo(toetsLayer);
    }
  }
}

/* ---------------------------------------------------------------- scenario (what-if) */

const homesLayer = L.layerGroup().addTo(map);
const newLayer = L.layerGroup().addTo(map);

function addStep(step) {
  if (app.scenario.length >= app.meta.max_wijzigingen) { el("melding").textContent = "Het scenario is vol."; return; }
  app.scenario.push(step);
  runWatals();
}

function body() {
  // the scenario file's form (woonzorg_geo.scenario): what `watals --scenario FILE` reads
  return {
    naam: el("scenario-naam").value.trim() || "scenario uit de werkbank",
    wijzigingen: app.scenario.map((s) => s.soort === "nieuw"
      ? { soort: "nieuw", categorie: s.categorie, lon: s.lon, lat: s.lat }
      : s.soort === "weg" ? { soort: "weg", id: s.id } : { soort: "verplaats", id: s.id, lon: s.lon, lat: s.lat }),
  };
}

async function runWatals() {
  drawScenario();
  homesLayer.clearLayers();
  if (!app.scenario.length) { app.watals = null; await refreshCompare(); colourMap(); drawTable(); return; }
  try {
    app.watals = await api("/api/watals", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body()) });
  } catch (err) {
    app.scenario.pop();  // the refused step is not kept; the figures of the steps before stay
    drawScenario();
    drawHomes();
    return;
  }
  document.body.dataset.scenario = String(app.scenario.length);
  await refreshCompare();
  colourMap();
  drawTable();
  drawHomes();
}

async function refreshCompare() {
  if (!el("vergelijk").checked || !app.scenarioA) { app.compare = null; return; }
  const b = app.scenario.length ? body() : null;
  app.compare = await api("/api/vergelijk", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ a: app.scenarioA.body, b, indicator: el("indicator").value, profiel: el("profiel").value }) }).catch(() => null);
}

el("bewaar-a").onclick = () => {
  app.scenarioA = { body: body(), naam: el("scenario-naam").value.trim() || "scenario A" };
  el("naam-a").textContent = `A: ${app.scenarioA.naam} (${app.scenario.length} stappen)`;
  el("vergelijk").disabled = false;
};
el("vergelijk").onchange = () => refreshCompare().then(drawTable);

function drawHomes() {
  homesLayer.clearLayers();
  if (!app.watals) return;
  const prof = el("profiel").value;
  // the homes of the chosen indicator's category; for a combination, those of the changed category
  const want = watalsKey().replace(/_\d+m$/, "");
  const cats = new Set(app.watals.woningen.map((h) => h.categorie));
  const key = cats.has(want) ? want : [...cats][0];
  for (const h of app.watals.woningen) {
    if (h.profiel !== prof || h.categorie !== key) continue;
    L.circleMarker([h.lat, h.lon], { renderer: canvas, radius: 2.5, stroke: false, fillColor: h.toegang === "wint" ? "#1a9850" : "#d73027", fillOpacity: 0.9, interactive: false }).addTo(homesLayer);
  }
}

function drawScenario() {
  newLayer.clearLayers();
  const cats = Object.fromEntries(app.meta.categorieen.map((c) => [c.naam, c]));
  const vzName = (id) => app.vzById[id]?.naam || id;
  el("wijzigingen").innerHTML = app.scenario.map((s) => s.soort === "nieuw"
    ? `<li>+ nieuwe ${esc(cats[s.categorie]?.label || s.categorie)} op ${s.lat.toFixed(5)}, ${s.lon.toFixed(5)}</li>`
    : s.soort === "weg" ? `<li>− ${esc(vzName(s.id))} (${esc(s.id)}) sluit</li>`
      : `<li>↔ ${esc(vzName(s.id))} (${esc(s.id)}) verhuist naar ${s.lat.toFixed(5)}, ${s.lon.toFixed(5)}</li>`).join("");
  for (const s of app.scenario.filter((x) => x.soort !== "weg")) {
    const label = s.soort === "nieuw" ? "nieuw: " + (cats[s.categorie]?.label || s.categorie) : "verhuisd: " + vzName(s.id);
    const icon = L.divIcon({ className: "nieuw-icoon", html: s.soort === "nieuw" ? "+" : "↔", iconSize: [18, 18] });
    L.marker([s.lat, s.lon], { title: label, icon, interactive: false }).addTo(newLayer);
  }
  app.layers.voorzieningen?.eachLayer((m) => {
    const closed = app.scenario.some((s) => s.soort !== "nieuw" && s.id === m.vz.id);
    m.setStyle({ fillOpacity: closed ? 0.15 : 0.95, dashArray: closed ? "2 2" : null });
  });
  el("scenario-aantal").textContent = app.scenario.length ? `(${app.scenario.length} stappen)` : "";
  for (const id of ["ongedaan", "wissen", "exporteren", "bewaar-a", "export-csv", "export-html"]) el(id).disabled = !app.scenario.length;
}

el("ongedaan").onclick = () => { app.scenario.pop(); runWatals(); };
el("wissen").onclick = () => { app.scenario = []; runWatals(); };
el("exporteren").onclick = async () => {
  const file = await api("/api/scenario", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body()) });
  download((file.naam || "scenario").replace(/[^\w.-]+/g, "_") + ".json", file);
};
el("importeren").addEventListener("change", async (e) => {
  const f = e.target.files[0];
  if (!f) return;
  let doc;
  try { doc = JSON.parse(await f.text()); } catch (err) { el("melding").textContent = `${f.name}: geen geldige JSON (${err.message})`; return; }
  e.target.value = "";
  const file = await api("/api/scenario", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(doc) });
  el("scenario-naam").value = file.naam || "";
  app.scenario = file.wijzigingen.map((w) => ({ ...w }));
  runWatals();
});

async function exportFile(vorm, name) {
  app.busy += 1; document.body.dataset.bezig = String(app.busy);
  try {
    const r = await fetch("/api/watals/export?vorm=" + vorm, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body()) });
    if (!r.ok) { el("melding").textContent = (await r.json()).fout; return; }
    download(name, await r.blob());
  } finally { app.busy -= 1; document.body.dataset.bezig = String(app.busy); }
}
el("export-csv").onclick = () => exportFile("wijken", "watals_wijken.csv");
el("export-html").onclick = () => exportFile("html", "watals_kaart.html");

function download(name, data) {
  const a = document.createElement("a");
  const blob = data instanceof Blob ? data : new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

document.addEventListener("keydown", (e) => { if (e.key === "Escape" && app.moving) { app.moving = null; el("melding").textContent = ""; } });

/* ---------------------------------------------------------------- search */

let searchTimer = null;
el("zoek").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const text = el("zoek").value.trim();
    if (!text) { el("zoek-resultaten").innerHTML = ""; return; }
    const data = await api("/api/voorzieningen?" + new URLSearchParams({ zoek: text }));
    el("zoek-resultaten").innerHTML = data.resultaten.map((v) => `<li data-id="${esc(v.id)}">${esc(v.naam)} – ${esc(v.label)}${v.adres ? ", " + esc(v.adres) : ""}</li>`).join("") || "<li>geen treffers</li>";
  }, 200);
});
el("zoek-resultaten").addEventListener("click", (e) => {
  const li = e.target.closest("li[data-id]");
  if (!li) return;
  app.layers.voorzieningen.eachLayer((m) => { if (m.vz.id === li.dataset.id) { map.setView(m.getLatLng(), 16); m.openPopup(); } });
});

/* ---------------------------------------------------------------- clicks and start */

function onMapClick(e) {
  if (app.moving) {
    const v = app.moving;
    app.moving = null;
    el("melding").textContent = "";
    addStep({ soort: "verplaats", id: v.id, lon: Number(e.latlng.lng.toFixed(6)), lat: Number(e.latlng.lat.toFixed(6)) });
    return;
  }
  const mode = document.querySelector("input[name=modus]:checked").value;
  if (mode === "toets") runToets(e.latlng).catch(() => {});
  else addStep({ soort: "nieuw", categorie: el("nieuw-categorie").value, lon: Number(e.latlng.lng.toFixed(6)), lat: Number(e.latlng.lat.toFixed(6)) });
}

function fill(select, items, value) {
  select.innerHTML = items.map((i) => `<option value="${esc(i.naam)}">${esc(i.label)}</option>`).join("");
  if (value) select.value = value;
}

async function start() {
  const meta = await api("/api/meta");
  app.meta = meta;
  el("titel").textContent = `Woonzorg-werkbank ${meta.gemeente.naam}`;
  document.title = el("titel").textContent;
  fill(el("indicator"), meta.indicatoren, meta.indicator_standaard);
  fill(el("profiel"), meta.profielen, meta.profiel_standaard);
  fill(el("type"), meta.typen);
  fill(el("nieuw-categorie"), meta.categorieen, "supermarkt");
  const n = el("norm");
  Object.assign(n, { min: meta.norm.min, max: meta.norm.max, step: meta.norm.stap });
  n.value = meta.norm.standaard;
  const unit = () => { const t = meta.typen.find((x) => x.naam === el("type").value); el("eenheid").textContent = t ? t.eenheid : ""; el("omvang").max = t ? t.max_omvang : ""; };
  el("type").onchange = unit; unit();
  map.fitBounds(meta.bebouwd);
  legend.addTo(map);
  map.on("click", onMapClick);
  const [wegen, buurten, wijken, gemeente, vz] = await Promise.all(
    ["wegen", "buurten", "wijken", "gemeente"].map((x) => api("/api/lagen/" + x)).concat([api("/api/voorzieningen")]));
  drawBackground("buurten", buurten);
  drawBackground("wegen", wegen);
  drawBackground("wijken", wijken);
  drawBackground("gemeente", gemeente);
  drawVoorzieningen(vz.resultaten);
  drawScenario();
  for (const id of ["indicator", "profiel"]) el(id).addEventListener("change", () => refreshIndicator().then(refreshCompare).then(() => { drawTable(); drawHomes(); }).catch(() => {}));
  let slideTimer = null;
  n.addEventListener("input", () => { el("norm-tekst").textContent = nl0.format(Number(n.value)) + " m"; clearTimeout(slideTimer); slideTimer = setTimeout(() => refreshIndicator().catch(() => {}), 120); });
  await refreshIndicator();
  document.body.dataset.klaar = "1";
}

start().catch((err) => { el("melding").textContent = "De werkbank kon niet starten: " + err.message; });
