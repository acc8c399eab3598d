// Sorting, trial details and a readiness marker for the ECOpt report.
// Builds DOM with textContent only: trial data never becomes markup.
(function () {
  'use strict';
  const root = document.documentElement;
  window.addEventListener('error', (event) => {
    root.setAttribute('data-report-error', String(event.message));
  });

  const data = JSON.parse(document.getElementById('ecopt-data').textContent);
  const trials = new Map(data.trials.map((trial) => [trial.number, trial]));
  const drawer = document.getElementById('trial-details');

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function show(value) {
    if (value === null || value === undefined) return '–';
    if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  function keyValueTable(entries) {
    const table = element('table');
    const body = element('tbody');
    for (const [key, value] of entries) {
      const row = element('tr');
      row.append(element('th', key), element('td', show(value)));
      body.append(row);
    }
    table.append(body);
    return table;
  }

  // Every energy figure is a typed record under user_attrs.energy
  // (docs/energy.md, "The energy record").
  function spreadText(record) {
    if (!record.spread) return 'none: one window was measured';
    return [record.spread.mad_j, record.spread.min_j, record.spread.max_j].map(show).join(' / ') +
      ' J over ' + record.windows + ' windows';
  }

  function recordEntries(record) {
    return [
      ['sources', record.sources.join(' + ') + (record.estimate ? ' (estimate, not a sensor reading)' : '')],
      ['devices', record.devices.join(', ')],
      ['shared devices', record.shared ? 'yes: parallel trials ran on the measured devices, not a clean measurement' : 'no'],
      ['idle handling', record.idle_subtracted ? 'idle power subtracted' : 'gross (idle included)'],
      ['per ' + (record.unit || 'window'), record.unit ? show(record.j_per_unit) + ' J' : show(record.gross_j) + ' J'],
      ['spread (MAD / min / max)', spreadText(record)],
      ['window', show(record.duration_s) + ' s, ' + show(record.counter_updates) + ' counter updates'],
      ['resolution', show(record.resolution_j) + ' J per window (meter step ' + show(record.resolution_s) + ' s)' +
        (record.resolved ? '' : ': NOT resolved, shorter than 10 meter steps')],
    ];
  }

  function select(number) {
    const trial = trials.get(number);
    if (!trial) return;
    document.querySelectorAll('.selected').forEach((node) => node.classList.remove('selected'));
    document.querySelectorAll('[data-trial="' + number + '"]').forEach((node) => node.classList.add('selected'));
    drawer.replaceChildren();
    const close = element('button', '×', 'close');
    close.setAttribute('aria-label', 'close');
    close.addEventListener('click', () => { drawer.hidden = true; });
    drawer.append(close, element('h3', 'Trial ' + trial.number + ' · ' + trial.state));
    if (trial.fail_reason) drawer.append(element('p', trial.fail_reason, 'warning'));
    const objectives = data.objectives.map((objective, i) => [objective.name + ' (' + objective.direction + ')',
      trial.values ? trial.values[i] : null]);
    drawer.append(element('h4', 'Objectives'), keyValueTable(objectives));
    drawer.append(element('h4', 'Parameters'), keyValueTable(Object.entries(trial.params || {})));
    const records = (trial.user_attrs || {}).energy || {};
    for (const [name, record] of Object.entries(records)) {
      drawer.append(element('h4', 'Energy: ' + name), keyValueTable(recordEntries(record)));
    }
    drawer.append(element('h4', 'All metrics'), keyValueTable(Object.entries(trial.user_attrs || {}).filter(([key]) => key !== 'energy')));
    drawer.hidden = false;
  }

  function sortValue(cell, numeric) {
    if (!numeric) return cell.textContent.trim().toLowerCase();
    const raw = cell.getAttribute('data-sort');
    return raw === null || raw === '' ? NaN : Number(raw);
  }

  function makeSortable(table) {
    const headers = Array.from(table.tHead.rows[0].cells);
    headers.forEach((header, column) => {
      header.addEventListener('click', () => {
        const ascending = header.getAttribute('aria-sort') !== 'ascending';
        const numeric = header.dataset.type === 'number' ||
          Array.from(table.tBodies[0].rows).every((row) => row.cells[column].hasAttribute('data-sort'));
        const rows = Array.from(table.tBodies[0].rows);
        rows.sort((a, b) => {
          const x = sortValue(a.cells[column], numeric);
          const y = sortValue(b.cells[column], numeric);
          if (numeric && Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
          const order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        headers.forEach((other) => other.removeAttribute('aria-sort'));
        header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        table.tBodies[0].append(...rows);
      });
    });
  }

  document.querySelectorAll('table.sortable').forEach(makeSortable);
  document.querySelectorAll('[data-trial]').forEach((node) => {
    const number = Number(node.getAttribute('data-trial'));
    node.addEventListener('click', () => select(number));
    node.addEventListener('keydown', (event) => { if (event.key === 'Enter') select(number); });
    if (node.tagName === 'TR') {
      const points = () => document.querySelectorAll('circle[data-trial="' + number + '"]');
      node.addEventListener('mouseenter', () => points().forEach((p) => p.classList.add('hover')));
      node.addEventListener('mouseleave', () => points().forEach((p) => p.classList.remove('hover')));
    }
  });

  // A link such as report.html#trial-12 opens that trial's details.
  const linked = /^#trial-(\d+)$/.exec(window.location.hash);
  if (linked) select(Number(linked[1]));

  // Read by the headless-browser test: the script ran to the end and the
  // charts hold points.
  document.body.setAttribute('data-points-drawn', String(document.querySelectorAll('svg.chart .pt').length));
  document.body.setAttribute('data-charts', String(document.querySelectorAll('svg.chart').length));
  document.body.setAttribute('data-report-ready', 'true');
})();
