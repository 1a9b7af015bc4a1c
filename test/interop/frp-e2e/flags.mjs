// frp command-line flags (cobra style: -p 7000, --bind-port=7000, --tls-only) parsed and rendered as TOML lines for burrow.

/** Splits argv into { flags: Map(name → value|true), positional: [] }; `booleans` lists flags that take no value. */
export function parseFlags(argv, booleans) {
  const flags = new Map();
  const positional = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    if (eq > 0) flags.set(name, arg.slice(eq + 1));
    else if (booleans.has(name)) flags.set(name, 'true');
    else flags.set(name, argv[++i] ?? '');
  }
  return { flags, positional };
}

/** A TOML value: numbers and booleans bare, everything else a JSON string (valid TOML basic string). */
export function tomlValue(kind, raw) {
  if (kind === 'int') return String(Number.parseInt(raw, 10));
  if (kind === 'bool') return raw === 'false' ? 'false' : 'true';
  return JSON.stringify(raw);
}

/** TOML lines for each flag present in `table` ({ flagName: [tomlKey, kind] }); unknown flags are returned too. */
export function flagsToToml(flags, table) {
  const lines = [];
  const unknown = [];
  for (const [name, raw] of flags) {
    const entry = table[name];
    if (!entry) unknown.push(name);
    else if (entry[0] !== null) lines.push(`${entry[0]} = ${tomlValue(entry[1], raw)}`);
  }
  return { lines, unknown };
}
