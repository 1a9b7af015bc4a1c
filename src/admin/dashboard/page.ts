// The dashboard pages' HTML: one shell for both roles, the server's cards and tables, the client's table and editor.

/** Which page to serve. */
export type DashboardRole = 'server' | 'client';

/** A table column: a header text, right-aligned when numeric. */
type Column = string | { num: string };

function th(column: Column): string {
  return typeof column === 'string' ? `<th>${column}</th>` : `<th class="num">${column.num}</th>`;
}

/** A panel holding one table whose body the page's script fills; `extra` goes after the title. */
function tablePanel(id: string, title: string, columns: readonly Column[], extra = ''): string {
  return `  <section class="panel">
    <h2>${title} <span class="count" id="${id}-count"></span>${extra}</h2>
    <div class="scroll"><table id="${id}">
      <thead><tr>${columns.map(th).join('')}</tr></thead>
      <tbody></tbody>
    </table></div>
  </section>
`;
}

/** The page of one role; its script and stylesheet come from /static (the CSP allows no inline code). */
function shell(role: DashboardRole, main: string, footer = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>burrow · ${role} dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/dashboard.css">
<script src="/static/${role}.js" defer></script>
</head>
<body>
<header>
  <div class="brand"><span class="mark"></span>burrow <span class="role">${role}</span></div>
  <div id="conn" class="conn">connecting…</div>
</header>
<main>
${main}</main>
${footer}</body>
</html>
`;
}

/** The overview cards: label, data-k key the script fills, extra class of the value. */
const SERVER_CARDS: readonly (readonly [string, string, string])[] = [
  ['Version', 'version', ''],
  ['Uptime', 'uptime', ''],
  ['Clients', 'clients', ''],
  ['Proxies', 'proxies', ''],
  ['Connections', 'conns', ''],
  ['Traffic in', 'in', ' in'],
  ['Traffic out', 'out', ' out'],
];

const SERVER_MAIN =
  '  <div class="cards" id="overview">\n' +
  SERVER_CARDS.map(
    ([label, key, cls]) =>
      `    <div class="card"><div class="k">${label}</div><div class="v${cls}" data-k="${key}">–</div></div>\n`,
  ).join('') +
  '  </div>\n' +
  tablePanel(
    'proxies',
    'Proxies',
    [
      'Name',
      'Type',
      'Status',
      'Client',
      'Remote',
      { num: 'Conns' },
      { num: 'Today in' },
      { num: 'Today out' },
      'Traffic',
    ],
    '\n      <span class="legend">last 7 days<i class="in"></i>in<i class="out"></i>out</span>',
  ) +
  tablePanel('clients', 'Clients', [
    'Identity',
    'User · host',
    'Address',
    'TLS',
    'Wire · cipher',
    'Version',
    'Connected',
  ]) +
  tablePanel('certs', 'Certificates', ['Role', 'Subject', 'Expires', { num: 'Days left' }, 'Fingerprint']);

const CLIENT_MAIN =
  tablePanel('proxies', 'Proxies', ['Name', 'Type', 'Status', 'Local', 'Remote', 'Plugin', 'Error']) +
  `  <section class="panel">
    <h2>Configuration</h2>
    <textarea id="config" spellcheck="false" aria-label="client configuration"></textarea>
    <div class="actions">
      <button id="save" class="primary">Save</button>
      <button id="reload">Reload proxies</button>
      <button id="revert">Revert</button>
      <span id="msg" class="msg"></span>
    </div>
  </section>
`;

/** The HTML of one role's page. */
export function dashboardHtml(role: DashboardRole): string {
  return role === 'server'
    ? shell('server', SERVER_MAIN, '<footer id="ports"></footer>\n')
    : shell('client', CLIENT_MAIN);
}
