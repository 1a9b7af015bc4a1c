// Loads frps.toml: parse, check keys, validate, fill frp's defaults.
import { ConfigError, type Problem } from './config-error.js';
import { checkAllowPorts, checkAuthMethod, checkCaData, checkClientPolicies, checkTcpmuxPort } from './checks.js';
import { completeServer } from './defaults.js';
import { FRP_SERVER_KEYS } from './frp-keys.js';
import { issuesToProblems } from './issues.js';
import { checkKeys } from './key-check.js';
import { type ServerInput, serverSchema } from './schema.js';
import { readConfigSource } from './source.js';
import { resolveToken } from './token-source.js';
import { noEffectWarnings } from './no-effect.js';
import type { LoadOptions, Loaded, ServerConfig } from './types.js';
import { readConfigFile } from './read.js';

/**
 * Parses frps.toml text (`file` names it in messages and anchors relative paths). Returns the config
 * with every default filled and one warning per ignored frp key; throws one ConfigError listing every problem.
 */
export function parseServerConfig(text: string, file: string, opts: LoadOptions = {}): Loaded<ServerConfig> {
  const env = opts.env ?? process.env;
  const source = readConfigSource(text, file, env, 'server');
  const raw = source.table;
  const keys = checkKeys(raw, serverSchema, FRP_SERVER_KEYS, file);
  const problems: Problem[] = [...keys.problems];
  checkAuthMethod(keys.clean, file, problems);
  const parsed = serverSchema.safeParse(keys.clean);
  let token: string | undefined;
  const warnings = [...source.warnings, ...source.locateWarnings(keys.warnings)];
  if (parsed.success) {
    // The checks read the file as written (valid now), where a key left out is still absent.
    const input = keys.clean as ServerInput;
    warnings.push(...noEffectWarnings(input, file, 'server'));
    checkAllowPorts(input.allowPorts, file, problems);
    checkClientPolicies(input.auth?.clients, file, problems);
    checkCaData(input.transport?.tls?.trustedCaData, file, ['transport', 'tls', 'trustedCaData'], problems);
    checkTcpmuxPort(parsed.data, file, problems);
    token = resolveToken(input.auth, file, problems, { allowUnsafe: opts.allowUnsafe ?? [], env });
  } else {
    problems.push(...issuesToProblems(parsed.error.issues, keys.clean, file));
  }
  if (problems.length > 0 || !parsed.success) throw ConfigError.fromProblems(file, source.locate(problems));
  return { config: completeServer(parsed.data, token), warnings, file };
}

/** Reads and parses frps.toml (see parseServerConfig); `file` is used as given in every message. */
export async function loadServerConfig(file: string, opts: LoadOptions = {}): Promise<Loaded<ServerConfig>> {
  return parseServerConfig(await readConfigFile(file), file, opts);
}
