// The server dashboard's script (after shared.js): polls the admin API and redraws the tables.
/* global B */
/** How often a proxy's 7-day traffic is fetched again; it changes slowly. */
const TRAFFIC_REFRESH_MS = 30000;
/** Most proxies whose traffic chart is fetched, so a huge server is not asked for all. */
const MAX_CHARTED_PROXIES = 100;
/** Days below which a certificate is flagged as expiring soon / urgently. */
const CERT_WARN_DAYS = 30;
const CERT_BAD_DAYS = 7;
const SVG_NS = 'http://www.w3.org/2000/svg';
/** name → { at, data } of /api/traffic/:name answers. */
const trafficCache = new Map();

function setCard(key, text) {
  const e = document.querySelector('[data-k="' + key + '"]');
  if (e) e.textContent = text;
}

function renderOverview(info, proxies) {
  let online = 0;
  for (const p of proxies) if (p.status === 'online') online++;
  setCard('version', info.version);
  const started = Date.parse(info.startTime);
  setCard('uptime', Number.isNaN(started) ? '–' : B.duration((Date.now() - started) / 1000));
  setCard('clients', String(info.clientCounts));
  setCard('proxies', online + (proxies.length > online ? ' · ' + (proxies.length - online) + ' offline' : ''));
  setCard('conns', String(info.curConns));
  setCard('in', B.bytes(info.totalTrafficIn));
  setCard('out', B.bytes(info.totalTrafficOut));
  const ports = ['bind port ' + info.bindPort];
  if (info.vhostHTTPPort) ports.push('HTTP vhost ' + info.vhostHTTPPort);
  if (info.vhostHTTPSPort) ports.push('HTTPS vhost ' + info.vhostHTTPSPort);
  if (info.tcpmuxHTTPConnectPort) ports.push('tcpmux ' + info.tcpmuxHTTPConnectPort);
  if (info.subdomainHost) ports.push('subdomain host ' + info.subdomainHost);
  ports.push('tcpMux ' + (info.tcpMux ? 'on' : 'off'));
  document.getElementById('ports').textContent = 'burrow ' + info.version + ' · ' + ports.join(' · ');
}

/** A small SVG bar chart: 7 days, oldest left, an in and an out bar per day. */
function chart(traffic) {
  const W = 154,
    H = 34,
    days = 7,
    groupW = W / days,
    barW = (groupW - 4) / 2;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(H));
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  const tin = (traffic && traffic.trafficIn) || [];
  const tout = (traffic && traffic.trafficOut) || [];
  let max = 1;
  for (let i = 0; i < days; i++) max = Math.max(max, Number(tin[i]) || 0, Number(tout[i]) || 0);
  for (let slot = 0; slot < days; slot++) {
    const day = days - 1 - slot;
    const label = day === 0 ? 'today' : day === 1 ? 'yesterday' : day + ' days ago';
    const pair = [
      ['in', Number(tin[day]) || 0],
      ['out', Number(tout[day]) || 0],
    ];
    pair.forEach(function (entry, k) {
      const h = entry[1] > 0 ? Math.max(1.5, (entry[1] / max) * (H - 3)) : 0;
      const r = document.createElementNS(SVG_NS, 'rect');
      r.setAttribute('class', entry[0]);
      r.setAttribute('x', (slot * groupW + 1 + k * (barW + 1)).toFixed(1));
      r.setAttribute('y', (H - 1 - h).toFixed(1));
      r.setAttribute('width', barW.toFixed(1));
      r.setAttribute('height', h.toFixed(1));
      r.setAttribute('rx', '1');
      const t = document.createElementNS(SVG_NS, 'title');
      t.textContent = label + ': ' + entry[0] + ' ' + B.bytes(entry[1]);
      r.append(t);
      svg.append(r);
    });
  }
  const base = document.createElementNS(SVG_NS, 'line');
  base.setAttribute('class', 'base');
  base.setAttribute('x1', '0');
  base.setAttribute('x2', String(W));
  base.setAttribute('y1', String(H - 0.5));
  base.setAttribute('y2', String(H - 0.5));
  svg.append(base);
  return svg;
}

/** Fetches the 7-day traffic of proxies whose cached copy is stale (at most MAX_CHARTED_PROXIES). */
async function refreshTraffic(proxies) {
  const now = Date.now();
  const stale = proxies.slice(0, MAX_CHARTED_PROXIES).filter(function (p) {
    const c = trafficCache.get(p.name);
    return !c || now - c.at > TRAFFIC_REFRESH_MS;
  });
  await Promise.all(
    stale.map(async function (p) {
      try {
        trafficCache.set(p.name, { at: now, data: await B.getJSON('/api/traffic/' + encodeURIComponent(p.name)) });
      } catch {
        trafficCache.set(p.name, { at: now, data: null });
      }
    }),
  );
  const names = new Set(
    proxies.map(function (p) {
      return p.name;
    }),
  );
  for (const name of trafficCache.keys()) if (!names.has(name)) trafficCache.delete(name);
}

function clientLabel(c) {
  if (c.tls && c.tls.identity && c.tls.identity.cn) return c.tls.identity.cn;
  return c.hostname || c.runID;
}

/** The second line under a client's name: its host, unless the name already is the host. */
function clientSub(c) {
  const label = clientLabel(c);
  if (c.hostname && c.hostname !== label) return c.hostname;
  return c.user && c.user !== label ? c.user : '';
}

function renderProxies(proxies, clientsByRun) {
  const rows = proxies.map(function (p) {
    const client = clientsByRun.get(p.runID);
    const cached = trafficCache.get(p.name);
    const status = p.status === 'online' ? B.badge('online', 'ok') : B.badge(p.status || 'offline', 'plain');
    const since = p.status === 'online' ? p.lastStartTime : p.lastCloseTime;
    const statusCell = B.td(status);
    if (since)
      statusCell.append(
        B.el('span', { cls: 'sub', text: (p.status === 'online' ? 'since ' : 'closed ') + B.dateTime(since) }),
      );
    return B.el('tr', { attrs: { 'data-proxy': p.name } }, [
      B.td(B.twoLines(p.name, '', 'mono')),
      B.td(p.type),
      statusCell,
      B.td(
        client
          ? B.twoLines(clientLabel(client), clientSub(client))
          : B.twoLines(p.runID ? p.runID.slice(0, 12) : '', 'not connected'),
      ),
      B.td(p.remoteAddr, 'mono'),
      B.td(p.curConns, 'num'),
      B.td(B.bytes(p.todayTrafficIn), 'num'),
      B.td(B.bytes(p.todayTrafficOut), 'num'),
      B.td(cached && cached.data ? chart(cached.data) : B.el('span', { cls: 'sub', text: '…' })),
    ]);
  });
  document.getElementById('proxies-count').textContent = '(' + proxies.length + ')';
  B.fillRows(document.querySelector('#proxies tbody'), rows, 'No proxies yet.', 9);
}

function tlsCell(c) {
  if (!c.tls) return B.td(B.badge('plain TCP', 'warn', 'this client is not using TLS'));
  const cell = B.td(B.badge(c.tls.version || 'TLS', 'ok'));
  cell.append(B.el('span', { cls: 'sub mono', text: c.tls.cipher || '' }));
  return cell;
}

function identityCell(c) {
  const id = c.tls && c.tls.identity;
  if (!id) return B.td(B.badge(c.tls ? 'no client cert' : 'none', 'plain'));
  const sans = (id.dns || []).concat(id.uris || []).join(', ');
  const cell = B.td(B.el('strong', { text: id.cn || '(no CN)' }));
  if (sans) cell.append(B.el('span', { cls: 'sub', text: sans }));
  cell.append(
    B.el('span', { cls: 'sub mono', text: (id.fingerprint || '').slice(0, 23) + '…', title: id.fingerprint }),
  );
  return cell;
}

function renderClients(clients) {
  const rows = clients.map(function (c) {
    return B.el('tr', {}, [
      identityCell(c),
      B.td(B.twoLines(c.user || '(no user)', c.hostname + (c.os ? ' · ' + c.os + '/' + c.arch : ''))),
      B.td(c.remoteAddress, 'mono'),
      tlsCell(c),
      B.td(B.twoLines(c.wireProtocol, c.controlCipher)),
      B.td(c.version),
      B.td(B.twoLines(B.since(c.connectedSince), B.dateTime(c.connectedSince))),
    ]);
  });
  document.getElementById('clients-count').textContent = '(' + clients.length + ')';
  B.fillRows(document.querySelector('#clients tbody'), rows, 'No clients connected.', 7);
}

function renderCerts(certs) {
  const rows = certs.map(function (c) {
    const kind =
      c.daysLeft < 0 ? 'bad' : c.daysLeft < CERT_BAD_DAYS ? 'bad' : c.daysLeft < CERT_WARN_DAYS ? 'warn' : 'ok';
    const text = c.daysLeft < 0 ? 'expired' : c.daysLeft + ' days';
    return B.el('tr', {}, [
      B.td(c.role),
      B.td(c.subject, 'mono'),
      B.td(B.dateTime(c.notAfter)),
      B.td(B.badge(text, kind), 'num'),
      B.td(B.el('span', { cls: 'mono', text: (c.fingerprint || '').slice(0, 23) + '…', title: c.fingerprint })),
    ]);
  });
  document.getElementById('certs-count').textContent = '(' + certs.length + ')';
  B.fillRows(document.querySelector('#certs tbody'), rows, 'No certificates (TLS off).', 5);
}

B.poll(async function () {
  const [info, proxiesResp, clients, certs] = await Promise.all([
    B.getJSON('/api/serverinfo'),
    B.getJSON('/api/proxies'),
    B.getJSON('/api/clients'),
    B.getJSON('/api/certificates'),
  ]);
  const proxies = proxiesResp.proxies || [];
  await refreshTraffic(proxies);
  const clientsByRun = new Map(
    clients.map(function (c) {
      return [c.runID, c];
    }),
  );
  renderOverview(info, proxies);
  renderProxies(proxies, clientsByRun);
  renderClients(clients);
  renderCerts(certs);
});
