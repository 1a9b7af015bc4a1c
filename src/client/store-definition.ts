// frp's ProxyDefinition / VisitorDefinition of the /api/store routes: `{ name, type, <type>: { …entry } }`, read and written.
import { BurrowError, ErrorCode } from '../errors.js';
import { PROXY_TYPES, VISITOR_TYPES } from '../config/schema.js';
import type { ProxyType, VisitorType } from '../config/index.js';
import type { StoreKind } from '../observe/index.js';
import { restoreSecrets } from './store-secrets.js';
import { encodeProxy, encodeVisitor, fieldOf, isJsonObject, type JsonObject } from './store-format.js';

/** One stored entry in frp's JSON shape (its `name` and `type` fields included). */
export interface StoredEntry {
  readonly name: string;
  readonly type: string;
  readonly entry: JsonObject;
}

const TYPES: Record<StoreKind, readonly string[]> = { proxy: PROXY_TYPES, visitor: VISITOR_TYPES };

/** The entry of `kind` in frp's shape; throws BurrowError CONFIG on a value of the wrong JSON type. */
export function encodeEntry(kind: StoreKind, type: string, name: string, input: JsonObject, path?: string): JsonObject {
  return kind === 'proxy'
    ? encodeProxy(type as ProxyType, name, input, path)
    : encodeVisitor(type as VisitorType, name, input, path);
}

/** frp's `{ name, type, <type>: entry }` for an entry. */
export function toDefinition(e: StoredEntry): JsonObject {
  return { name: e.name, type: e.type, [e.type]: e.entry };
}

function invalid(message: string): BurrowError {
  return new BurrowError(ErrorCode.CONFIG, message);
}

/**
 * Reads a POST or PUT body as frp's controller does, with its checks and messages in its order:
 * JSON, then the name, the type, the URL's name (PUT), exactly one type block matching the type.
 * `pathName` is the URL's name on a PUT, undefined on a POST; `previous` is the entry a PUT replaces,
 * whose secrets the body may leave out as GET did (see restoreSecrets). Throws BurrowError CONFIG (HTTP 400).
 */
export function parseDefinition(kind: StoreKind, body: string, pathName?: string, previous?: JsonObject): StoredEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw invalid(`parse JSON error: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isJsonObject(parsed)) throw invalid('parse JSON error: expected a JSON object');
  const name = fieldOf(parsed, 'name') ?? '';
  const type = fieldOf(parsed, 'type') ?? '';
  if (typeof name !== 'string' || typeof type !== 'string')
    throw invalid('parse JSON error: name and type must be strings');
  const types = TYPES[kind];
  // Go decodes every block before the checks run: a block of the wrong JSON type is refused first.
  const blocks: { type: string; input: JsonObject }[] = [];
  for (const t of types) {
    const block = fieldOf(parsed, t);
    if (block === undefined || block === null) continue;
    if (!isJsonObject(block)) throw invalid(`parse JSON error: ${t} must be a JSON object`);
    encodeEntry(kind, t, name, block);
    blocks.push({ type: t, input: block });
  }
  if (name.trim() === '') throw invalid(`${kind} name is required`);
  if (!types.includes(type)) throw invalid(`invalid ${kind} type: ${type}`);
  if (pathName !== undefined && pathName !== '' && pathName !== name)
    throw invalid(`${kind} name in URL must match name in body`);
  const [block] = blocks;
  if (block === undefined || blocks.length !== 1) throw invalid(`exactly one ${kind} type block is required`);
  if (block.type !== type) throw invalid(`${kind} type block "${block.type}" does not match type "${type}"`);
  const input = previous !== undefined ? restoreSecrets(block.input, previous) : block.input;
  return { name, type, entry: encodeEntry(kind, type, name, input) };
}

/** An entry of the store file (frp's flat form, `type` inside); `where` names it in messages. */
export function parseFileEntry(kind: StoreKind, raw: unknown, where: string): StoredEntry {
  if (!isJsonObject(raw)) throw invalid(`${where}: expected a JSON object`);
  const name = fieldOf(raw, 'name');
  const type = fieldOf(raw, 'type');
  if (typeof type !== 'string' || !TYPES[kind].includes(type))
    throw invalid(`${where}: invalid ${kind} type: ${String(type)}`);
  if (typeof name !== 'string' || name === '') throw invalid(`${where}: ${kind} name cannot be empty`);
  return { name, type, entry: encodeEntry(kind, type, name, raw, where) };
}
