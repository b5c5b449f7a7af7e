// The dashboard's pages: live map (index.html), flights list (flights.html), flight (flight.html).
// Plain browser JavaScript over the read-only /api endpoints; Leaflet and the basemap are embedded.
'use strict';

const REFRESH_MS = 5000;
const api = path => fetch(path, { cache: 'no-store' }).then(r => r.ok ? r.json() : Promise.reject(new Error(path + ': ' + r.status)));
const text = (value, unit) => value === null || value === undefined ? '–' : (typeof value === 'number' ? Math.round(value).toLocaleString('en') : value) + (unit ? ' ' + unit : '');
// Times arrive as ISO 8601 with Z or +00:00 (DateTime vs DateTimeOffset); shown as UTC "yyyy-MM-dd HH:mm:ss".
const utc = iso => iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '') : '–';

const duration = s => s >= 3600 ? `${Math.floor(s / 3600)}h ${String(Math.floor(s % 3600 / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m ${String(Math.floor(s % 60)).padStart(2, '0')}s` : `${Math.floor(s)}s`;

// Altitude bands for the marker colours (metres).
const BANDS = [[-Infinity, '#8a8f98', 'ground'], [0, '#2e7d32', '< 1 km'], [1000, '#9e9d24', '1–3 km'], [3000, '#ef6c00', '3–6 km'], [6000, '#c62828', '6–9 km'], [9000, '#6a1b9a', '> 9 km']];
function colour(altitude, onGround) {
  if (onGround || altitude === null) return BANDS[0][1];
  let c = BANDS[1][1];
  for (const [from, col] of BANDS.slice(1)) if (altitude >= from) c = col;
  return c;
}

function baseMap(element) {
  const map = L.map(element, { worldCopyJump: true, preferCanvas: false }).setView([50, 10], 4);
  // Offline basemap: Natural Earth countries (world-atlas TopoJSON), shipped inside the assembly.
  api('lib/countries-110m.json').then(topo => {
    L.geoJSON(topojson.feature(topo, topo.objects.countries), { style: { color: '#7a8a99', weight: .6, fillColor: '#eef0e8', fillOpacity: 1 }, interactive: false }).addTo(map);
  });
  const tiles = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', { maxZoom: 18, attribution: '© OpenStreetMap contributors' });
  const toggle = document.getElementById('tiles');
  if (toggle) toggle.addEventListener('change', () => toggle.checked ? tiles.addTo(map) : tiles.remove());
  return map;
}

function planeIcon(heading, fill) {
  const svg = `<svg width="22" height="22" viewBox="-11 -11 22 22" style="transform: rotate(${heading || 0}deg)"><path d="M0,-10 L2,-3 L9,1 L9,3 L2,1 L1.5,7 L4,9 L4,10 L0,9 L-4,10 L-4,9 L-1.5,7 L-2,1 L-9,3 L-9,1 L-2,-3 Z" fill="${fill}" stroke="#1d2733" stroke-width=".7"/></svg>`;
  return L.divIcon({ className: 'aircraft-marker', html: svg, iconSize: [22, 22], iconAnchor: [11, 11] });
}

function routeLatLngs(route) { return route.map(p => [p.lat, p.lon]); }

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
  ];
  document.getElementById('health-figures').innerHTML = figures.map(([k, v, id]) => `<dt>${k}</dt><dd${id ? ` id="${id}"` : ''}>${v}</dd>`).join('');
  document.getElementById('health-issues').innerHTML = report.issues.map(i => `<li>${i.message}</li>`).join('');
}

function mapPage() {
  const map = baseMap('map');
  document.getElementById('legend').innerHTML = BANDS.map(([, c, label]) => `<div><span style="background:${c}"></span>${label}</div>`).join('');
  const markers = new Map();
  let selected = null;
  let routeLine = null;

  async function select(feature) {
    selected = feature.id;
    const p = feature.properties;
    document.getElementById('info').hidden = false;
    document.getElementById('info-callsign').textContent = p.callsign || p.icao24;
    document.getElementById('info-aircraft').textContent = [p.registration, p.icao24].filter(Boolean).join(' · ');
    document.getElementById('info-type').textContent = [p.typeCode, p.model, p.operator].filter(Boolean).join(' · ') || '–';
    document.getElementById('info-altitude').textContent = p.onGround ? 'on ground' : text(p.altitudeM, 'm');
    document.getElementById('info-speed').textContent = text(p.speedKmh, 'km/h');
    document.getElementById('info-heading').textContent = text(p.heading, '°');
    const flight = await api(`api/aircraft/${p.icao24}/route`).catch(() => null);
    if (routeLine) routeLine.remove();
    if (!flight || selected !== feature.id) return;
    document.getElementById('info-flight').href = 'flight.html?id=' + flight.flightId;
    // The stored route has a point per 5 minutes; the line ends at the current position.
    routeLine = L.polyline([...routeLatLngs(flight.route), [p.latitude, p.longitude]], { color: '#1565c0', weight: 3, className: 'route-line' }).addTo(map);
  }

  let fitted = false;
  async function refresh() {
    const live = await api('api/live').catch(() => null);
    if (live) {
      const seen = new Set();
      for (const f of live.features) {
        seen.add(f.id);
        const p = f.properties;
        const icon = planeIcon(p.heading, colour(p.altitudeM, p.onGround));
        let m = markers.get(f.id);
        if (!m) {
          m = L.marker([p.latitude, p.longitude], { icon, title: p.callsign || p.icao24 }).addTo(map);
          m.on('click', () => select(m.feature));
          markers.set(f.id, m);
        } else {
          m.setLatLng([p.latitude, p.longitude]).setIcon(icon);
        }
        m.feature = f;
        m.getElement()?.setAttribute('data-icao24', p.icao24);
      }
      for (const [id, m] of markers) if (!seen.has(id)) { m.remove(); markers.delete(id); }
      document.getElementById('live-count').textContent = live.features.length + ' aircraft';
      // Open on the traffic the pipeline tracks (a bounding box may cover one city), then leave the view to the user.
      if (!fitted && markers.size > 0) {
        map.fitBounds(L.featureGroup([...markers.values()]).getBounds(), { maxZoom: 9, padding: [30, 30] });
        fitted = true;
      }
    }
    await refreshHealth();
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
}

async function flightsPage() {
  const form = document.getElementById('filters');
  const params = new URLSearchParams(location.search);
  for (const name of ['callsign', 'aircraft', 'country']) form.elements[name].value = params.get(name) || '';
  async function load() {
    const query = new URLSearchParams();
    for (const name of ['callsign', 'aircraft', 'country']) if (form.elements[name].value.trim()) query.set(name, form.elements[name].value.trim());
    history.replaceState(null, '', '?' + query);
    const flights = await api('api/flights?' + query);
    document.querySelector('#flights tbody').innerHTML = flights.map(f => `<tr>
      <td><a href="flight.html?id=${f.flightId}">${f.callsign || '–'}</a></td><td>${[f.registration, f.icao24].filter(Boolean).join(' · ')}</td>
      <td>${f.typeCode || '–'}</td><td>${f.country || '–'}</td><td>${utc(f.startedAt)}</td><td>${utc(f.endedAt)}</td>
      <td>${f.durationMin}</td><td>${f.distanceKm}</td><td>${f.endReason || 'open'}</td></tr>`).join('');
    document.body.dataset.loaded = 'true';
  }
  form.addEventListener('submit', e => { e.preventDefault(); load(); });
  load();
}

function profileChart(svg, route) {
  const W = 800, H = 240, pad = 8;
  if (route.length < 2) { svg.innerHTML = '<text x="10" y="20">One point: no profile yet</text>'; return; }
  const t0 = Date.parse(route[0].t), t1 = Date.parse(route[route.length - 1].t);
  const x = t => pad + (W - 2 * pad) * (Date.parse(t) - t0) / Math.max(1, t1 - t0);
  const line = (key, colour) => {
    const values = route.map(p => p[key]).filter(v => v !== null && v !== undefined);
    const max = Math.max(1, ...values);
    const pts = route.filter(p => p[key] !== null && p[key] !== undefined).map(p => `${x(p.t).toFixed(1)},${(H - pad - (H - 2 * pad) * p[key] / max).toFixed(1)}`);
    return `<polyline class="profile-${key}" points="${pts.join(' ')}" fill="none" stroke="${colour}" stroke-width="2" vector-effect="non-scaling-stroke"/>`;
  };
  svg.innerHTML = line('alt_m', '#1565c0') + line('speed_kmh', '#ef6c00');
}

async function flightPage() {
  const id = new URLSearchParams(location.search).get('id');
  const data = await api('api/flights/' + encodeURIComponent(id));
  const f = data.flight;
  document.getElementById('flight-title').textContent = `${f.callsign || f.icao24} ${f.registration ? '· ' + f.registration : ''} ${f.typeCode ? '· ' + f.typeCode : ''}`;
  document.getElementById('flight-summary').textContent =
    `${utc(f.startedAt)} → ${f.endedAt ? utc(f.endedAt) : 'open'} · ${f.durationMin} min · ${f.distanceKm} km · ${f.startReason} → ${f.endReason || 'open'} · ${f.country || ''}`;
  const map = baseMap('map');
  const latlngs = routeLatLngs(data.route);
  if (latlngs.length) {
    const lineLayer = L.polyline(latlngs, { color: '#1565c0', weight: 3, className: 'route-line' }).addTo(map);
    map.fitBounds(lineLayer.getBounds(), { maxZoom: 8, padding: [20, 20] });
  }
  profileChart(document.getElementById('profile'), data.route);
}

({ map: mapPage, flights: flightsPage, flight: flightPage })[document.body.dataset.page]();
