// What every dashboard page shares: fetching the read-only /api, formatting, building DOM, the basemap and
// the health panel. Data from OpenSky and imported CSVs is never parsed as HTML: every value goes into the
// page as a text node (el() and textContent); the Content-Security-Policy header is the second line of defence.
'use strict';

const api = path => fetch(path, { cache: 'no-store' }).then(r => r.ok ? r.json() : Promise.reject(new Error(path + ': ' + r.status)));
const text = (value, unit) => value === null || value === undefined ? '–' : (typeof value === 'number' ? Math.round(value).toLocaleString('en') : value) + (unit ? ' ' + unit : '');
// Times arrive as ISO 8601 with Z or +00:00 (DateTime vs DateTimeOffset); shown as UTC "yyyy-MM-dd HH:mm:ss".
const utc = iso => iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '') : '–';
const duration = s => s >= 3600 ? `${Math.floor(s / 3600)}h ${String(Math.floor(s % 3600 / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m ${String(Math.floor(s % 60)).padStart(2, '0')}s` : `${Math.floor(s)}s`;

// el('a', { href: url, className: 'x' }, 'text', child): attributes are set as properties (never parsed),
// children are nodes or strings (text nodes); null children are skipped.
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else node[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// Altitude bands for the marker and trail colours (metres).
const BANDS = [[-Infinity, '#8a8f98', 'ground'], [0, '#2e7d32', '< 1 km'], [1000, '#9e9d24', '1–3 km'], [3000, '#ef6c00', '3–6 km'], [6000, '#c62828', '6–9 km'], [9000, '#6a1b9a', '> 9 km']];
function colour(altitude, onGround) {
  if (onGround || altitude === null || altitude === undefined) return BANDS[0][1];
  let c = BANDS[1][1];
  for (const [from, col] of BANDS.slice(1)) if (altitude >= from) c = col;
  return c;
}

const ROUTE_COLOUR = '#1565c0';

// The map with its layers in fixed panes, so the order a person sees never depends on which request answers
// first: basemap (150) below the optional online tiles (200), trails (410), the route (450), markers (600).
function baseMap(element) {
  const container = document.getElementById(element);
  const map = L.map(container, { worldCopyJump: true }).setView([50, 10], 4);
  map.createPane('basemap').style.zIndex = 150;
  map.createPane('trails').style.zIndex = 410;
  map.createPane('route').style.zIndex = 450;
  // Offline basemap: Natural Earth countries (world-atlas TopoJSON), shipped inside the assembly.
  api('lib/countries-110m.json').then(topo => {
    L.geoJSON(topojson.feature(topo, topo.objects.countries), {
      pane: 'basemap', interactive: false, style: { color: '#7a8a99', weight: .6, fillColor: '#eef0e8', fillOpacity: 1 },
    }).addTo(map);
    container.dataset.basemap = 'loaded';
  });
  const tiles = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', { maxZoom: 18, attribution: '© OpenStreetMap contributors' });
  const toggle = document.getElementById('tiles');
  if (toggle) toggle.addEventListener('change', () => toggle.checked ? tiles.addTo(map) : tiles.remove());
  return map;
}

const routeLatLngs = route => route.map(p => [p.lat, p.lon]);

async function refreshHealth() {
  const status = document.getElementById('health-status');
  let report;
  try {
    const response = await fetch('api/health', { cache: 'no-store' });
    report = await response.json();
  } catch (e) {
    status.textContent = 'unreachable';
    return;
  }
  status.textContent = report.status;
  status.className = 'status-' + report.status;
  const figures = [
    ['Pipeline clock', utc(report.pipelineClock), 'health-clock'],
    ['Lifecycle clock (safe)', utc(report.safeClock), 'health-safe-clock'],
    ['Data age', report.dataAge === null ? '–' : duration(report.dataAge)],
    ['Last fetch', report.lastFetch && report.lastFetch.at ? utc(report.lastFetch.at) + ' ' + (report.lastFetch.result || '') : 'never'],
    ['Live aircraft', text(report.liveAircraft)],
    ['Open flights', text(report.openFlights)],
    ['Ended (1 h)', Object.entries(report.flightsEndedLastHour).map(([k, v]) => k + ' ' + v).join(', ') || '0'],
    ['Kafka lag', report.kafka.state === 'ok' ? text(report.kafka.totalLag) : report.kafka.state],
    ['Emergencies (1 h)', report.emergencies ? text(report.emergencies.periodsLastHour) : '–', 'health-emergency-periods'],
  ];
  document.getElementById('health-figures').replaceChildren(...figures.flatMap(([k, v, id]) => [el('dt', {}, k), el('dd', id ? { id } : {}, v)]));
  document.getElementById('health-issues').replaceChildren(...report.issues.map(i => el('li', {}, i.message)));
  // Aircraft squawking 7500/7600/7700 now, each linked to its flight.
  const active = report.emergencies ? report.emergencies.active : [];
  document.getElementById('health-emergencies').replaceChildren(...active.map(e => {
    const label = `${e.squawk} ${e.callsign || e.icao24} (${e.icao24}) since ${utc(e.since)}`;
    return el('li', { dataset: { icao24: e.icao24 } }, e.flightId ? el('a', { href: 'flight.html?id=' + encodeURIComponent(e.flightId) }, label) : label);
  }));
}
