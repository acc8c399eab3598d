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

  // Repeated windows record <key>_mad/_min/_max; a command trial's phase is
  // one window and has no spread (docs/report.md).
  function spreadText(attrs, key) {
    const spread = ['_mad', '_min', '_max'].map((suffix) => attrs[key + suffix]);
    if (spread.every((value) => value === undefined || value === null)) return 'none: one window was measured';
    return spread.map(show).join(' / ');
  }

  function energyEntries(trial) {
    const attrs = trial.user_attrs || {};
    const energy = trial.inference_energy;
    const idle = attrs.idle_subtracted;
    return [
      ['per inference', energy ? show(energy.j) + ' J per ' + energy.unit + ' (' + energy.key + ')' : null],
      ['spread over windows (MAD / min / max)', energy ? spreadText(attrs, energy.key) : null],
      ['source', attrs.energy_source],
      ['shared device', attrs.energy_shared === true ? 'yes: parallel trials ran on the measured device, not a clean measurement'
        : attrs.energy_shared === false ? 'no' : null],
      ['device', attrs.energy_device],
      ['idle handling', idle === true ? 'idle power subtracted' : idle === false ? 'gross (idle included)' : null],
      ['tuning energy', trial.tuning_j === null ? null : show(trial.tuning_j) + ' J (' + trial.tuning_keys.join(' + ') + ')'],
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
    drawer.append(element('h4', 'Energy'), keyValueTable(energyEntries(trial)));
    drawer.append(element('h4', 'All metrics'), keyValueTable(Object.entries(trial.user_attrs || {})));
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
