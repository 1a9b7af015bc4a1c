// Where a running client's config comes from and goes to: its file (read, validated, written as frpc does), or the TOML it was started with.
import { readFile, writeFile } from 'node:fs/promises';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { parseClientConfig, type ClientConfig, type Loaded } from '../config/index.js';

/** Mode of a config file PUT /api/config creates (frpc writes 0600: it holds the token). */
export const CONFIG_FILE_MODE = 0o600;

/** Name of an in-memory config in messages. */
export const IN_MEMORY_NAME = '<config text>';

/**
 * The client's config source. With a file, reads and writes go to it; without one, the TOML text
 * the client was started with is kept in memory, replaced by PUT /api/config and re-read by reload.
 */
export class ConfigSource {
  constructor(
    private readonly file: string | undefined,
    private text: string,
    private readonly env: NodeJS.ProcessEnv,
    /** frp's `--allow-unsafe` features (TokenSourceExec runs auth.tokenSource's command on each read). */
    private readonly allowUnsafe: readonly string[] = [],
  ) {}

  /** The file name, or a description of the in-memory text. */
  get name(): string {
    return this.file ?? IN_MEMORY_NAME;
  }

  /** The config as it stands: the file's text now (it may have been edited by hand), or the kept text. */
  async read(): Promise<string> {
    if (this.file === undefined) return this.text;
    try {
      return await readFile(this.file, 'utf8');
    } catch (err) {
      throw new BurrowError(ErrorCode.CONFIG, `${this.file}: cannot read config file: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  /** Reads and validates the config (includes resolve beside the file); throws ConfigError when invalid. */
  async load(): Promise<Loaded<ClientConfig>> {
    return this.parse(await this.read());
  }

  /** Validates `text`, then replaces the config with it. An invalid text throws ConfigError and nothing is written. */
  async write(text: string): Promise<void> {
    this.parse(text);
    if (this.file === undefined) {
      this.text = text;
      return;
    }
    try {
      // As frpc: the file is overwritten in place; a new one is created readable by its owner only.
      await writeFile(this.file, text, { mode: CONFIG_FILE_MODE });
    } catch (err) {
      throw new BurrowError(ErrorCode.INTERNAL, `${this.file}: cannot write config file: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  private parse(text: string): Loaded<ClientConfig> {
    return parseClientConfig(text, this.name, { env: this.env, allowUnsafe: this.allowUnsafe });
  }
}
