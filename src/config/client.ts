// Loads frpc.toml: parse, check keys, validate, merge included proxies/visitors, fill frp's defaults.
import { readFileSync } from 'node:fs';
import { ConfigError, type Problem, describeValue, problemsOf } from './config-error.js';
import {
  type Entry,
  UNSUPPORTED_PLUGIN_TYPE,
  checkAuthMethod,
  checkCaData,
  checkPlugin,
  checkProxy,
  checkUniqueNames,
  checkVisitor,
} from './checks.js';
import { parseFingerprint } from '../pki/fingerprint.js';
import { parseProxyUrl } from '../net/proxy-dial.js';
import { errorMessage } from '../errors.js';
import { completeClient } from './defaults.js';
import { FRP_CLIENT_KEYS } from './frp-keys.js';
import { expandIncludes } from './includes.js';
import { issuesToProblems } from './issues.js';
import { checkKeys } from './key-check.js';
import { describeReadError, readConfigFile } from './read.js';
import {
  type ClientTopInput,
  type ProxyInput,
  type VisitorInput,
  clientSchema,
  clientTopSchema,
  proxySchema,
  visitorSchema,
} from './schema.js';
import { type Table, isTable, parseConfigText, readConfigSource } from './source.js';
import { resolveToken } from './token-source.js';
import { noEffectWarnings } from './no-effect.js';
import type { ClientConfig, LoadOptions, Loaded, ProxyConfig, VisitorConfig } from './types.js';

/** A valid entry: as written (for the checks) and with its defaults filled. */
type Valid<I, C> = Entry<I> & { readonly config: C };

/** Proxies and visitors found so far: those that passed validation, and every table entry (for name checks). */
interface Lists {
  proxies: Valid<ProxyInput, ProxyConfig>[];
  visitors: Valid<VisitorInput, VisitorConfig>[];
  allProxies: Omit<Entry<unknown>, 'input'>[];
  allVisitors: Omit<Entry<unknown>, 'input'>[];
}

/** Validates each [[proxies]] / [[visitors]] entry on its own, so one bad entry does not hide the others' problems. */
function collectLists(clean: Table, raw: Table, file: string, problems: Problem[], into: Lists): void {
  const lists = [
    ['proxies', proxySchema, into.proxies, into.allProxies],
    ['visitors', visitorSchema, into.visitors, into.allVisitors],
  ] as const;
  for (const [key, schema, out, all] of lists) {
    const list = clean[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push({
        file,
        path: key,
        message: `expected an array of tables ([[${key}]]), got ${describeValue(list)}`,
      });
      continue;
    }
    const rawList = raw[key] as unknown[];
    list.forEach((item: unknown, i) => {
      if (!isTable(item)) {
        problems.push({ file, path: `${key}[${i}]`, message: `expected a table, got ${describeValue(item)}` });
        return;
      }
      all.push({ raw: rawList[i] as Table, file, path: [key, i] });
      const r = schema.safeParse(item);
      if (!r.success) problems.push(...issuesToProblems(r.error.issues, item, file, [key, i]));
      else
        (out as Valid<unknown, unknown>[]).push({
          input: item,
          config: r.data,
          raw: rawList[i] as Table,
          file,
          path: [key, i],
        });
    });
  }
}

/** Reads the proxies and visitors of one included file; other keys there are ignored with a warning. */
function readIncluded(
  file: string,
  env: NodeJS.ProcessEnv,
  problems: Problem[],
  warnings: string[],
  into: Lists,
): void {
  let raw: Table;
  try {
    raw = parseConfigText(readFileSync(file, 'utf8'), file, env);
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...problemsOf(err));
    else problems.push({ file, path: '', message: '', text: describeReadError(file, err) });
    return;
  }
  const keys = checkKeys(raw, clientSchema, FRP_CLIENT_KEYS, file);
  problems.push(...keys.problems);
  warnings.push(...keys.warnings);
  for (const key of Object.keys(keys.clean)) {
    if (key !== 'proxies' && key !== 'visitors') {
      warnings.push(`${file}: ${key}: only proxies and visitors are read from an included file; ignored`);
    }
  }
  collectLists(keys.clean, raw, file, problems, into);
}

/** frp's `start` list and each entry's `enabled = false` switch entries off. */
function isEnabled(e: Entry<{ name?: string | undefined }>, start: readonly string[]): boolean {
  if (e.raw.enabled === false) return false;
  return start.length === 0 || start.includes(e.input.name ?? '');
}

/**
 * Parses frpc.toml text (`file` names it in messages and anchors relative paths: includes, tokenSource).
 * Included files add their proxies and visitors. Returns the config with every default filled and one
 * warning per ignored frp key; throws one ConfigError listing every problem.
 */
export function parseClientConfig(text: string, file: string, opts: LoadOptions = {}): Loaded<ClientConfig> {
  const env = opts.env ?? process.env;
  const source = readConfigSource(text, file, env, 'client');
  const raw = source.table;
  const keys = checkKeys(raw, clientSchema, FRP_CLIENT_KEYS, file);
  const problems: Problem[] = [...keys.problems];
  const warnings = [...source.warnings, ...keys.warnings];
  checkAuthMethod(keys.clean, file, problems);

  const { proxies: _proxies, visitors: _visitors, ...topLevel } = keys.clean;
  const top = clientTopSchema.safeParse(topLevel);
  const lists: Lists = { proxies: [], visitors: [], allProxies: [], allVisitors: [] };
  if (!top.success) problems.push(...issuesToProblems(top.error.issues, topLevel, file));
  collectLists(keys.clean, raw, file, problems, lists);
  let token: string | undefined;
  // The checks read the file as written (valid once top.success), where a key left out is still absent.
  const input = topLevel as ClientTopInput;
  if (top.success) {
    token = resolveToken(input.auth, file, problems, { allowUnsafe: opts.allowUnsafe ?? [], env });
    warnings.push(...noEffectWarnings(input, file, 'client'));
    const t = input.transport;
    if (
      t?.heartbeatInterval !== undefined &&
      t.heartbeatTimeout !== undefined &&
      t.heartbeatInterval > 0 &&
      t.heartbeatTimeout > 0 &&
      t.heartbeatTimeout < t.heartbeatInterval
    ) {
      problems.push({
        file,
        path: 'transport.heartbeatTimeout',
        message: `must not be less than transport.heartbeatInterval (${t.heartbeatInterval}), got ${t.heartbeatTimeout}`,
      });
    }
    const tls = t?.tls;
    checkCaData(tls?.trustedCaData, file, ['transport', 'tls', 'trustedCaData'], problems);
    if (tls?.serverFingerprint) {
      try {
        parseFingerprint(tls.serverFingerprint);
      } catch {
        problems.push({
          file,
          path: 'transport.tls.serverFingerprint',
          message: `expected "sha256:" and 64 hex digits, got ${JSON.stringify(tls.serverFingerprint)}`,
        });
      }
      if (tls.verify === 'none') {
        problems.push({
          file,
          path: 'transport.tls.verify',
          message: '"none" contradicts transport.tls.serverFingerprint: remove one',
        });
      }
    }
    // frp's kcp and quic transports need UDP listeners burrow does not have: one warning, then tcp.
    if (t?.protocol === 'kcp' || t?.protocol === 'quic') {
      warnings.push(
        `${file}: transport.protocol: "${t.protocol}" is an frp transport burrow does not support yet; connecting over "tcp" instead`,
      );
    }
    // The file's proxy URL is checked here; one from $http_proxy is checked when the client dials.
    if ((t?.proxyURL ?? '') !== '') {
      try {
        parseProxyUrl(t?.proxyURL ?? '');
      } catch (err) {
        problems.push({ file, path: 'transport.proxyURL', message: errorMessage(err) });
      }
    }
    // wss is TLS whatever transport.tls.enable says (frp's rule), so the TLS files still apply.
    if (t?.tls?.enable === false && t.protocol !== 'wss') {
      for (const k of ['certFile', 'keyFile', 'trustedCaFile', 'trustedCaData', 'serverFingerprint'] as const) {
        if ((t.tls[k] ?? '') !== '')
          warnings.push(`${file}: transport.tls.${k}: has no effect while transport.tls.enable is false`);
      }
    }
    for (const included of expandIncludes(input.includes ?? [], file, problems, warnings)) {
      readIncluded(included, env, problems, warnings, lists);
    }
  }

  for (const e of lists.proxies) checkProxy(e, problems);
  for (const e of lists.proxies) checkPlugin(e, problems, warnings);
  for (const e of lists.visitors) checkVisitor(e, problems);
  checkUniqueNames(lists.allProxies, 'proxy', problems);
  checkUniqueNames(lists.allVisitors, 'visitor', problems);
  if (problems.length > 0 || !top.success) throw ConfigError.fromProblems(file, source.locate(problems));

  const start = input.start ?? [];
  const proxies = lists.proxies
    .filter((e) => isEnabled(e, start) && e.config.plugin?.type !== UNSUPPORTED_PLUGIN_TYPE)
    .map((e) => e.config);
  const visitors = lists.visitors.filter((e) => isEnabled(e, start)).map((e) => e.config);
  const located = source.locateWarnings(warnings);
  return { config: completeClient(top.data, env, token, proxies, visitors), warnings: located, file };
}

/** Reads and parses frpc.toml (see parseClientConfig); `file` is used as given in every message. */
export async function loadClientConfig(file: string, opts: LoadOptions = {}): Promise<Loaded<ClientConfig>> {
  return parseClientConfig(await readConfigFile(file), file, opts);
}
