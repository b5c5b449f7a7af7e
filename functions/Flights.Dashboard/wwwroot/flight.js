// One flight (flight.html?id=N): its route on the map with start and end, and the altitude and speed
// profile as a uPlot chart (UTC time axis, altitude in metres on the left, speed in km/h on the right,
// values of the nearest point shown in the legend on hover).
'use strict';

const SPEED_COLOUR = '#ef6c00';
const utcSeconds = s => utc(new Date(s * 1000).toISOString());

function profileChart(container, route) {
  const points = route.filter(p => p.t);
  if (points.length < 2) {
    container.replaceChildren(el('p', { className: 'no-profile' }, 'One route point so far: no profile yet.'));
    return;
  }
  const data = [
    points.map(p => Date.parse(p.t) / 1000),
    points.map(p => p.alt_m ?? null),
    points.map(p => p.speed_kmh ?? null),
  ];
  const fromZero = (u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 0) * 1.08)];
  const grouped = (u, values) => values.map(v => v.toLocaleString('en'));
  // 24-hour UTC ticks (uPlot's defaults are US 12-hour), seconds when the ticks are closer than a minute,
  // and the date under the first tick and wherever the day changes.
  const times = (u, splits) => splits.map((s, i) => {
    const iso = new Date(s * 1000).toISOString();
    const close = splits.length > 1 && splits[1] - splits[0] < 60;
    const time = iso.slice(11, close ? 19 : 16);
    return i === 0 || iso.slice(0, 10) !== new Date(splits[i - 1] * 1000).toISOString().slice(0, 10) ? time + '\n' + iso.slice(0, 10) : time;
  });
  const options = {
    width: Math.max(320, container.clientWidth - 2),
    height: 300,
    // The x values are Unix seconds; every time on the axis and in the legend is UTC, like the rest of the dashboard.
    tzDate: ts => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { points: { size: 8 } },
    scales: { x: { time: true }, m: { range: fromZero }, kmh: { range: fromZero } },
    series: [
      { label: 'Time (UTC)', value: (u, ts) => ts === null ? '–' : utcSeconds(ts) },
      { label: 'Altitude', scale: 'm', stroke: ROUTE_COLOUR, width: 2, spanGaps: true, value: (u, v) => v === null ? '–' : text(v, 'm') },
      { label: 'Speed', scale: 'kmh', stroke: SPEED_COLOUR, width: 2, spanGaps: true, value: (u, v) => v === null ? '–' : text(v, 'km/h') },
    ],
    axes: [
      { label: 'Time (UTC)', values: times },
      { scale: 'm', label: 'Altitude (m)', stroke: ROUTE_COLOUR, size: 70, values: grouped },
      { scale: 'kmh', label: 'Speed (km/h)', stroke: SPEED_COLOUR, side: 1, size: 60, grid: { show: false }, values: grouped },
    ],
  };
  return new uPlot(options, data, container);
}

// "KDCA Ronald Reagan Washington National Airport (DCA) · touchdown · 0.8 km", the reason when no airport
// was found, or that it is not decided yet (an open flight's arrival).
function airportText(end, undecided) {
  if (end.airport) {
    const height = end.heightM > 0 ? ` · ${text(end.heightM, 'm')} above the field` : '';
    const distance = end.distanceKm === null ? '' : ` · ${end.distanceKm.toFixed(1)} km`;
    return [end.airport, end.name, end.iata ? `(${end.iata})` : null].filter(Boolean).join(' ') + ` · ${end.method}${distance}${height}`;
  }
  return end.unknownReason ? 'unknown: ' + end.unknownReason.replaceAll('_', ' ') : undecided;
}

async function flightPage() {
  const id = new URLSearchParams(location.search).get('id') || '';
  const response = await fetch('api/flights/' + encodeURIComponent(id), { cache: 'no-store' });
  const data = await response.json().catch(() => ({ error: 'flight ' + id + ': ' + response.status }));
  if (!response.ok) {
    const error = document.getElementById('flight-error');
    error.hidden = false;
    error.textContent = data.error;
    return;
  }
  const f = data.flight;
  document.getElementById('flight-title').textContent = [f.callsign || f.icao24, f.registration, f.typeCode, f.operator].filter(Boolean).join(' · ');
  document.getElementById('flight-summary').textContent =
    `${utc(f.startedAt)} → ${f.endedAt ? utc(f.endedAt) : 'open'} · ${f.durationMin} min · ${f.distanceKm} km · ${f.startReason} → ${f.endReason || 'open'} · ${f.country || ''}`;
  document.getElementById('flight-departure').textContent = airportText(data.departure, 'not known yet');
  document.getElementById('flight-arrival').textContent = airportText(data.arrival, f.endedAt ? 'not known yet' : 'open: not landed yet');
  const map = baseMap('map');
  const latlngs = routeLatLngs(data.route);
  if (latlngs.length) {
    const line = L.polyline(latlngs, { pane: 'route', color: ROUTE_COLOUR, weight: 3, className: 'route-line' }).addTo(map);
    const end = (latlng, fill, className, title) => L.circleMarker(latlng, { pane: 'markerPane', radius: 6, color: '#1d2733', weight: 1.5, fillColor: fill, fillOpacity: 1, className }).bindTooltip(title).addTo(map);
    end(latlngs[0], '#2e7d32', 'route-start', 'start ' + utc(data.route[0].t));
    end(latlngs[latlngs.length - 1], '#c62828', 'route-end', (f.endedAt ? 'end ' : 'last point ') + utc(data.route[data.route.length - 1].t));
    // No zoom animation: the route is drawn where it ends up at once (an animated jump across the world
    // left it undrawn for a moment, and a screenshot then showed an empty map).
    map.fitBounds(line.getBounds(), { maxZoom: 8, padding: [30, 30], animate: false });
  }
  profileChart(document.getElementById('profile'), data.route);
  document.body.dataset.loaded = 'true';
}

flightPage();
