// The dashboard's stylesheet (served as /static/dashboard.css), shared by the server and client pages.

/** CSS of both dashboard pages: system fonts, cards, tables, status badges, small bar charts. */
export const DASHBOARD_CSS = String.raw`
:root {
  --bg: #f5f6f8; --panel: #ffffff; --ink: #1d2330; --muted: #6b7385; --line: #e3e6ec;
  --accent: #7a4b2a; --in: #3b82c4; --out: #3aa676;
  --ok-bg: #e3f5ea; --ok: #1f7a45; --warn-bg: #fff3d6; --warn: #8a5a00; --bad-bg: #fde4e4; --bad: #a32020;
}
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body {
  background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header {
  display: flex; align-items: center; justify-content: space-between;
  padding: 12px 28px; background: #2a211b; color: #f4ede6;
}
.brand { font-size: 18px; font-weight: 650; letter-spacing: 0.2px; display: flex; align-items: center; gap: 10px; }
.brand .mark { width: 22px; height: 22px; border-radius: 50% 50% 4px 4px; background: #c98b5a; display: inline-block; }
.brand .role { font-weight: 500; font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #4a3a2e; color: #f0d9c4; }
.conn { font-size: 12px; color: #d9cbbd; display: flex; align-items: center; gap: 6px; }
.conn::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #999; display: inline-block; }
.conn.up::before { background: #4ccf7f; }
.conn.down::before { background: #e05252; }
main { padding: 20px 28px 32px; max-width: 1400px; margin: 0 auto; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin-bottom: 22px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .k { font-size: 11px; text-transform: uppercase; letter-spacing: 0.6px; color: var(--muted); }
.card .v { font-size: 21px; font-weight: 600; margin-top: 2px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.card .v.in { color: var(--in); }
.card .v.out { color: var(--out); }
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; margin-bottom: 20px; overflow: hidden; }
section.panel h2 {
  font-size: 14px; margin: 0; padding: 11px 16px; border-bottom: 1px solid var(--line);
  display: flex; align-items: center; gap: 8px;
}
section.panel h2 .count { font-weight: 500; color: var(--muted); font-size: 12px; }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 8px 16px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: 11px; text-transform: uppercase; letter-spacing: 0.5px; color: var(--muted); font-weight: 600; background: #fafbfc; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.empty { color: var(--muted); text-align: center; padding: 18px; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.sub { display: block; font-size: 11px; color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 550; white-space: nowrap; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.plain { background: #eef0f4; color: var(--muted); }
svg.chart { display: block; }
svg.chart .in { fill: var(--in); }
svg.chart .out { fill: var(--out); }
svg.chart .base { stroke: var(--line); }
.legend { font-size: 11px; color: var(--muted); font-weight: 500; margin-left: auto; }
.legend i { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin: 0 4px 0 10px; }
.legend i.in { background: var(--in); }
.legend i.out { background: var(--out); }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 28px 24px; }
textarea {
  width: 100%; min-height: 320px; border: none; border-top: 1px solid var(--line); padding: 12px 16px; resize: vertical;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; color: var(--ink); background: #fcfcfd;
}
.actions { display: flex; gap: 8px; align-items: center; padding: 10px 16px; border-top: 1px solid var(--line); }
button {
  font: inherit; font-size: 13px; padding: 6px 14px; border-radius: 6px; border: 1px solid #c9ccd4; background: #fff; cursor: pointer;
}
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button:disabled { opacity: 0.6; cursor: default; }
.msg { font-size: 12px; color: var(--muted); }
.msg.bad { color: var(--bad); }
.msg.ok { color: var(--ok); }
`;
