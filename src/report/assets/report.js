// The trial table (paged, sortable), trial details and a readiness marker
// for the ECOpt report. Builds DOM with textContent only: trial data never
// becomes markup.
(function () {
  'use strict';
  const root = document.documentElement;
  window.addEventListener('error', (event) => {
    root.setAttribute('data-report-error', String(event.message));
  });

  const data = JSON.parse(document.getElementById('ecopt-data').textContent);
  const drawer = document.getElementById('trial-details');

  // The trials come as columns (src/report/page_data.hpp): a reader of a
  // column gives its value for trial i.
  function reader(column) {
    if (Array.isArray(column)) return (i) => column[i];
    if ('fill' in column) return () => column.fill;
    if ('first' in column) return (i) => column.first + i;
    if ('parts' in column) {
      const parts = column.parts.map(reader);
      return (i) => parts.map((part) => part(i));
    }
    return (i) => (column.index[i] === null ? null : column.dict[column.index[i]]);
  }

  // Rows as the dashboard's changes carry them too: {number, state, values,
  // params (in the order of data.params), ..., user_attrs where embedded}.
  const trials = new Map();
  const readers = Object.entries(data.trials.columns).map(([key, column]) => [key, reader(column)]);
  for (let i = 0; i < data.trials.count; ++i) {
    const row = {};
    for (const [key, read] of readers) row[key] = read(i);
    const attrs = data.details[String(row.number)];
    if (attrs) row.user_attrs = attrs;
    trials.set(row.number, row);
  }

  // The parameters a trial has, by name.
  function paramsOf(trial) {
    const params = {};
    data.params.forEach((name, k) => { if (trial.params[k] !== null) params[name] = trial.params[k]; });
    return params;
  }

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
  // (docs/energy.md, "The energy record"), as the C++ writer normalised it:
  // estimate, resolved and flags are its own, never a told record's.
  const kFlagText = {
    net_not_positive: 'net of idle at or below zero: the idle baseline drew at least as much power as the work',
    within_resolution: 'within the meters\' resolution: one meter step could hide all of it',
  };
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
      ['flags', record.flags.length ? record.flags.map((flag) => kFlagText[flag]).join('; ') : 'none'],
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
    drawer.append(element('h4', 'Parameters'), keyValueTable(Object.entries(paramsOf(trial))));
    if (!trial.user_attrs) {
      drawer.append(element('h4', 'Energy'), keyValueTable([
        ['source', trial.energy ? trial.energy.source : null],
        ['per ' + (trial.inference_unit || 'inference'), trial.inference_j === null ? null : show(trial.inference_j) + ' J'],
        ['tuning', trial.tuning_j === null ? null : show(trial.tuning_j) + ' J']]));
      drawer.append(element('p', 'This page holds the energy records and metrics of the front, chosen and ' +
        'baseline trials only; trials.json and trials.csv hold every trial\'s.', 'note'));
      drawer.hidden = false;
      return;
    }
    const records = trial.user_attrs.energy || {};
    for (const [name, record] of Object.entries(records)) {
      drawer.append(element('h4', 'Energy: ' + name), keyValueTable(recordEntries(record)));
    }
    drawer.append(element('h4', 'All metrics'), keyValueTable(Object.entries(trial.user_attrs).filter(([key]) => key !== 'energy')));
    drawer.hidden = false;
  }

  // The trial table: rows written from `trials`, a page at a time, in the
  // order the reader chose, over all trials or the front alone.
  const kPageRows = 100;
  const table = { page: 0, filter: 'all' };

  function sectionFacts() {
    const section = document.getElementById('trials');
    const numbers = (name) => (section.dataset[name] || '').split(' ').filter(Boolean).map(Number);
    // posterior: the front by posterior means, only where the page shows it.
    return { front: new Set(numbers('front')), chosen: Number(section.dataset.chosen),
      baseline: Number(section.dataset.baseline),
      posterior: 'posteriorFront' in section.dataset ? new Set(numbers('posteriorFront')) : null };
  }

  // What a column shows of a trial, from its header's data-field.
  function getter(name) {
    const [key, index] = name.split('.');
    if (key === 'params' || key === 'values') return (trial) => trial[key][Number(index)];
    if (key === 'energy') return (trial) => (trial.energy ? trial.energy.source : null);
    return (trial) => trial[key];
  }

  // C++'s {:.4g}, as every number elsewhere on the page.
  function formatNumber(value) {
    if (value === 0) return '0';
    if (Number.isInteger(value)) return String(value);
    const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(4)))));
    const trim = (text) => text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
    if (exponent < -4 || exponent >= 4) {
      const [mantissa, power] = value.toExponential(3).split('e');
      return trim(mantissa) + 'e' + power[0] + power.slice(1).padStart(2, '0');
    }
    return trim(value.toFixed(3 - exponent));
  }

  function badge(text, kind, title) {
    const node = element('span', text, 'badge ' + kind);
    if (title) node.title = title;
    return node;
  }

  function rowOf(trial, fields, facts) {
    const row = element('tr');
    row.dataset.trial = String(trial.number);
    row.tabIndex = 0;
    if (trial.number === selected) row.classList.add('selected');
    for (const [name, header, get] of fields) {
      const value = get(trial);
      const numeric = typeof value === 'number';
      const td = element('td', value === null || value === undefined ? '–' : numeric ? formatNumber(value) : value);
      if (numeric || header.dataset.type === 'number') td.className = 'num';
      if (header.classList.contains('param')) td.classList.add('param');
      if (header.classList.contains('hidden-column')) td.classList.add('hidden-column');
      if (name === 'number') {
        if (facts.front.has(trial.number)) td.append(' ', badge('front', 'front'));
        if (facts.posterior && facts.posterior.has(trial.number)) {
          td.append(' ', badge('posterior front', 'posterior', 'on the front judged by the models\' posterior means'));
        }
        if (trial.number === facts.chosen) td.append(' ', badge('chosen', 'chosen'));
        if (trial.number === facts.baseline) td.append(' ', badge('baseline', 'baseline'));
      }
      if (name === 'energy' && trial.energy && trial.energy.estimate) {
        td.append(' ', badge('estimate', 'estimate', 'an estimate from CPU time, not a sensor reading'));
      }
      if (name === 'energy' && trial.energy && trial.energy.shared) {
        td.append(' ', badge('shared', 'shared', 'the measured device was shared with parallel trials: not a clean measurement'));
      }
      if (name === 'energy' && trial.energy && trial.energy.flags) {
        for (const flag of trial.energy.flags) {
          td.append(' ', badge(flag, 'flagged', 'a figure at or below zero, or within the meters\' resolution: it cannot stand as measured'));
        }
      }
      row.append(td);
    }
    return row;
  }

  // Trials missing the field come last in either direction; ties in trial
  // number order. Keys are read once, so 100,000 trials sort quickly.
  function sorted(rows, get, numeric, ascending) {
    const keyed = rows.map((trial) => {
      const value = get(trial);
      const missing = value === null || value === undefined;
      return { trial, missing, key: missing ? 0 : numeric && typeof value === 'number' ? value : String(value).toLowerCase() };
    });
    const direction = ascending ? 1 : -1;
    keyed.sort((a, b) => {
      if (a.missing || b.missing) return a.missing === b.missing ? a.trial.number - b.trial.number : a.missing ? 1 : -1;
      if (a.key === b.key) return a.trial.number - b.trial.number;
      if (typeof a.key !== typeof b.key) return direction * (typeof a.key === 'number' ? -1 : 1);
      return direction * (a.key < b.key ? -1 : 1);
    });
    return keyed.map((item) => item.trial);
  }

  // The trials the table shows, in order; kept until the trials, the sort or
  // the filter change, so turning a page costs one page.
  let listing = null;
  function listed(facts) {
    if (listing) return listing;
    let rows = Array.from(trials.values());
    if (table.filter === 'front') rows = rows.filter((trial) => facts.front.has(trial.number));
    if (table.filter === 'posterior' && facts.posterior) rows = rows.filter((trial) => facts.posterior.has(trial.number));
    const header = sort && document.querySelectorAll('#trial-table thead th')[sort.column];
    listing = header ? sorted(rows, getter(header.dataset.field), header.dataset.type === 'number' || header.classList.contains('param'), sort.ascending)
      : rows.sort((a, b) => a.number - b.number);
    return listing;
  }

  function button(text, action) {
    const node = element('button', text);
    node.type = 'button';
    node.addEventListener('click', action);
    return node;
  }

  // Shows the page of the table that holds this trial (all trials when the
  // front alone does not), and its details.
  function reveal(number) {
    if (!trials.has(number)) return;
    let rows = listed(sectionFacts());
    if (!rows.some((trial) => trial.number === number)) {
      table.filter = 'all';
      listing = null;
      rows = listed(sectionFacts());
    }
    table.page = Math.floor(rows.findIndex((trial) => trial.number === number) / kPageRows);
    select(number);
    renderTable();
    const row = document.querySelector('#trial-table tr[data-trial="' + number + '"]');
    if (row) row.scrollIntoView({ block: 'nearest' });
  }

  function tools(facts, shown) {
    const filter = element('select');
    filter.setAttribute('aria-label', 'trials shown');
    const choices = [['all', 'all ' + trials.size + ' trials'], ['front', 'the ' + facts.front.size + ' on the Pareto front']];
    if (facts.posterior) choices.push(['posterior', 'the ' + facts.posterior.size + ' on the front by posterior means']);
    for (const [value, text] of choices) {
      const option = element('option', text);
      option.value = value;
      option.selected = table.filter === value;
      filter.append(option);
    }
    filter.addEventListener('change', () => { table.filter = filter.value; table.page = 0; listing = null; renderTable(); });
    const pages = Math.max(1, Math.ceil(shown / kPageRows));
    const first = shown ? table.page * kPageRows + 1 : 0;
    const last = Math.min(shown, (table.page + 1) * kPageRows);
    const previous = button('‹ previous', () => { table.page -= 1; renderTable(); });
    previous.disabled = table.page === 0;
    const next = button('next ›', () => { table.page += 1; renderTable(); });
    next.disabled = table.page >= pages - 1;
    const go = element('input');
    go.type = 'number';
    go.min = '0';
    go.placeholder = 'trial #';
    go.setAttribute('aria-label', 'go to trial');
    go.addEventListener('change', () => reveal(Number(go.value)));
    const parts = [element('label', 'Show '), previous, element('span', 'rows ' + first + '–' + last + ' of ' + shown, 'pager'), next,
      element('label', 'Go to '), go];
    parts[0].append(filter);
    for (const [number, name] of [[facts.chosen, 'chosen'], [facts.baseline, 'baseline']]) {
      if (trials.has(number)) parts.push(button(name + ' trial ' + number, () => reveal(number)));
    }
    return parts;
  }

  function renderTable() {
    const host = document.querySelector('#trials .table-tools');
    const tableNode = document.getElementById('trial-table');
    if (!host || !tableNode) return;
    const facts = sectionFacts();
    const rows = listed(facts);
    table.page = Math.max(0, Math.min(table.page, Math.ceil(rows.length / kPageRows) - 1));
    const fields = Array.from(tableNode.tHead.rows[0].cells).map((header) => [header.dataset.field, header, getter(header.dataset.field)]);
    const page = rows.slice(table.page * kPageRows, (table.page + 1) * kPageRows);
    tableNode.tBodies[0].replaceChildren(...page.map((trial) => rowOf(trial, fields, facts)));
    host.replaceChildren(...tools(facts, rows.length));
    const headers = Array.from(tableNode.tHead.rows[0].cells);
    headers.forEach((header, i) => {
      if (sort && i === sort.column) header.setAttribute('aria-sort', sort.ascending ? 'ascending' : 'descending');
      else header.removeAttribute('aria-sort');
    });
    applyColumnChoice();
  }

  // Listeners sit on the document, so that sections a live page replaces
  // (ecopt dashboard) keep working.
  document.addEventListener('click', (event) => {
    const header = event.target.closest('#trial-table thead th');
    if (header) {
      sort = { column: header.cellIndex, ascending: header.getAttribute('aria-sort') !== 'ascending' };
      table.page = 0;
      listing = null;
      renderTable();
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

  // Every parameter column is shown (the table scrolls sideways); the
  // chooser above the table hides the ones the reader does not want.
  const columnChoice = new Map();  // parameter name -> shown (true) or hidden (false) by the reader

  function setColumnHidden(table, index, hidden) {
    for (const row of table.rows) {
      if (row.cells[index]) row.cells[index].classList.toggle('hidden-column', hidden);
    }
  }

  function applyColumnChoice() {
    const table = document.getElementById('trial-table');
    const chooser = document.querySelector('details.columns');
    if (!table || !chooser) return;
    const params = Array.from(table.tHead.rows[0].cells).filter((cell) => cell.classList.contains('param'));
    params.forEach((header) => setColumnHidden(table, header.cellIndex, columnChoice.get(header.dataset.column) === false));
    const hidden = params.filter((header) => header.classList.contains('hidden-column')).length;
    chooser.hidden = params.length === 0;
    chooser.querySelector('summary').textContent = 'Columns: ' + (hidden ? hidden + ' of ' + params.length +
      ' parameters hidden' : 'all ' + params.length + ' parameters shown') + ' · choose';
    const boxes = params.map((header) => {
      const label = element('label');
      const box = element('input');
      box.type = 'checkbox';
      box.checked = !header.classList.contains('hidden-column');
      box.addEventListener('change', () => { columnChoice.set(header.dataset.column, box.checked); applyColumnChoice(); });
      label.append(box, ' ' + header.dataset.column);
      return label;
    });
    chooser.querySelector('div').replaceChildren(...boxes);
  }

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
      for (const row of changed) trials.set(row.number, row);
      listing = null;
      renderTable();
      if (selected !== null && !drawer.hidden) select(selected);
      markDrawn();
    },
  };

  // A link such as report.html#trial-12 opens that trial's details.
  const linked = /^#trial-(\d+)$/.exec(window.location.hash);
  if (linked) reveal(Number(linked[1]));

  renderTable();
  markDrawn();
  document.body.setAttribute('data-report-ready', 'true');
})();
