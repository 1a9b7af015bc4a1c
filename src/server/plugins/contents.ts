// The content of each plugin op (frp's pkg/plugin/server/types.go): built as Go's json.Marshal writes it, and read back when a plugin changes it.
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import { encodeBody, decodeBody } from '../../wire/body.js';
import { goJsonString, goJsonStringMap } from '../../wire/go-json.js';
import type { Login, Message, MessageBodies, MessageName, NewProxy, NewWorkConn, Ping } from '../../wire/index.js';

/** frp's UserInfo: the session a request belongs to (sent as `user` in every op but Login). */
export interface PluginUser {
  user: string;
  /** The Login's metas; undefined is Go's nil map, written as `null`. */
  metas: Record<string, string> | undefined;
  runId: string;
}

/** LoginContent: the Login's own fields, then `client_address` (omitted when empty). */
export interface LoginContent {
  login: Login;
  clientAddress: string;
}

/** NewProxyContent: `user`, then the NewProxy's fields. */
export interface NewProxyContent {
  user: PluginUser;
  proxy: NewProxy;
}

/** CloseProxyContent: `user`, then `proxy_name`. */
export interface CloseProxyContent {
  user: PluginUser;
  proxyName: string;
}

/** PingContent: `user`, then the Ping's fields. */
export interface PingContent {
  user: PluginUser;
  ping: Ping;
}

/** NewWorkConnContent: `user`, then the NewWorkConn's fields. */
export interface NewWorkConnContent {
  user: PluginUser;
  workConn: NewWorkConn;
}

/** NewUserConnContent: `user`, `proxy_name`, `proxy_type`, `remote_addr` (no omitempty: always written). */
export interface NewUserConnContent {
  user: PluginUser;
  proxyName: string;
  proxyType: string;
  /** The user's address as Go's RemoteAddr().String(): "1.2.3.4:5" or "[::1]:5". */
  remoteAddr: string;
}

/** frp's UserInfo as JSON: its three fields always written, a nil metas map as null. */
export function userJson(u: PluginUser): string {
  const metas = u.metas === undefined ? 'null' : goJsonStringMap(u.metas, 'user.metas');
  return `{"user":${goJsonString(u.user)},"metas":${metas},"run_id":${goJsonString(u.runId)}}`;
}

/** A message's JSON object with `before` fields in front and `after` fields behind (Go's embedded-struct order). */
function around(before: string, name: MessageName, body: object, after = ''): string {
  const inner = encodeBody({ type: name, body } as Message).slice(1, -1);
  return `{${[before, inner, after].filter((part) => part !== '').join(',')}}`;
}

export function loginJson(c: LoginContent): string {
  const address = c.clientAddress === '' ? '' : `"client_address":${goJsonString(c.clientAddress)}`;
  return around('', 'Login', c.login, address);
}

export function newProxyJson(c: NewProxyContent): string {
  return around(`"user":${userJson(c.user)}`, 'NewProxy', c.proxy);
}

export function closeProxyJson(c: CloseProxyContent): string {
  return around(`"user":${userJson(c.user)}`, 'CloseProxy', { proxy_name: c.proxyName });
}

export function pingJson(c: PingContent): string {
  return around(`"user":${userJson(c.user)}`, 'Ping', c.ping);
}

export function newWorkConnJson(c: NewWorkConnContent): string {
  return around(`"user":${userJson(c.user)}`, 'NewWorkConn', c.workConn);
}

export function newUserConnJson(c: NewUserConnContent): string {
  return (
    `{"user":${userJson(c.user)},"proxy_name":${goJsonString(c.proxyName)},` +
    `"proxy_type":${goJsonString(c.proxyType)},"remote_addr":${goJsonString(c.remoteAddr)}}`
  );
}

/**
 * The message inside a plugin's replacement content, read as Go unmarshals it into a fresh struct:
 * known fields type-checked, absent ones left at their zero value (absent), unknown ones dropped.
 * A non-object (null included: frp would crash on it) or a mistyped field is a PLUGIN_FAILED error.
 */
export function replacedMessage<N extends MessageName>(name: N, content: unknown): MessageBodies[N] {
  if (content === undefined) return {} as MessageBodies[N];
  try {
    return decodeBody(name, content).body as MessageBodies[N];
  } catch (err) {
    throw new BurrowError(ErrorCode.PLUGIN_FAILED, `changed content is not a ${name}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
