// Routes of a client's admin API: frp's /api/status, /api/config (GET, PUT) and /api/reload.
import { HttpError, json } from './http.js';
import { redactConfigText, restoreConfigText } from './redact-config.js';
import type { Route } from './router.js';
import { statusJson } from './shapes.js';
import type { ClientView } from '../observe/index.js';

/** The API routes of a client (the dashboard's are added by the admin server). */
export function clientApiRoutes(view: ClientView): Route[] {
  return [
    { method: 'GET', pattern: '/api/status', handler: () => json(statusJson(view.status())) },
    {
      method: 'GET',
      pattern: '/api/config',
      // Secrets (auth.token, passwords, secret keys, header values) are masked; a PUT that keeps a mask keeps the secret.
      handler: async () => ({
        status: 200,
        text: redactConfigText(await view.configText()),
        contentType: 'text/plain; charset=utf-8',
      }),
    },
    {
      method: 'PUT',
      pattern: '/api/config',
      mutating: true,
      handler: async ({ body }) => {
        const text = await body();
        // frp's rule and message: an empty body would wipe the config.
        if (text.trim() === '') throw new HttpError(400, "body can't be empty");
        await view.putConfigText(restoreConfigText(text, await view.configText()));
        return { status: 200, text: '' };
      },
    },
    { method: 'GET', pattern: '/api/reload', mutating: true, handler: async () => json(await view.reload()) },
  ];
}
