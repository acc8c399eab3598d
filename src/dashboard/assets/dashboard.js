// Live updates for a study page served by `ecopt dashboard`: polls the
// changes endpoint with the version the page holds and swaps in the
// sections and trials that changed, without reloading.
(function () {
  'use strict';
  const live = JSON.parse(document.getElementById('ecopt-live').textContent);
  let version = live.version;
  const badge = document.createElement('p');
  badge.id = 'live-status';
  badge.setAttribute('role', 'status');
  document.body.append(badge);

  function say(text, state) {
    badge.textContent = text;
    badge.className = state;
  }

  function apply(changes) {
    for (const section of changes.sections) {
      const node = document.getElementById(section.id);
      if (node) node.outerHTML = section.html;
    }
    if (changes.sections.length || changes.trials.length) window.ecoptReport.update(changes.trials);
    version = changes.version;
    document.body.setAttribute('data-version', String(version));  // read by tests
  }

  async function poll() {
    try {
      const response = await fetch(live.changes + '&since=' + version,
        { cache: 'no-store', credentials: 'same-origin' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      apply(await response.json());
      say('live · updated ' + new Date().toLocaleTimeString(), 'live');
    } catch (error) {
      say('offline: ' + error.message + ' · retrying', 'offline');
    }
    window.setTimeout(poll, live.poll_ms);
  }
  say('live', 'live');
  window.setTimeout(poll, live.poll_ms);
})();
