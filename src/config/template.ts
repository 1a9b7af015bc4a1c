// The subset of Go text/template that frp runs config files through: {{ .Envs.NAME }}, trim markers, comments.
import { ConfigError } from './config-error.js';

/** What Go's text/template prints for a missing map key. */
export const NO_VALUE = '<no value>';

/** Go's trim markers are "{{- " and " -}}": the dash must touch the braces and be followed/preceded by a space. */
const TRIM_LEFT = /^-[ \t\r\n]/;
const TRIM_RIGHT = /[ \t\r\n]-$/;
/** The one action burrow understands. */
const ENV_ACTION = /^\.Envs\.([A-Za-z_][A-Za-z0-9_]*)$/;
/** How much of a bad action to quote in a message. */
const MAX_QUOTED_ACTION = 60;

/** 1-based line number of offset `pos` in `text`. */
function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Renders `text` as frp does with Go text/template: `{{ .Envs.NAME }}` becomes the variable's value, or
 * `<no value>` when it is unset; `{{-` / `-}}` trim the whitespace before / after; `{{/* ... *\/}}` is a
 * comment. Any other action is refused with a ConfigError naming `file` and the line.
 */
export function renderTemplate(text: string, env: NodeJS.ProcessEnv, file = '<config>'): string {
  let out = '';
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    if (open < 0) break;
    out += text.slice(pos, open);
    const close = text.indexOf('}}', open + 2);
    if (close < 0) {
      throw new ConfigError(file, [
        `${file}: line ${lineAt(text, open)}: unclosed template action "{{" (no matching "}}")`,
      ]);
    }
    let inner = text.slice(open + 2, close);
    let end = close + 2;
    if (TRIM_LEFT.test(inner)) {
      out = out.replace(/[ \t\r\n]+$/, '');
      inner = inner.slice(1);
    }
    if (TRIM_RIGHT.test(inner)) {
      inner = inner.slice(0, -1);
      while (end < text.length && ' \t\r\n'.includes(text[end]!)) end++;
    }
    const action = inner.trim();
    const env_ = ENV_ACTION.exec(action);
    if (env_) {
      out += env[env_[1]!] ?? NO_VALUE;
    } else if (!(action.startsWith('/*') && action.endsWith('*/') && action.length >= 4)) {
      const quoted = action.length > MAX_QUOTED_ACTION ? `${action.slice(0, MAX_QUOTED_ACTION)}...` : action;
      throw new ConfigError(file, [
        `${file}: line ${lineAt(text, open)}: unsupported template action "{{ ${quoted} }}" (burrow supports only {{ .Envs.NAME }})`,
      ]);
    }
    pos = end;
  }
  return out + text.slice(pos);
}
