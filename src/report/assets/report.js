// The trial table (paged, sortable), trial details, chart exploration
// (zoom, pan, brush, linked highlight) and a readiness marker for the ECOpt
// report. Builds DOM with textContent only: trial data never becomes markup.
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
    if (key === 'params' || key === 'values') return (trial) => (trial[key] ? trial[key][Number(index)] : null);
    if (key === 'energy') return (trial) => (trial.energy ? trial.energy.source : null);
    return (trial) => trial[key];
  }

  // Whole numbers written out, others as every number elsewhere on the page.
  function formatNumber(value) {
    return Number.isInteger(value) ? String(value) : fourDigits(value);
  }

  // C++'s {:.4g}.
  function fourDigits(value) {
    if (value === 0) return '0';
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
    if (brushed) rows = rows.filter((trial) => brushed.has(trial.number));
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
      clearBrushes();
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
    if (brushed) {
      const note = element('span', brushed.size + ' of ' + trials.size + ' trials, brushed on the chart — ', 'brush-filter');
      note.append(button('clear filter', clearBrushes));
      parts.unshift(note);
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

  // Hovering or focusing a trial anywhere (a marker, a line, a table row)
  // marks it in every chart and the table.
  function highlight(event, on) {
    const node = event.target.closest && event.target.closest('[data-trial]');
    if (!node || (event.relatedTarget && node.contains(event.relatedTarget))) return;
    document.querySelectorAll('[data-trial="' + node.getAttribute('data-trial') + '"]')
      .forEach((same) => same.classList.toggle('hover', on));
  }
  document.addEventListener('mouseover', (event) => highlight(event, true));
  document.addEventListener('mouseout', (event) => highlight(event, false));
  document.addEventListener('focusin', (event) => highlight(event, true));
  document.addEventListener('focusout', (event) => highlight(event, false));

  // Chart exploration. Every scatter chart carries its scales (data-x,
  // data-y: src/report/svg_plot.hpp): the wheel zooms around the pointer, a
  // drag pans, a double-click or the chart's reset control restores; +, -,
  // the arrow keys and 0 do the same from the keyboard. On a chart that
  // names its trials' fields (data-x-field, data-y-field), a shift-drag
  // brushes a rectangle; a drag along an axis of parallel coordinates that
  // names its field (g.pc-axis[data-field]) brushes a range of it, several
  // axes at once, and a double-click on the axis clears it. The brush is
  // the rectangle and the axes' ranges together: the table shows the trials
  // inside every one of them and the charts fade the others. Views and the
  // brush are kept in data space by chart, so that a live page applies them
  // again to the charts it swaps in. The listeners sit on the document, one
  // set for every chart and marker.
  const views = new Map();        // chart key -> {x: [low, high], y: [low, high]}, log10 on a log axis
  let brush = null;               // the rectangle: {key, x: axis, y: axis}, each axis with its field and brushed range
  const axisBrushes = new Map();  // parallel axis key -> the axis with its field and brushed range
  let brushed = null;             // the numbers of the trials in the brush
  const charts = new WeakMap();   // svg -> what exploring it needs, read on first use
  const kSvg = 'http://www.w3.org/2000/svg';
  const kTickCharWidth = 0.58 * 11;  // svg_plot.cpp's estimate for an 11 px tick label
  const kMarginRight = 18;  // svg_plot.cpp's space right of the plot
  let clips = 0;

  function svgElement(tag, attributes, text) {
    const node = document.createElementNS(kSvg, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function axisOf(svg, name, from, to) {
    const [kind, low, high, integer] = svg.dataset[name].split(' ');
    return { kind, native: [Number(low), Number(high)], integer: integer === 'integer', from, to,
      field: svg.dataset[name + 'Field'], ticks: svg.querySelector('g.ticks.' + name) };
  }

  function chartKey(svg) {
    const section = svg.closest('section');
    return (section ? section.id : '') + '|' + svg.getAttribute('aria-label');
  }

  function chartOf(svg) {
    if (charts.has(svg)) return charts.get(svg);
    const box = ['x', 'y', 'width', 'height'].map((name) => Number(svg.querySelector('rect.frame').getAttribute(name)));
    const plot = svg.querySelector('g.plot');
    const chart = { svg, plot, box, key: chartKey(svg),
      stretch: plot.querySelector('g.stretch'),
      x: axisOf(svg, 'x', box[0], box[0] + box[2]), y: axisOf(svg, 'y', box[1] + box[3], box[1]),
      // Markers and rings as drawn for the whole range.
      circles: Array.from(plot.querySelectorAll(':scope > circle'),
        (node) => [node, Number(node.getAttribute('cx')), Number(node.getAttribute('cy'))]) };
    for (const axis of [chart.x, chart.y]) axis.drawn = Array.from(axis.ticks.childNodes);
    charts.set(svg, chart);
    return chart;
  }

  // Data space (log10 on a log axis) to pixels and back, for a range shown.
  function pixel(axis, range, t) { return axis.from + (t - range[0]) / (range[1] - range[0]) * (axis.to - axis.from); }
  function position(axis, range, p) { return range[0] + (p - axis.from) / (axis.to - axis.from) * (range[1] - range[0]); }

  // A range inside the axis's own, no narrower than a millionth of it:
  // zooming out stops at the range drawn, so a marker drawn at its edge as
  // an outlier never shows inside the plot. A category axis stays whole.
  function within(axis, range) {
    const [low, high] = axis.native;
    if (axis.kind === 'category') return axis.native;
    const width = Math.min(high - low, Math.max(range[1] - range[0], (high - low) * 1e-6));
    const start = Math.min(Math.max(range[0], low), high - width);
    return [start, start + width];
  }

  function viewOf(chart) {
    const view = views.get(chart.key);
    return view ? { x: within(chart.x, view.x), y: within(chart.y, view.y) } : { x: chart.x.native, y: chart.y.native };
  }

  function setView(chart, view) {
    const whole = (axis, range) => range[1] - range[0] >= (axis.native[1] - axis.native[0]) * (1 - 1e-9);
    if (!view || (whole(chart.x, view.x) && whole(chart.y, view.y))) views.delete(chart.key);
    else views.set(chart.key, view);
    applyView(chart);
  }

  // Scales the view by `factor` (below 1: closer) around a point of the plot.
  function zoom(chart, at, factor) {
    const view = viewOf(chart);
    const next = {};
    [['x', at[0]], ['y', at[1]]].forEach(([name, p]) => {
      const range = view[name];
      const t = position(chart[name], range, p);
      next[name] = within(chart[name], [t - (t - range[0]) * factor, t + (range[1] - t) * factor]);
    });
    setView(chart, next);
  }

  // Moves what the plot shows by (dx, dy) pixels.
  function pan(chart, dx, dy) {
    const view = viewOf(chart);
    const next = {};
    [['x', dx], ['y', dy]].forEach(([name, delta]) => {
      const axis = chart[name];
      const shift = delta * (view[name][1] - view[name][0]) / (axis.to - axis.from);
      next[name] = within(axis, [view[name][0] - shift, view[name][1] - shift]);
    });
    setView(chart, next);
  }

  // Redraws a chart for its view: markers moved, cells and lines stretched,
  // ticks for the range shown, the brush where it lies.
  function applyView(chart) {
    const view = viewOf(chart);
    const zoomed = views.has(chart.key);
    // new pixel = k × pixel drawn + b
    const [kx, bx] = affine(chart.x, view.x);
    const [ky, by] = affine(chart.y, view.y);
    for (const [node, cx, cy] of chart.circles) {
      node.setAttribute('cx', (kx * cx + bx).toFixed(1));
      node.setAttribute('cy', (ky * cy + by).toFixed(1));
    }
    chart.stretch.setAttribute('transform', 'matrix(' + [kx, 0, 0, ky, bx, by].join(' ') + ')');
    clip(chart, zoomed);
    for (const name of ['x', 'y']) {
      const axis = chart[name];
      if (axis.kind !== 'category') axis.ticks.replaceChildren(...(zoomed ? tickNodes(chart, name, view[name]) : axis.drawn));
    }
    if (zoomed || chart.reset) resetControl(chart).setAttribute('visibility', zoomed ? 'visible' : 'hidden');
    drawBrush(chart);
  }

  function affine(axis, range) {
    const k = (axis.native[1] - axis.native[0]) / (range[1] - range[0]);
    return [k, axis.from * (1 - k) + (axis.native[0] - range[0]) / (range[1] - range[0]) * (axis.to - axis.from)];
  }

  // A zoomed plot shows nothing beyond its frame.
  function clip(chart, zoomed) {
    if (!zoomed) {
      chart.plot.removeAttribute('clip-path');
      return;
    }
    if (!chart.clip) {
      chart.clip = 'ecopt-clip-' + (++clips);
      const path = svgElement('clipPath', { id: chart.clip });
      const [x, y, width, height] = chart.box;
      path.append(svgElement('rect', { x, y, width, height }));
      chart.svg.prepend(path);
    }
    chart.plot.setAttribute('clip-path', 'url(#' + chart.clip + ')');
  }

  function resetControl(chart) {
    if (chart.reset) return chart.reset;
    const [left, top, width] = chart.box;
    chart.reset = svgElement('g', { class: 'chart-reset', role: 'button', tabindex: 0, 'aria-label': 'reset the zoom' });
    chart.reset.append(svgElement('rect', { x: left + width - 46, y: top + 4, width: 42, height: 17, rx: 4 }),
      svgElement('text', { x: left + width - 25, y: top + 16, 'text-anchor': 'middle' }, 'reset'));
    chart.svg.append(chart.reset);
    return chart.reset;
  }

  // Ticks as svg_plot.cpp chooses them: about five nice steps (1, 2 or 5 ×
  // 10^k) on a linear axis, refined to at least four; decades, then 1-2-5,
  // then every mantissa on a log one.
  function niceStep(raw) {
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const residual = raw / magnitude;
    return (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude;
  }

  function smallerStep(step) {
    const magnitude = 10 ** Math.floor(Math.log10(step) + 1e-9);
    const residual = step / magnitude;
    return (residual > 4.5 ? 2 : residual > 1.5 ? 1 : 0.5) * magnitude;
  }

  function ticksEvery(step, low, high) {
    const ticks = [];
    for (let k = Math.ceil(low / step); k * step <= high + step * 1e-9; ++k) ticks.push(k === 0 ? 0 : k * step);
    return ticks;
  }

  function linearTicks(low, high, integer) {
    let step = niceStep((high - low) / 5);
    if (integer) step = Math.max(step, 1);
    let ticks = ticksEvery(step, low, high);
    for (let refined = 0; ticks.length < 4 && !(integer && step <= 1) && refined < 8; ++refined) {
      step = smallerStep(step);
      if (integer) step = Math.max(step, 1);
      ticks = ticksEvery(step, low, high);
    }
    return ticks;
  }

  function logTicks(low, high, integer) {
    const first = Math.floor(low);
    const last = Math.ceil(high);
    const stride = Math.max(1, Math.floor((last - first) / 6));
    for (const mantissas of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
      const values = [];
      for (let exponent = first; exponent <= last; exponent += mantissas.length > 1 ? 1 : stride) {
        for (const mantissa of mantissas) {
          const value = mantissa * 10 ** exponent;
          const at = Math.log10(value);
          if (at >= low && at <= high && (!integer || value >= 1)) values.push(value);
        }
      }
      if (values.length >= 4) return values;
    }
    return linearTicks(10 ** low, 10 ** high, integer).filter((tick) => tick > 0);
  }

  // Grid lines and labels of one axis over `range`; x labels left to right,
  // each only where it clears the previous one.
  function tickNodes(chart, name, range) {
    const axis = chart[name];
    const [left, top, width, height] = chart.box;
    const log = axis.kind === 'log';
    const nodes = [];
    let free = -Infinity;
    for (const tick of log ? logTicks(range[0], range[1], axis.integer) : linearTicks(range[0], range[1], axis.integer)) {
      const at = pixel(axis, range, log ? Math.log10(tick) : tick).toFixed(1);
      const label = fourDigits(tick);
      if (name === 'y') {
        nodes.push(svgElement('line', { class: 'grid', x1: left, x2: left + width, y1: at, y2: at }),
          svgElement('text', { class: 'tick', x: left - 6, y: (Number(at) + 4).toFixed(1), 'text-anchor': 'end' }, label));
        continue;
      }
      nodes.push(svgElement('line', { class: 'grid', x1: at, x2: at, y1: top, y2: top + height }));
      const half = label.length * kTickCharWidth / 2;
      // Moved in from the chart's right edge, as svg_plot.cpp does.
      const centre = Math.min(Number(at), left + width + kMarginRight - half - 1);
      if (centre - half < free) continue;
      free = centre + half + 6;
      nodes.push(svgElement('text', { class: 'tick', x: centre.toFixed(1), y: top + height + 16, 'text-anchor': 'middle' }, label));
    }
    return nodes;
  }

  // An axis of parallel coordinates, read from its group: its band spans
  // the axis from its low end (from, bottom) to its high end (to, top).
  function parallelAxisOf(group) {
    const band = group.querySelector('rect.pc-band');
    const [kind, low, high] = group.dataset.scale.split(' ');
    const top = Number(band.getAttribute('y'));
    return { group, band, key: chartKey(group.closest('svg')) + '|' + group.dataset.field, field: group.dataset.field,
      kind, native: [Number(low), Number(high)], from: top + Number(band.getAttribute('height')), to: top };
  }

  // The brush in data space and the trials inside all of it, as the charts
  // place them (log10 on a log axis, an outlier at the edge).
  function brushedTrials() {
    const inside = (trial, axis) => {
      let value = getter(axis.field)(trial);
      if (typeof value !== 'number' || (axis.kind === 'log' && !(value > 0))) return false;
      if (axis.kind === 'log') value = Math.log10(value);
      value = Math.min(Math.max(value, axis.native[0]), axis.native[1]);
      return value >= axis.range[0] && value <= axis.range[1];
    };
    const ranges = (brush ? [brush.x, brush.y] : []).concat(Array.from(axisBrushes.values()));
    if (!ranges.length) return null;
    const numbers = new Set();
    for (const trial of trials.values()) {
      if (trial.state === 'COMPLETE' && ranges.every((range) => inside(trial, range))) numbers.add(trial.number);
    }
    return numbers;
  }

  function setBrush(next) {
    brush = next;
    brushChanged();
  }

  function clearBrushes() {
    axisBrushes.clear();
    setBrush(null);
  }

  function brushChanged() {
    brushed = brushedTrials();
    table.page = 0;
    listing = null;
    renderTable();
    document.querySelectorAll('svg.chart rect.brush').forEach((node) => node.remove());
    document.querySelectorAll('svg.chart[data-x-field]').forEach((svg) => drawBrush(chartOf(svg)));
    drawAxisBrushes();
    fade();
  }

  function fade() {
    document.querySelectorAll('svg.chart [data-trial]').forEach((node) => {
      node.classList.toggle('faded', brushed !== null && !brushed.has(Number(node.getAttribute('data-trial'))));
    });
  }

  // The brush's rectangle in pixels [x0, x1], [y0, y1], on its own chart.
  function brushRect(chart, xs, ys) {
    let rect = chart.plot.querySelector('rect.brush');
    if (!rect) chart.plot.append(rect = svgElement('rect', { class: 'brush' }));
    rect.setAttribute('x', Math.min(...xs).toFixed(1));
    rect.setAttribute('y', Math.min(...ys).toFixed(1));
    rect.setAttribute('width', Math.abs(xs[1] - xs[0]).toFixed(1));
    rect.setAttribute('height', Math.abs(ys[1] - ys[0]).toFixed(1));
  }

  // A range's band on its axis, between two heights of the chart.
  function axisBrushRect(axis, ys) {
    let rect = axis.group.querySelector('rect.brush');
    if (!rect) axis.group.append(rect = svgElement('rect', { class: 'brush', x: axis.band.getAttribute('x'), width: axis.band.getAttribute('width') }));
    rect.setAttribute('y', Math.min(...ys).toFixed(1));
    rect.setAttribute('height', Math.abs(ys[1] - ys[0]).toFixed(1));
  }

  function drawAxisBrushes() {
    if (!axisBrushes.size) return;
    document.querySelectorAll('svg.chart g.pc-axis[data-field]').forEach((group) => {
      const axis = parallelAxisOf(group);
      const range = axisBrushes.get(axis.key);
      if (range) axisBrushRect(axis, range.range.map((t) => pixel(axis, axis.native, t)));
    });
  }

  function drawBrush(chart) {
    if (!brush || brush.key !== chart.key) return;
    const view = viewOf(chart);
    brushRect(chart, brush.x.range.map((t) => pixel(chart.x, view.x, t)), brush.y.range.map((t) => pixel(chart.y, view.y, t)));
  }

  // After a live page swapped sections in: their charts take their views
  // and the brush again.
  function restoreCharts() {
    document.querySelectorAll('svg.chart[data-x]').forEach((svg) => {
      const chart = chartOf(svg);
      if (views.has(chart.key) || (brush && brush.key === chart.key)) applyView(chart);
    });
    drawAxisBrushes();
    if (brushed) fade();
  }

  // The explorable chart under a pointer event and where in its plot, or null.
  function plotAt(event) {
    const svg = event.target.closest && event.target.closest('svg.chart[data-x]');
    if (!svg) return null;
    const chart = chartOf(svg);
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
    const [left, top, width, height] = chart.box;
    const inside = point.x >= left && point.x <= left + width && point.y >= top && point.y <= top + height;
    return inside ? { chart, at: [point.x, point.y] } : null;
  }

  document.addEventListener('wheel', (event) => {
    const hit = plotAt(event);
    if (!hit) return;
    event.preventDefault();
    const pixels = event.deltaY * (event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1);
    zoom(hit.chart, hit.at, Math.exp(Math.max(-1000, Math.min(1000, pixels)) * 0.002));
  }, { passive: false });

  // A pointer event's point in the svg's own units.
  function svgPoint(svg, event) {
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
    return [point.x, point.y];
  }

  // {svg, chart, brush: whether a shift-drag brushes, from, last: points of
  // its plot}, or {svg, axis, from, last} along an axis of parallel coordinates
  let drag = null;
  let dragged = false;  // a drag moved: the click ending it selects nothing
  document.addEventListener('pointerdown', (event) => {
    dragged = false;
    const band = event.button === 0 && event.target.closest && event.target.closest('g.pc-axis[data-field] rect.pc-band');
    if (band) {
      const axis = parallelAxisOf(band.parentNode);
      const at = svgPoint(band.ownerSVGElement, event);
      drag = { svg: band.ownerSVGElement, axis, from: at, last: at };
      return;
    }
    const hit = event.button === 0 && plotAt(event);
    if (!hit || event.target.closest('.chart-reset')) return;
    drag = { svg: hit.chart.svg, chart: hit.chart, brush: event.shiftKey && Boolean(hit.chart.x.field && hit.chart.y.field),
      from: hit.at, last: hit.at };
  });
  document.addEventListener('pointermove', (event) => {
    if (drag && !drag.svg.isConnected) drag = null;  // a live page swapped the chart out
    if (!drag) return;
    const at = svgPoint(drag.svg, event);
    dragged = dragged || Math.hypot(at[0] - drag.from[0], at[1] - drag.from[1]) > 3;
    if (!dragged) return;
    if (drag.axis) {
      drag.last = [at[0], Math.min(Math.max(at[1], drag.axis.to), drag.axis.from)];
      axisBrushRect(drag.axis, [drag.from[1], drag.last[1]]);
    } else if (drag.brush) {
      const [left, top, width, height] = drag.chart.box;
      drag.last = [Math.min(Math.max(at[0], left), left + width), Math.min(Math.max(at[1], top), top + height)];
      brushRect(drag.chart, [drag.from[0], drag.last[0]], [drag.from[1], drag.last[1]]);
    } else {
      pan(drag.chart, at[0] - drag.last[0], at[1] - drag.last[1]);
      drag.last = at;
    }
  });
  document.addEventListener('pointerup', () => {
    if (drag && drag.axis && dragged) {
      const { axis, from, last } = drag;
      axisBrushes.set(axis.key, { field: axis.field, kind: axis.kind, native: axis.native,
        range: [from[1], last[1]].map((p) => position(axis, axis.native, p)).sort((a, b) => a - b) });
      brushChanged();
    }
    if (drag && drag.brush && dragged) {
      const { chart, from, last } = drag;
      const view = viewOf(chart);
      const axis = (name, i) => ({ field: chart[name].field, kind: chart[name].kind, native: chart[name].native,
        range: [from[i], last[i]].map((p) => position(chart[name], view[name], p)).sort((a, b) => a - b) });
      setBrush({ key: chart.key, x: axis('x', 0), y: axis('y', 1) });
    }
    drag = null;
  });
  // Runs before the click listener below: a drag's click selects nothing.
  document.addEventListener('click', (event) => {
    if (dragged) event.stopImmediatePropagation();
    dragged = false;
  }, true);
  document.addEventListener('dblclick', (event) => {
    const band = event.target.closest && event.target.closest('g.pc-axis[data-field] rect.pc-band');
    if (band && axisBrushes.delete(parallelAxisOf(band.parentNode).key)) brushChanged();
    const hit = plotAt(event);
    if (hit) setView(hit.chart, null);
  });
  document.addEventListener('keydown', (event) => {
    const svg = event.target.closest && event.target.closest('svg.chart[data-x]');
    if (!svg || event.altKey || event.ctrlKey || event.metaKey) return;
    const chart = chartOf(svg);
    const [left, top, width, height] = chart.box;
    const centre = [left + width / 2, top + height / 2];
    const keys = { '+': () => zoom(chart, centre, 0.5), '=': () => zoom(chart, centre, 0.5), '-': () => zoom(chart, centre, 2),
      '0': () => setView(chart, null), ArrowLeft: () => pan(chart, width / 10, 0), ArrowRight: () => pan(chart, -width / 10, 0),
      ArrowUp: () => pan(chart, 0, height / 10), ArrowDown: () => pan(chart, 0, -height / 10) };
    const onReset = event.target.closest('.chart-reset') && (event.key === 'Enter' || event.key === ' ');
    const action = onReset ? keys['0'] : keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  document.addEventListener('click', (event) => {
    const reset = event.target.closest && event.target.closest('.chart-reset');
    if (reset) setView(chartOf(reset.closest('svg')), null);
  });

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
      if (brushed) brushed = brushedTrials();
      listing = null;
      renderTable();
      restoreCharts();
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
