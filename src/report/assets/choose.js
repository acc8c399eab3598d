// The selection panel (src/report/html/selection.cpp): the limits and the
// rule typed in #choose pick one trial from the front members the section
// embeds, by the rule of `ecopt best-trials --where --pick`
// (src/study/trial_selection.cpp; the report docs, "Choosing a model"): the
// same arithmetic in the same order on the same doubles, so both pick the
// same trial. Builds DOM with textContent only.
(function () {
  'use strict';

  // What was typed, kept across a live page's replacing the section.
  const typed = new Map();
  const parsed = new WeakMap();  // section's data script -> its data

  function dataOf(section) {
    const script = section.querySelector('script.choose-data');
    if (!script) return null;
    if (!parsed.has(script)) parsed.set(script, JSON.parse(script.textContent));
    return parsed.get(script);
  }

  function fields(section) {
    return Array.from(section.querySelectorAll('input, select'));
  }

  function keyOf(field) {
    if (field.dataset.limit !== undefined) return 'limit-' + field.dataset.limit;
    if (field.dataset.weight !== undefined) return 'weight-' + field.dataset.weight;
    return 'rule';
  }

  // C++'s {:g} (6 significant digits, the weights in the rule's words) or
  // {:.4g} (the table, as every number elsewhere on the page): exponent form
  // below 1e-4 and from 10^digits.
  function formatG(value, digits = 6) {
    if (value === 0) return '0';
    const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(digits)))));
    const trim = (text) => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);
    if (exponent < -4 || exponent >= digits) {
      const [mantissa, power] = value.toExponential(digits - 1).split('e');
      return trim(mantissa) + 'e' + power[0] + power.slice(1).padStart(2, '0');
    }
    return trim(value.toFixed(Math.max(0, digits - 1 - exponent)));
  }

  // The limits typed: [{objective, value, text}] and the --where text.
  function limitsOf(section, data) {
    const limits = [];
    for (const input of section.querySelectorAll('input[data-limit]')) {
      const text = input.value.trim();
      if (text === '' || !Number.isFinite(Number(text))) continue;
      const j = Number(input.dataset.limit);
      limits.push({ objective: j, value: Number(text),
        text: data.objectives[j].name + (data.objectives[j].maximize ? '>=' : '<=') + text });
    }
    return limits;
  }

  function within(member, limits, data) {
    return limits.every((limit) => (data.objectives[limit.objective].maximize
      ? member.values[limit.objective] >= limit.value : member.values[limit.objective] <= limit.value));
  }

  // Each candidate's objectives in minimisation form, scaled to [0, 1]
  // over the candidates (0: the best candidate's value).
  function scaled(candidates, data) {
    const points = candidates.map((member) => member.values.map((v, j) => (data.objectives[j].maximize ? -v : v)));
    data.objectives.forEach((objective, j) => {
      let low = Infinity;
      let high = -Infinity;
      for (const point of points) {
        low = Math.min(low, point[j]);
        high = Math.max(high, point[j]);
      }
      for (const point of points) point[j] = high > low ? (point[j] - low) / (high - low) : 0.0;
    });
    return points;
  }

  // The index of the least score, the first of equals.
  function least(count, score) {
    let best = 0;
    for (let i = 1; i < count; ++i) if (score(i) < score(best)) best = i;
    return best;
  }

  // The rule chosen: {kind, objective, weights, text} or {error}.
  function ruleOf(section, data) {
    const select = section.querySelector('.choose-rule select');
    const option = select.selectedOptions[0];
    const kind = select.value.split(':')[0];
    if (kind === 'min' || kind === 'max') {
      return { kind, objective: data.objectives.findIndex((o) => o.name === select.value.slice(kind.length + 1)),
        text: option.dataset.rule, pick: select.value };
    }
    if (kind === 'knee') return { kind, text: option.dataset.rule, pick: 'knee' };
    const texts = Array.from(section.querySelectorAll('input[data-weight]')).map((input) => input.value.trim());
    const weights = texts.map((text) => (text === '' ? NaN : Number(text)));
    const total = weights.reduce((sum, w) => sum + w, 0.0);
    if (weights.some((w) => !Number.isFinite(w) || w < 0) || !(total > 0.0)) {
      return { error: 'Give each objective a weight of 0 or more, not all 0.' };
    }
    const terms = weights.map((w, j) => formatG(w) + ' × ' + data.objectives[j].name);
    return { kind, weights, pick: 'weighted:' + texts.join(','),
      text: 'least weighted sum ' + terms.join(' + ') +
        ', each objective scaled to [0, 1] over the candidates (0 its best)' };
  }

  function pickedIndex(candidates, rule, data) {
    if (rule.kind === 'min' || rule.kind === 'max') {
      const sign = rule.kind === 'min' ? 1.0 : -1.0;
      return least(candidates.length, (i) => sign * candidates[i].values[rule.objective]);
    }
    const points = scaled(candidates, data);
    return least(candidates.length, (i) => {
      let score = 0.0;
      for (let j = 0; j < points[i].length; ++j) {
        score += rule.kind === 'knee' ? points[i][j] * points[i][j] : rule.weights[j] * points[i][j];
      }
      return score;
    });
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function shellQuote(text) { return "'" + text.replace(/'/g, "'\\''") + "'"; }

  const links = [];  // blob: URLs of the current downloads, revoked when replaced

  function download(label, fileName, text, type) {
    const link = element('a', label);
    link.href = URL.createObjectURL(new Blob([text], { type }));
    link.download = fileName;
    links.push(link.href);
    return link;
  }

  function exportLinks(section, data, picked, rule, among) {
    while (links.length) URL.revokeObjectURL(links.pop());
    const json = JSON.stringify({ trial: picked.number, rule: rule.text, params: picked.params }, null, 2) + '\n';
    // A TOML comment holds no control character.
    const comment = ('# trial ' + picked.number + ' of study ' + data.study + ', picked from ' + among +
      ' by the ' + rule.text).replace(/[\u0000-\u001f\u007f]/g, ' ');
    const toml = comment + '\n' + picked.enqueue;
    section.querySelector('.choose-export').replaceChildren('Export trial ' + picked.number + ': ',
      download('parameters as JSON', 'trial-' + picked.number + '.json', json, 'application/json'), ' · ',
      download('study-file [[enqueue]] table', 'trial-' + picked.number + '.toml', toml, 'application/toml'));
  }

  function candidateTable(section, data, candidates, picked) {
    const head = element('tr');
    head.append(element('th', '#'));
    for (const objective of data.objectives) head.append(element('th', objective.name + (objective.maximize ? ' ↑' : ' ↓')));
    const rows = candidates.map((member) => {
      const row = element('tr', null, member === picked ? 'picked' : '');
      row.setAttribute('data-trial', String(member.number));
      row.tabIndex = 0;
      row.append(element('td', member.number + (member === picked ? ' ★' : ''), 'num'));
      for (const value of member.values) row.append(element('td', formatG(value, 4), 'num'));
      return row;
    });
    const thead = element('thead');
    thead.append(head);
    const tbody = element('tbody');
    tbody.append(...rows);
    section.querySelector('.choose-table').replaceChildren(thead, tbody);
  }

  function render(section) {
    const data = dataOf(section);
    if (!data) return;
    const rule = ruleOf(section, data);
    section.querySelector('.choose-weights').hidden = rule.kind !== 'weighted' && !rule.error;
    const pickLine = section.querySelector('.choose-pick');
    const limits = limitsOf(section, data);
    const where = limits.map((limit) => limit.text).join(',');
    const candidates = data.members.filter((member) => within(member, limits, data));
    const among = candidates.length + ' trial' + (candidates.length === 1 ? '' : 's') +
      ' on the front of those ' + (where ? 'with ' + where : 'feasible');
    section.querySelector('.choose-export').replaceChildren();
    section.querySelector('.choose-cli').textContent = '';
    delete section.dataset.picked;
    if (rule.error) {
      pickLine.textContent = rule.error;
      candidateTable(section, data, candidates, null);
      return;
    }
    section.querySelector('.choose-cli').textContent = 'The same from the command line: ecopt best-trials --study-name ' +
      shellQuote(data.study) + (where ? ' --where ' + shellQuote(where) : '') + ' --pick ' + shellQuote(rule.pick);
    if (!candidates.length) {
      pickLine.textContent = 'No trial on the front satisfies ' + where + ': loosen a limit.';
      candidateTable(section, data, candidates, null);
      return;
    }
    const picked = candidates[pickedIndex(candidates, rule, data)];
    pickLine.textContent = 'Trial ' + picked.number + ' picked from ' + among + ' by the ' + rule.text + '.';
    section.dataset.picked = String(picked.number);
    candidateTable(section, data, candidates, picked);
    exportLinks(section, data, picked, rule, among);
  }

  function sectionNow() { return document.getElementById('choose'); }

  document.addEventListener('input', (event) => {
    const section = sectionNow();
    if (!section || !section.contains(event.target)) return;
    for (const field of fields(section)) typed.set(keyOf(field), field.value);
    render(section);
  });

  // A live page (ecopt dashboard) replaces the section when the front
  // changes: the new one gets what was typed in the old.
  let shown = sectionNow();
  new MutationObserver(() => {
    const section = sectionNow();
    if (!section || section === shown) return;
    shown = section;
    for (const field of fields(section)) if (typed.has(keyOf(field))) field.value = typed.get(keyOf(field));
    render(section);
  }).observe(document.body, { childList: true, subtree: true });

  if (shown) render(shown);
})();
