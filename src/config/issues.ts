// Turns zod's validation issues into our one-line problems: `path: expected ..., got <value>`.
import type { z } from 'zod';
import { type Problem, describeValue, formatPath } from './config-error.js';
import { isTable } from './source.js';

/** Whether `root` has a value at `path`, and that value. */
function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let cur: unknown = root;
  for (const key of path) {
    if (Array.isArray(cur) && typeof key === 'number' && key < cur.length) cur = cur[key];
    else if (isTable(cur) && typeof key === 'string' && Object.hasOwn(cur, key)) cur = cur[key];
    else return { found: false, value: undefined };
  }
  return { found: true, value: cur };
}

/** One problem per zod issue; `root` is the data zod was given, to quote the offending value. */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  file: string,
  prefix: readonly (string | number)[] = [],
): Problem[] {
  return issues.map((issue) => {
    const path = formatPath([...prefix, ...(issue.path as (string | number)[])]);
    if (issue.code === 'unrecognized_keys') {
      return { file, path, message: `unknown keys ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` };
    }
    const { found, value } = valueAt(root, issue.path);
    const message = found ? `${issue.message}, got ${describeValue(value)}` : `required (${issue.message})`;
    return { file, path, message };
  });
}
