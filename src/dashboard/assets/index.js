// The dashboard's list of studies, refreshed from /api/studies. DOM is
// built with textContent only: study names never become markup.
(function () {
  'use strict';
  const body = document.querySelector('#study-table tbody');
  const error = document.getElementById('storage-error');

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function draw(listing) {
    const rows = listing.studies.map((study) => {
      const row = document.createElement('tr');
      const link = document.createElement('a');
      link.href = study.link;
      link.textContent = study.name;
      const name = document.createElement('td');
      name.append(link);
      const objectives = study.objectives.map((o) => o.name + ' (' + o.direction + ')').join(', ');
      const states = Object.entries(study.states).map(([state, n]) => n + ' ' + state).join(', ');
      row.append(name, cell(objectives), cell(String(study.n_trials), 'num'), cell(states || '–'));
      return row;
    });
    body.replaceChildren(...rows);
    error.textContent = listing.error ? 'storage: ' + listing.error : '';
  }

  async function poll() {
    try {
      const response = await fetch('/api/studies', { cache: 'no-store', credentials: 'same-origin' });
      if (response.ok) draw(await response.json());
    } catch (ignored) {
      // The server is restarting or gone; the next poll retries.
    }
    window.setTimeout(poll, 2000);
  }
  draw(JSON.parse(document.getElementById('ecopt-studies').textContent));
  window.setTimeout(poll, 2000);
})();
