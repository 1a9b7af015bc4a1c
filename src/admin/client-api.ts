// Routes of a client's admin API: frp's /api/status, /api/config (GET, PUT), /api/reload and, with a store, /api/store.
import { HttpError, json, type Reply } from './http.js';
import { redactConfigText, restoreConfigText } from './redact-config.js';
import type { Route } from './router.js';
import { statusJson } from './shapes.js';
import type { ClientStoreView, ClientView, StoreKind } from '../observe/index.js';
import { BurrowError, ErrorCode } from '../errors.js';

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
    // frpc serves /api/store only when [store] path is set: without it these paths are 404, as there.
    ...(view.store ? storeRoutes(view.store) : []),
  ];
}

/** The store's errors as frp's statuses: not found 404, name taken 409 (invalid input is CONFIG, 400). */
async function storeReply(run: () => unknown): Promise<Reply> {
  try {
    const value = await run();
    // DELETE answers 200 with no body, as frpc.
    return value === undefined ? { status: 200, text: '' } : json(value);
  } catch (err) {
    if (err instanceof BurrowError && err.code === ErrorCode.NOT_FOUND) throw new HttpError(404, err.message);
    if (err instanceof BurrowError && err.code === ErrorCode.CONFLICT) throw new HttpError(409, err.message);
    throw err;
  }
}

/** frp's /api/store/proxies and /api/store/visitors: list, create, get, update, delete. */
function storeRoutes(store: ClientStoreView): Route[] {
  // The path segment is also the list's key in GET's answer ({ "proxies": [...] }).
  const kinds: [string, StoreKind][] = [
    ['proxies', 'proxy'],
    ['visitors', 'visitor'],
  ];
  return kinds.flatMap(([listKey, kind]): Route[] => {
    const list = `/api/store/${listKey}`;
    const one = `${list}/:name`;
    return [
      { method: 'GET', pattern: list, handler: () => storeReply(() => ({ [listKey]: store.list(kind) })) },
      {
        method: 'POST',
        pattern: list,
        mutating: true,
        handler: async ({ body }) => {
          const text = await body();
          return storeReply(() => store.create(kind, text));
        },
      },
      { method: 'GET', pattern: one, handler: ({ params }) => storeReply(() => store.get(kind, params.name ?? '')) },
      {
        method: 'PUT',
        pattern: one,
        mutating: true,
        handler: async ({ params, body }) => {
          const text = await body();
          return storeReply(() => store.update(kind, params.name ?? '', text));
        },
      },
      {
        method: 'DELETE',
        pattern: one,
        mutating: true,
        handler: ({ params }) => storeReply(() => store.remove(kind, params.name ?? '')),
      },
    ];
  });
}
