// The client dashboard's script (after shared.js): proxy status table and the config editor's buttons.
/* global B */
/** Status phases shown green / red; the rest are neutral. */
const GOOD_PHASES = ['running'];
const BAD_PHASES = ['start error', 'check failed'];

function say(text, kind) {
  const m = document.getElementById('msg');
  m.className = 'msg ' + (kind || '');
  m.textContent = text;
}

function renderStatus(byType) {
  const list = [];
  for (const type of Object.keys(byType).sort()) for (const p of byType[type]) list.push(p);
  const rows = list.map(function (p) {
    const kind = GOOD_PHASES.includes(p.status) ? 'ok' : BAD_PHASES.includes(p.status) ? 'bad' : 'plain';
    return B.el('tr', { attrs: { 'data-proxy': p.name } }, [
      B.td(B.el('span', { cls: 'mono', text: p.name })),
      B.td(p.type),
      B.td(B.badge(p.status, kind)),
      B.td(p.local_addr, 'mono'),
      B.td(p.remote_addr, 'mono'),
      B.td(p.plugin),
      B.td(p.err),
    ]);
  });
  document.getElementById('proxies-count').textContent = '(' + list.length + ')';
  B.fillRows(document.querySelector('#proxies tbody'), rows, 'No proxies configured.', 7);
}

async function loadConfig() {
  const r = await B.fetch('/api/config');
  if (!r.ok) throw new Error('GET /api/config: HTTP ' + r.status);
  document.getElementById('config').value = await r.text();
}

async function errorText(r) {
  try {
    const body = await r.json();
    return body.error || 'HTTP ' + r.status;
  } catch {
    return 'HTTP ' + r.status;
  }
}

async function save() {
  const text = document.getElementById('config').value;
  const r = await B.fetch('/api/config', { method: 'PUT', body: text, headers: { 'Content-Type': 'text/plain' } });
  if (!r.ok) throw new Error('save failed: ' + (await errorText(r)));
  say('Saved. Reload to apply.', 'ok');
}

async function reload() {
  const r = await B.fetch('/api/reload');
  if (!r.ok) throw new Error('reload failed: ' + (await errorText(r)));
  const d = await r.json();
  const parts = [];
  if (d.added && d.added.length) parts.push('added ' + d.added.join(', '));
  if (d.removed && d.removed.length) parts.push('removed ' + d.removed.join(', '));
  if (d.changed && d.changed.length) parts.push('changed ' + d.changed.join(', '));
  say('Reloaded: ' + (parts.length ? parts.join('; ') : 'nothing changed') + '.', 'ok');
}

function action(id, fn) {
  const b = document.getElementById(id);
  b.addEventListener('click', async function () {
    b.disabled = true;
    try {
      await fn();
    } catch (err) {
      say(err && err.message ? err.message : String(err), 'bad');
    } finally {
      b.disabled = false;
    }
  });
}

action('save', save);
action('reload', reload);
action('revert', async function () {
  await loadConfig();
  say('Reverted to the file on disk.', '');
});
loadConfig().catch(function (err) {
  say(err.message, 'bad');
});
B.poll(async function () {
  renderStatus(await B.getJSON('/api/status'));
});
