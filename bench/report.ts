// Presents the results: a markdown table on stdout and bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Decimal places kept for figures and for ratios. */
const VALUE_DECIMALS = 1;
const RATIO_DECIMALS = 3;

/** One compared figure: burrow's value, the baseline's, and burrow / baseline. */
export interface Result {
  name: string;
  burrow: number;
  /** null for figures without a baseline (rates of burrow's own operations). */
  baseline: number | null;
  unit: string;
  ratio: number | null;
  /** The real frp 0.70.0 in the same topology; absent when frp is not beside the repository, null for figures it has no counterpart for. */
  frp?: number | null;
  /** burrow / frp (same sense as `ratio`). */
  ratio_frp?: number | null;
  /** Connections held, for conns-10k-kb (fewer than 10,000 in --quick or under a low open-files limit). */
  connections?: number;
}

/** Builds a Result, rounding for display and storage alike. */
export function result(
  name: string,
  burrow: number,
  baseline: number | null,
  unit: string,
  extra: { connections?: number; frp?: number | null } = {},
): Result {
  const round = (value: number, places: number): number => Number(value.toFixed(places));
  const { frp, ...rest } = extra;
  return {
    name,
    burrow: round(burrow, VALUE_DECIMALS),
    baseline: baseline === null ? null : round(baseline, VALUE_DECIMALS),
    unit,
    ratio: baseline === null || baseline === 0 ? null : round(burrow / baseline, RATIO_DECIMALS),
    ...(frp === undefined
      ? {}
      : {
          frp: frp === null ? null : round(frp, VALUE_DECIMALS),
          ratio_frp: frp === null || frp === 0 ? null : round(burrow / frp, RATIO_DECIMALS),
        }),
    ...rest,
  };
}

/** The results as a markdown table: name | burrow | baseline | unit | ratio, and frp | ratio when frp was measured. */
export function markdownTable(results: readonly Result[]): string {
  const withFrp = results.some((r) => r.frp !== undefined);
  const frpHead = withFrp ? ' frp | ratio (burrow/frp) |' : '';
  const frpRule = withFrp ? ' ---: | ---: |' : '';
  const frpCells = (r: Result): string => (withFrp ? ` ${r.frp ?? '—'} | ${r.ratio_frp ?? '—'} |` : '');
  const rows = [
    `| name | burrow | baseline | unit | ratio (burrow/baseline) |${frpHead}`,
    `| --- | ---: | ---: | --- | ---: |${frpRule}`,
    ...results.map(
      (r) => `| ${nameCell(r)} | ${r.burrow} | ${r.baseline ?? '—'} | ${r.unit} | ${r.ratio ?? '—'} |${frpCells(r)}`,
    ),
  ];
  return rows.join('\n');
}

/** The name, with the number of connections held when the figure has one. */
function nameCell(r: Result): string {
  return r.connections === undefined ? r.name : `${r.name} (${r.connections} conns)`;
}

/** Writes `{ machine, results }` to `file` (creating its folder) and returns the document written. */
export function writeResults(file: string, results: readonly Result[]): object {
  const cpus = os.cpus();
  const doc = {
    machine: {
      node: process.version,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      platform: `${process.platform}-${process.arch}`,
      date: new Date().toISOString(),
    },
    results,
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return doc;
}
