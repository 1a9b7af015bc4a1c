// Names the INI section and key behind a v1 key in problems and warnings about a converted legacy file.
import type { Problem } from '../config-error.js';

/** The origin of `path` or of its nearest enclosing key (`proxies[0]` for `proxies[0].customDomains`). */
function originOf(path: string, origins: ReadonlyMap<string, string>): string | undefined {
  let p = path;
  for (;;) {
    const found = origins.get(p);
    if (found !== undefined) return found;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return undefined;
    p = p.slice(0, cut);
  }
}

/** `[ssh] local_port (v1 proxies[0].localPort)`, or the path unchanged when nothing in the INI file wrote it. */
export function locatePath(path: string, origins: ReadonlyMap<string, string>): string {
  if (path === '') return path;
  const origin = originOf(path, origins);
  return origin === undefined ? path : `${origin} (v1 ${path})`;
}

/** The problems with their v1 key paths traced back to the INI file. */
export function locateProblems(problems: readonly Problem[], origins: ReadonlyMap<string, string>): Problem[] {
  return problems.map((p) => (p.text === undefined ? { ...p, path: locatePath(p.path, origins) } : p));
}

/** Warnings of the form `file: path: message` with the path traced back to the INI file. */
export function locateWarnings(
  warnings: readonly string[],
  file: string,
  origins: ReadonlyMap<string, string>,
): string[] {
  const head = `${file}: `;
  return warnings.map((w) => {
    if (!w.startsWith(head)) return w;
    const rest = w.slice(head.length);
    const end = rest.indexOf(': ');
    if (end <= 0) return w;
    const path = rest.slice(0, end);
    const located = locatePath(path, origins);
    return located === path ? w : `${head}${located}${rest.slice(end)}`;
  });
}
