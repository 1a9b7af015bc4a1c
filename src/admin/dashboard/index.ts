// The dashboard's static files by role (or webServer.assetsDir's), and the routes that serve them.
import type { Reply } from '../http.js';
import type { Route } from '../router.js';
import { dashboardScript } from './assets.js';
import { assetsDirRoutes } from './assets-dir.js';
import { dashboardHtml, type DashboardRole } from './page.js';
import { DASHBOARD_CSS } from './style.js';

export { dashboardScript } from './assets.js';
export type { DashboardRole } from './page.js';

/**
 * Content-Security-Policy of every dashboard file: only same-origin scripts, styles and API calls;
 * no inline code, no frames, no other hosts (the page must work without external network anyway).
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function file(text: string, contentType: string): Reply {
  return { status: 200, text, contentType, headers: { 'Content-Security-Policy': DASHBOARD_CSP } };
}

/**
 * Routes for `/` and its /static files of one role (the script is read from disk here, once), or
 * with `assetsDir` the folder's files as frp serves them (./assets-dir.ts).
 */
export function dashboardRoutes(role: DashboardRole, assetsDir = ''): Route[] {
  if (assetsDir !== '') return assetsDirRoutes(assetsDir, { 'Content-Security-Policy': DASHBOARD_CSP });
  const html200 = file(dashboardHtml(role), 'text/html; charset=utf-8');
  const js200 = file(dashboardScript(role), 'text/javascript; charset=utf-8');
  const css200 = file(DASHBOARD_CSS, 'text/css; charset=utf-8');
  return [
    { method: 'GET', pattern: '/', handler: () => html200 },
    { method: 'GET', pattern: `/static/${role}.js`, handler: () => js200 },
    { method: 'GET', pattern: '/static/dashboard.css', handler: () => css200 },
  ];
}
