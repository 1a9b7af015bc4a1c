// The dashboard's static files by role, and the routes that serve them.
import type { Reply } from '../http.js';
import type { Route } from '../router.js';
import { CLIENT_HTML, CLIENT_JS } from './client-page.js';
import { COMMON_JS } from './common-script.js';
import { SERVER_HTML, SERVER_JS } from './server-page.js';
import { DASHBOARD_CSS } from './style.js';

/**
 * Content-Security-Policy of every dashboard file: only same-origin scripts, styles and API calls;
 * no inline code, no frames, no other hosts (the page must work without external network anyway).
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Which page to serve. */
export type DashboardRole = 'server' | 'client';

function file(text: string, contentType: string): Reply {
  return { status: 200, text, contentType, headers: { 'Content-Security-Policy': DASHBOARD_CSP } };
}

/** Routes for `/` and its /static files of one role. */
export function dashboardRoutes(role: DashboardRole): Route[] {
  const html = role === 'server' ? SERVER_HTML : CLIENT_HTML;
  const script = COMMON_JS + (role === 'server' ? SERVER_JS : CLIENT_JS);
  const html200 = file(html, 'text/html; charset=utf-8');
  const js200 = file(script, 'text/javascript; charset=utf-8');
  const css200 = file(DASHBOARD_CSS, 'text/css; charset=utf-8');
  return [
    { method: 'GET', pattern: '/', handler: () => html200 },
    { method: 'GET', pattern: `/static/${role}.js`, handler: () => js200 },
    { method: 'GET', pattern: '/static/dashboard.css', handler: () => css200 },
  ];
}

/** The page's full script of one role, for syntax checks in tests. */
export function dashboardScript(role: DashboardRole): string {
  return COMMON_JS + (role === 'server' ? SERVER_JS : CLIENT_JS);
}
