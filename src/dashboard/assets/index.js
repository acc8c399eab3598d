// The dashboard's list of studies, refreshed from /api/studies. DOM is
// built with textContent only: study names never become markup.
(function () {
  'use strict';
  const table = document.getElementById('study-table');
  const body = table.querySelector('tbody');
  const empty = document.getElementById('empty');
  const error = document.getElementById('storage-error');
  const counted = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL'];  // one column each

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
      row.append(name, cell(objectives), cell(String(study.n_trials), 'num'),
        ...counted.map((state) => cell(String(study.states[state] || 0), 'num')));
      return row;
    });
    body.replaceChildren(...rows);
    table.hidden = rows.length === 0;
    empty.hidden = rows.length > 0;
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
