// The live map (index.html), modelled on what tar1090 users expect: markers rotated by heading and coloured
// by altitude, a short trail behind each aircraft, a sortable aircraft list beside the map, search by
// callsign, icao24 or registration, one selected aircraft (kept across refreshes and in the address as
// ?icao24=) with its route, and emergency squawks highlighted on the map and in the list.
'use strict';

const params = new URLSearchParams(location.search);
// ?refresh=N refreshes every N seconds (at least 1; default 5).
const REFRESH_MS = Math.max(1, Number(params.get('refresh')) || 5) * 1000;
// The trail: the positions seen while the page is open, starting from the open flight's last route point
// (stored every 5 minutes), shortened to the last TRAIL_SEED_SECONDS of the straight line from there.
const TRAIL_POSITIONS = 30;
const TRAIL_SEED_SECONDS = 120;
const EMERGENCIES = { '7500': 'hijack', '7600': 'radio failure', '7700': 'emergency' };
const SVG = 'http://www.w3.org/2000/svg';
const PLANE = 'M0,-10 L2,-3 L9,1 L9,3 L2,1 L1.5,7 L4,9 L4,10 L0,9 L-4,10 L-4,9 L-1.5,7 L-2,1 L-9,3 L-9,1 L-2,-3 Z';

// The icon is built as DOM (no markup string) and rotated through CSSOM, which the style policy allows.
function planeIcon(p, fill, selected) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', '22');
  svg.setAttribute('height', '22');
  svg.setAttribute('viewBox', '-11 -11 22 22');
  svg.style.transform = `rotate(${p.heading || 0}deg)`;
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', PLANE);
  path.setAttribute('fill', fill);
  path.setAttribute('stroke', '#1d2733');
  path.setAttribute('stroke-width', '.7');
  svg.append(path);
  const classes = ['aircraft-marker', EMERGENCIES[p.squawk] ? 'emergency' : null, selected ? 'selected' : null].filter(Boolean).join(' ');
  return L.divIcon({ className: classes, html: svg, iconSize: [22, 22], iconAnchor: [11, 11] });
}

function trailStart(p) {
  if (p.trailFromLatitude === null || p.trailFrom === null) return [];
  const age = (Date.parse(p.lastContact) - Date.parse(p.trailFrom)) / 1000;
  if (!(age > 0)) return [];
  const f = Math.min(1, TRAIL_SEED_SECONDS / age);
  return [[p.latitude + (p.trailFromLatitude - p.latitude) * f, p.longitude + (p.trailFromLongitude - p.longitude) * f]];
}

const sameText = (value, query) => value && value.toLowerCase().includes(query);

function mapPage() {
  const map = baseMap('map');
  const trailRenderer = L.canvas({ pane: 'trails' });
  document.getElementById('legend').replaceChildren(...BANDS.map(([, c, label]) => {
    const swatch = el('span');
    swatch.style.background = c;
    return el('div', {}, swatch, label);
  }));

  const aircraft = new Map(); // icao24 -> { feature, marker, iconKey, trail: [[lat, lon]], line, row }
  let selected = params.get('icao24');
  let routeLine = null;
  let sort = { key: 'callsign', descending: false };
  const search = document.getElementById('search');
  const tbody = document.querySelector('#aircraft-list tbody');

  function setSelection(icao24) {
    selected = icao24;
    const address = new URLSearchParams(location.search);
    if (icao24) address.set('icao24', icao24); else address.delete('icao24');
    history.replaceState(null, '', address.size ? '?' + address : location.pathname);
    if (routeLine) { routeLine.remove(); routeLine = null; }
    for (const a of aircraft.values()) draw(a);
    showSelection();
  }

  // The info panel and the route of the selected aircraft; called on every refresh, so both stay current.
  async function showSelection() {
    const info = document.getElementById('info');
    const a = selected && aircraft.get(selected);
    info.hidden = !selected;
    if (!selected) return;
    document.getElementById('info-lost').hidden = !!a;
    if (!a) return;
    const p = a.feature.properties;
    document.getElementById('info-callsign').textContent = p.callsign || p.icao24;
    document.getElementById('info-aircraft').textContent = [p.registration, p.icao24].filter(Boolean).join(' · ');
    document.getElementById('info-type').textContent = [p.typeCode, p.model, p.operator].filter(Boolean).join(' · ') || '–';
    document.getElementById('info-country').textContent = p.country || '–';
    document.getElementById('info-altitude').textContent = p.onGround ? 'on ground' : text(p.altitudeM, 'm');
    document.getElementById('info-speed').textContent = text(p.speedKmh, 'km/h');
    document.getElementById('info-heading').textContent = text(p.heading, '°');
    document.getElementById('info-squawk').textContent = p.squawk ? p.squawk + (EMERGENCIES[p.squawk] ? ' ' + EMERGENCIES[p.squawk] : '') : '–';
    const icao24 = selected;
    const flight = await api(`api/aircraft/${encodeURIComponent(icao24)}/route`).catch(() => null);
    if (selected !== icao24) return;
    if (routeLine) { routeLine.remove(); routeLine = null; }
    const link = document.getElementById('info-flight');
    link.hidden = !flight;
    if (!flight) return;
    link.href = 'flight.html?id=' + flight.flightId;
    // The stored route has a point per 5 minutes; the line ends at the current position.
    const now = aircraft.get(icao24)?.feature.properties ?? p;
    routeLine = L.polyline([...routeLatLngs(flight.route), [now.latitude, now.longitude]], { pane: 'route', color: ROUTE_COLOUR, weight: 3, className: 'route-line' }).addTo(map);
  }

  // Marker, trail and list row of one aircraft; the icon is only rebuilt when what it shows changed.
  function draw(a) {
    const p = a.feature.properties;
    const fill = colour(p.altitudeM, p.onGround);
    const isSelected = p.icao24 === selected;
    const key = [Math.round(p.heading || 0), fill, p.squawk, isSelected].join('|');
    if (!a.marker) {
      a.marker = L.marker([p.latitude, p.longitude], { icon: planeIcon(p, fill, isSelected), title: p.callsign || p.icao24 }).addTo(map);
      a.marker.on('click', () => setSelection(p.icao24));
    } else {
      a.marker.setLatLng([p.latitude, p.longitude]);
      if (a.iconKey !== key) a.marker.setIcon(planeIcon(p, fill, isSelected));
    }
    a.iconKey = key;
    a.marker.setZIndexOffset(isSelected ? 2000 : EMERGENCIES[p.squawk] ? 1000 : 0);
    a.marker.getElement()?.setAttribute('data-icao24', p.icao24);
    if (a.trail.length > 1) {
      if (!a.line) a.line = L.polyline(a.trail, { renderer: trailRenderer, pane: 'trails', color: fill, weight: 3, opacity: 1, interactive: false }).addTo(map);
      else a.line.setLatLngs(a.trail).setStyle({ color: fill });
    }
    row(a);
  }

  function row(a) {
    const p = a.feature.properties;
    if (!a.row) {
      a.row = el('tr', { dataset: { icao24: p.icao24 } }, el('td'), el('td'), el('td'), el('td'));
      a.row.addEventListener('click', () => setSelection(p.icao24));
    }
    const [callsign, altitude, speed, squawk] = a.row.cells;
    callsign.textContent = p.callsign || p.icao24;
    altitude.textContent = p.onGround ? 'ground' : text(p.altitudeM);
    speed.textContent = text(p.speedKmh);
    squawk.textContent = p.squawk || '';
    squawk.title = EMERGENCIES[p.squawk] || '';
    a.row.classList.toggle('emergency', !!EMERGENCIES[p.squawk]);
    a.row.classList.toggle('selected', p.icao24 === selected);
  }

  const sortValue = {
    callsign: p => (p.callsign || p.icao24).toLowerCase(),
    altitude: p => p.onGround ? -1 : p.altitudeM ?? -2,
    speed: p => p.speedKmh ?? -1,
    squawk: p => p.squawk || '',
  };

  // The list in the chosen order, limited to the search's matches.
  function listRows() {
    const query = search.value.trim().toLowerCase();
    const value = sortValue[sort.key];
    const rows = [...aircraft.values()]
      .filter(a => !query || [a.feature.properties.callsign, a.feature.properties.icao24, a.feature.properties.registration].some(v => sameText(v, query)))
      .sort((x, y) => {
        const vx = value(x.feature.properties), vy = value(y.feature.properties);
        const order = vx < vy ? -1 : vx > vy ? 1 : x.feature.id < y.feature.id ? -1 : 1;
        return sort.descending ? -order : order;
      });
    tbody.replaceChildren(...rows.map(a => a.row));
    for (const th of document.querySelectorAll('#aircraft-list th[data-sort]')) {
      th.setAttribute('aria-sort', th.dataset.sort === sort.key ? (sort.descending ? 'descending' : 'ascending') : 'none');
    }
    document.getElementById('list-count').textContent = query ? `${rows.length} of ${aircraft.size}` : `${aircraft.size}`;
    return rows;
  }

  for (const th of document.querySelectorAll('#aircraft-list th[data-sort]')) {
    th.addEventListener('click', () => {
      sort = sort.key === th.dataset.sort ? { key: sort.key, descending: !sort.descending } : { key: th.dataset.sort, descending: th.dataset.sort !== 'callsign' };
      listRows();
    });
  }
  search.addEventListener('input', listRows);
  // Enter selects the first match and brings it into view.
  document.getElementById('search-form').addEventListener('submit', e => {
    e.preventDefault();
    const first = listRows()[0];
    if (!first) return;
    setSelection(first.feature.id);
    map.panTo(first.marker.getLatLng());
  });
  map.on('click', () => setSelection(null));

  let fitted = false;
  async function refresh() {
    const live = await api('api/live').catch(() => null);
    if (live) {
      const seen = new Set();
      for (const f of live.features) {
        seen.add(f.id);
        const p = f.properties;
        let a = aircraft.get(f.id);
        if (!a) {
          a = { trail: trailStart(p) };
          aircraft.set(f.id, a);
        }
        const last = a.trail[a.trail.length - 1];
        if (!last || last[0] !== p.latitude || last[1] !== p.longitude) a.trail.push([p.latitude, p.longitude]);
        if (a.trail.length > TRAIL_POSITIONS) a.trail.splice(0, a.trail.length - TRAIL_POSITIONS);
        a.feature = f;
        draw(a);
      }
      for (const [id, a] of aircraft) {
        if (seen.has(id)) continue;
        a.marker.remove();
        a.line?.remove();
        aircraft.delete(id);
      }
      listRows();
      document.getElementById('live-count').textContent = live.features.length + ' aircraft';
      // Open on the traffic the pipeline tracks (a bounding box may cover one city) with the selected
      // aircraft in view, then leave the view to the user.
      if (!fitted && aircraft.size > 0) {
        map.fitBounds(L.featureGroup([...aircraft.values()].map(a => a.marker)).getBounds(), { maxZoom: 9, padding: [30, 30] });
        const focus = selected && aircraft.get(selected);
        if (focus && !map.getBounds().contains(focus.marker.getLatLng())) map.setView(focus.marker.getLatLng(), 8);
        fitted = true;
      }
      await showSelection();
      document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
    }
    await refreshHealth();
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
}

mapPage();
