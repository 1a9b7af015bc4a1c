// Browser-side helpers shared by both dashboard pages (plain ES2020 script, served before each page's script).

'use strict';
/* exported B */
/**
 * Defines `B` in the page: DOM building (text only, never HTML, since names come from clients),
 * number formatting, JSON fetching and the connection indicator.
 */
const B = {};
/** Milliseconds between two polls of the API. */
B.POLL_INTERVAL_MS = 3000;

/** Creates an element; props: cls, text, title, attrs; children are nodes or strings. */
B.el = function (tag, props, children) {
  const e = document.createElement(tag);
  props = props || {};
  if (props.cls) e.className = props.cls;
  if (props.text !== undefined) e.textContent = String(props.text);
  if (props.title) e.title = props.title;
  if (props.attrs) for (const k of Object.keys(props.attrs)) e.setAttribute(k, props.attrs[k]);
  for (const c of children || []) if (c !== null && c !== undefined) e.append(c);
  return e;
};

/** A <td>; "num" aligns right. */
B.td = function (content, cls) {
  const cell = B.el('td', { cls: cls || '' });
  if (content instanceof Node) cell.append(content);
  else cell.textContent = content === undefined || content === null || content === '' ? '–' : String(content);
  return cell;
};

/** A badge: kind is ok, warn, bad or plain. */
B.badge = function (text, kind, title) {
  return B.el('span', { cls: 'badge ' + kind, text: text, title: title });
};

/** A main line with a muted second line. */
B.twoLines = function (main, sub, mainCls) {
  const wrap = B.el('div');
  wrap.append(B.el('span', { cls: mainCls || '', text: main === '' ? '–' : main }));
  if (sub) wrap.append(B.el('span', { cls: 'sub', text: sub }));
  return wrap;
};

/** Replaces a table body's rows; shows emptyText across colspan columns when there are none. */
B.fillRows = function (tbody, rows, emptyText, colspan) {
  if (rows.length === 0) {
    const cell = B.el('td', { cls: 'empty', text: emptyText, attrs: { colspan: String(colspan) } });
    tbody.replaceChildren(B.el('tr', {}, [cell]));
  } else {
    tbody.replaceChildren.apply(tbody, rows);
  }
};

/** 1536 → "1.5 KiB". */
B.bytes = function (n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Number(n) || 0;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? String(v) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)) + ' ' + units[i];
};

/** 93784 → "1d 2h 3m". */
B.duration = function (seconds) {
  let s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return d + 'd ' + h + 'h ' + m + 'm';
  if (h > 0) return h + 'h ' + m + 'm';
  if (m > 0) return m + 'm ' + s + 's';
  return s + 's';
};

/** "how long ago" of an ISO date, or "–". */
B.since = function (iso) {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '–' : B.duration((Date.now() - t) / 1000) + ' ago';
};

/** A local date-time of an ISO date; other text (frp's "01-02 15:04:05") as is; "–" when empty. */
B.dateTime = function (iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso ? String(iso) : '–';
  return new Date(t).toLocaleString();
};

/**
 * The absolute URL of an API path, built from location.origin: a page opened as
 * http://user:password@host/ resolves relative URLs with that userinfo, and fetch() refuses URLs
 * with credentials. The origin has none; the browser still sends the Basic credentials it holds.
 */
B.url = function (path) {
  return new URL(path, window.location.origin).href;
};

/** fetch() of an API path on this origin, with the credentials the browser holds for it. */
B.fetch = function (path, init) {
  return fetch(B.url(path), Object.assign({ credentials: 'same-origin' }, init || {}));
};

/** GETs JSON from the API (same origin, so Basic credentials the browser holds go along). */
B.getJSON = async function (path) {
  const r = await B.fetch(path, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
};

/** Sets the header's connection indicator. */
B.setConn = function (ok, text) {
  const e = document.getElementById('conn');
  if (!e) return;
  e.className = 'conn ' + (ok ? 'up' : 'down');
  e.textContent = text;
};

/** Runs fn now and every POLL_INTERVAL_MS, one run at a time. */
B.poll = function (fn) {
  let running = false;
  const tick = async function () {
    if (running) return;
    running = true;
    try {
      await fn();
      B.setConn(true, 'live · updated ' + new Date().toLocaleTimeString());
    } catch (err) {
      B.setConn(false, 'unreachable: ' + (err && err.message ? err.message : String(err)));
    } finally {
      running = false;
    }
  };
  tick();
  setInterval(tick, B.POLL_INTERVAL_MS);
};
