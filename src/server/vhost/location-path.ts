// The path a request's locations are matched on: decoded, `;params` and dot segments resolved, slashes collapsed.
//
// frp matches locations by prefix on Go's req.URL.Path (percent-decoded once, nothing else), so
// `//admin`, `/;/admin`, `/./admin` and `/a/../admin` pass a public `/` route in front of a
// protected `/admin`, while many local services (Tomcat, Spring, nginx, Express's static files)
// read them as `/admin`. Matching on the path as the most lenient backend would read it closes
// that gap; the request still goes to the local service with the request-target it was sent with.
import { BurrowError, ErrorCode } from '../../errors.js';

/**
 * Rounds of percent-decoding applied (`%252f` → `%2f` → `/`): a backend that decodes twice must
 * not see a path the router read differently. Bounded, so a deeply nested encoding costs little.
 */
export const MAX_PATH_DECODE_ROUNDS = 3;

/** What a path needs normalising for: an escape, a backslash, `;params`, an empty or a dot segment. */
const UNCLEAN = /[%\\;]|\/\/|\/\.(?:\/|\.|$)/;

/** `%` followed by two hex digits. */
const PERCENT_ESCAPE = /%[0-9a-fA-F]{2}/;

/** One round of percent-decoding, bytes then UTF-8 (invalid UTF-8 becomes U+FFFD). A bad escape throws when `strict`, else stays. */
function decodeOnce(raw: string, strict: boolean): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 0x25) {
      // Non-ASCII text (only after a decode round) goes back to its UTF-8 bytes.
      if (c > 0x7f) bytes.push(...Buffer.from(raw[i]!, 'utf8'));
      else bytes.push(c);
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
      if (strict)
        throw new BurrowError(
          ErrorCode.PROTOCOL,
          `request path: invalid percent-encoding ${JSON.stringify(raw.slice(i, i + 3))}`,
        );
      bytes.push(c);
      continue;
    }
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The path part of a request-target: origin-form `/a?b`, absolute-form `http://h/a?b`, or `*`. */
function rawPathOf(target: string): string {
  if (target.startsWith('/')) return target;
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*(.*)$/.exec(target);
  if (absolute) return absolute[1]!;
  return target; // "*" (OPTIONS) or an authority: matched as is, so only a location "" takes them
}

/**
 * The path locations are matched on, for a request-target as sent. Query dropped; percent-decoded
 * up to MAX_PATH_DECODE_ROUNDS times; `\` read as `/`; every segment's `;params` dropped (Tomcat's
 * path parameters); empty segments collapsed; `.` and `..` resolved (never above the root). Case
 * is kept: frp and RFC 3986 compare paths case-sensitively. `*` and authority-form stay as they
 * are. Throws BurrowError PROTOCOL on invalid percent-encoding (Go's url parser refuses it too).
 */
export function locationPath(target: string): string {
  const raw = rawPathOf(target);
  if (!raw.startsWith('/')) return raw;
  const query = raw.indexOf('?');
  let path = query < 0 ? raw : raw.slice(0, query);
  // Most paths hold nothing to normalise.
  if (!UNCLEAN.test(path)) return path;
  if (path.includes('%')) path = decodeOnce(path, true);
  // Later rounds only undo what a first round revealed (`%25xx`); a lone `%` left then is data.
  for (let round = 1; round < MAX_PATH_DECODE_ROUNDS && PERCENT_ESCAPE.test(path); round++)
    path = decodeOnce(path, false);
  const out: string[] = [];
  for (const piece of path.replace(/\\/g, '/').split('/')) {
    const semi = piece.indexOf(';');
    const segment = semi < 0 ? piece : piece.slice(0, semi);
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const trailing = out.length > 0 && /[/\\](\.{0,2}|;[^/\\]*)$/.test(path) ? '/' : '';
  return `/${out.join('/')}${trailing}`;
}
