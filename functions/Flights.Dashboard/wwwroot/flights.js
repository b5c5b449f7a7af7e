// The flights list (flights.html): filters by callsign prefix, aircraft (icao24 or registration), country and
// airport (departure or arrival); below it the newest emergency squawk periods, each linked to its flight.
'use strict';

async function flightsPage() {
  const form = document.getElementById('filters');
  const params = new URLSearchParams(location.search);
  const names = ['callsign', 'aircraft', 'country', 'airport'];
  for (const name of names) form.elements[name].value = params.get(name) || '';
  const message = document.getElementById('filters-error');
  async function load() {
    const query = new URLSearchParams();
    for (const name of names) if (form.elements[name].value.trim()) query.set(name, form.elements[name].value.trim());
    history.replaceState(null, '', '?' + query);
    const response = await fetch('api/flights?' + query, { cache: 'no-store' });
    const body = await response.json();
    message.textContent = response.ok ? '' : body.error;
    const flights = response.ok ? body : [];
    document.querySelector('#flights tbody').replaceChildren(...flights.map(f => el('tr', {},
      el('td', {}, el('a', { href: 'flight.html?id=' + encodeURIComponent(f.flightId) }, f.callsign || '–')),
      el('td', {}, [f.registration, f.icao24].filter(Boolean).join(' · ')),
      el('td', {}, f.typeCode || '–'),
      el('td', {}, f.operator || '–'),
      el('td', {}, f.country || '–'),
      el('td', {}, f.departureAirport || '–'),
      el('td', {}, f.arrivalAirport || '–'),
      el('td', {}, utc(f.startedAt)),
      el('td', {}, utc(f.endedAt)),
      el('td', {}, String(f.durationMin)),
      el('td', {}, String(f.distanceKm)),
      el('td', {}, f.endReason || 'open'))));
    document.body.dataset.loaded = 'true';
  }
  form.addEventListener('submit', e => { e.preventDefault(); load(); });
  load();
  emergencies();
}

async function emergencies() {
  const periods = await api('api/emergencies');
  const flightLink = (e, label) => e.flightId ? el('a', { href: 'flight.html?id=' + encodeURIComponent(e.flightId) }, label) : label;
  document.querySelector('#emergency-list tbody').replaceChildren(...periods.map(e => el('tr', { className: 'emergency' },
    el('td', {}, e.squawk),
    el('td', {}, e.meaning),
    el('td', {}, flightLink(e, e.callsign || e.icao24)),
    el('td', {}, e.icao24),
    el('td', {}, utc(e.startedAt)),
    el('td', {}, utc(e.lastSeenAt)),
    el('td', {}, e.closedAt ? utc(e.closedAt) : 'open'))));
  document.getElementById('emergencies-none').hidden = periods.length > 0;
  document.getElementById('emergencies').dataset.loaded = 'true';
}

flightsPage();
