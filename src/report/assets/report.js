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

  let selected = null;  // the trial whose details are open
  let sort = null;      // {column, ascending} of the trial table

  function select(number) {
    const trial = trials.get(number);
    if (!trial) return;
    selected = number;
    document.querySelectorAll('.selected').forEach((node) => node.classList.remove('selected'));
    document.querySelectorAll('[data-trial="' + number + '"]').forEach((node) => node.classList.add('selected'));
    drawer.replaceChildren();
    const close = element('button', '×', 'close');
    close.setAttribute('aria-label', 'close');
    close.addEventListener('click', () => { drawer.hidden = true; selected = null; });
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

  function sortTable(table, column, ascending) {
    const headers = Array.from(table.tHead.rows[0].cells);
    const header = headers[column];
    if (!header) return;
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
  }

  // Listeners sit on the document, so that sections a live page replaces
  // (ecopt dashboard) keep working.
  document.addEventListener('click', (event) => {
    const header = event.target.closest('table.sortable thead th');
    if (header) {
      const ascending = header.getAttribute('aria-sort') !== 'ascending';
      sort = { column: header.cellIndex, ascending };
      sortTable(header.closest('table'), sort.column, ascending);
      return;
    }
    const node = event.target.closest('[data-trial]');
    if (node) select(Number(node.getAttribute('data-trial')));
  });
  document.addEventListener('keydown', (event) => {
    const node = event.key === 'Enter' && event.target.closest && event.target.closest('[data-trial]');
    if (node) select(Number(node.getAttribute('data-trial')));
  });
  function hoverRow(event, on) {
    const row = event.target.closest && event.target.closest('tr[data-trial]');
    if (!row || (event.relatedTarget && row.contains(event.relatedTarget))) return;
    document.querySelectorAll('circle[data-trial="' + row.getAttribute('data-trial') + '"]')
      .forEach((point) => point.classList.toggle('hover', on));
  }
  document.addEventListener('mouseover', (event) => hoverRow(event, true));
  document.addEventListener('mouseout', (event) => hoverRow(event, false));

  // Parameter columns the table cannot fit are hidden, last first, unless
  // the reader asked for them; the chooser above the table says which.
  const columnChoice = new Map();  // parameter name -> shown (true) or hidden (false) by the reader

  function setColumnHidden(table, index, hidden) {
    for (const row of table.rows) {
      if (row.cells[index]) row.cells[index].classList.toggle('hidden-column', hidden);
    }
  }

  function fitColumns() {
    const table = document.getElementById('trial-table');
    const chooser = document.querySelector('details.columns');
    if (!table || !chooser) return;
    const wrap = table.parentElement;
    const params = Array.from(table.tHead.rows[0].cells).filter((cell) => cell.classList.contains('param'));
    params.forEach((header) => setColumnHidden(table, header.cellIndex, columnChoice.get(header.dataset.column) === false));
    for (let i = params.length - 1; i >= 0 && wrap.scrollWidth > wrap.clientWidth + 1; --i) {
      if (!columnChoice.has(params[i].dataset.column)) setColumnHidden(table, params[i].cellIndex, true);
    }
    const hidden = params.filter((header) => header.classList.contains('hidden-column')).length;
    chooser.hidden = hidden === 0 && columnChoice.size === 0;
    chooser.querySelector('summary').textContent = 'Columns: ' + hidden + ' of ' + params.length +
      ' parameters hidden' + (columnChoice.size ? '' : ' to fit the page') + ' · choose';
    const boxes = params.map((header) => {
      const label = element('label');
      const box = element('input');
      box.type = 'checkbox';
      box.checked = !header.classList.contains('hidden-column');
      box.addEventListener('change', () => { columnChoice.set(header.dataset.column, box.checked); fitColumns(); });
      label.append(box, ' ' + header.dataset.column);
      return label;
    });
    chooser.querySelector('div').replaceChildren(...boxes);
  }
  window.addEventListener('resize', fitColumns);

  // Read by the headless-browser test: the script ran to the end and the
  // charts hold points.
  function markDrawn() {
    document.body.setAttribute('data-points-drawn', String(document.querySelectorAll('svg.chart .pt').length));
    document.body.setAttribute('data-charts', String(document.querySelectorAll('svg.chart').length));
  }

  // Called by the dashboard after it swapped in changed sections: takes the
  // changed trials and restores the sort order and the open details.
  window.ecoptReport = {
    update(changed) {
      for (const trial of changed) trials.set(trial.number, trial);
      const table = document.getElementById('trial-table');
      if (sort && table) sortTable(table, sort.column, sort.ascending);
      if (selected !== null && !drawer.hidden) select(selected);
      fitColumns();
      markDrawn();
    },
  };

  // A link such as report.html#trial-12 opens that trial's details.
  const linked = /^#trial-(\d+)$/.exec(window.location.hash);
  if (linked) select(Number(linked[1]));

  fitColumns();
  markDrawn();
  document.body.setAttribute('data-report-ready', 'true');
})();
