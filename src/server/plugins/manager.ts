// The plugin chains of a server (frp's plugin.Manager): each op goes through its plugins in config order.
import { randomBytes } from 'node:crypto';
import { BurrowError, ErrorCode, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Login, NewProxy, NewWorkConn, Ping } from '../../wire/index.js';
import {
  closeProxyJson,
  loginJson,
  newProxyJson,
  newUserConnJson,
  newWorkConnJson,
  pingJson,
  replacedMessage,
  type CloseProxyContent,
  type LoginContent,
  type NewProxyContent,
  type NewUserConnContent,
  type NewWorkConnContent,
  type PingContent,
} from './contents.js';
import { HttpPlugin, pluginTimeoutMs, type HttpPluginConfig } from './http-plugin.js';
import type { PluginOp } from './protocol.js';

/** Bytes of randomness in a request id (frp's util.RandID: 16 hex characters). */
const REQ_ID_BYTES = 8;

/** Options of a PluginManager. */
export interface PluginManagerOptions {
  logger: Logger;
  /** Deadline of one plugin request; default pluginTimeoutMs() (PLUGIN_REQUEST_TIMEOUT_MS unless the test variable is set). */
  timeoutMs?: number;
}

/** How an op's content is written and, when a plugin changes it, read back. */
interface OpCodec<T> {
  toJson(content: T): string;
  /** The content with a plugin's replacement applied; undefined = the op ignores replacements. */
  replace?(content: T, replacement: unknown): T;
}

/**
 * Runs [[httpPlugins]] as frps does. For each op, the plugins that list it are asked one after the
 * other with the content of the one before (a plugin answering `unchange: false` replaces it); the
 * first rejection stops the chain with its reason (BurrowError PLUGIN_REJECTED); a plugin that cannot
 * be asked stops it with frp's "send OP request to plugin error" (PLUGIN_FAILED) and a log line
 * naming the plugin. CloseProxy is a notification: every plugin is told and failures are only logged.
 */
export class PluginManager {
  private readonly plugins: HttpPlugin[];
  private readonly logger: Logger;

  /** Throws BurrowError CONFIG when an entry's addr + path is no URL. */
  constructor(configs: readonly HttpPluginConfig[], options: PluginManagerOptions) {
    this.logger = options.logger;
    const timeoutMs = options.timeoutMs ?? pluginTimeoutMs();
    this.plugins = configs.map((c) => new HttpPlugin(c, timeoutMs));
    for (const p of this.plugins) {
      this.logger.info({ plugin: p.name, url: p.url, ops: [...p.ops] }, `plugin [${p.name}] has been registered`);
      if (p.isHttps && !p.verifiesTls) {
        this.logger.warn(
          { plugin: p.name, url: p.url },
          `plugin [${p.name}] is reached over https without verifying its certificate; set tlsVerify = true to verify it`,
        );
      }
    }
  }

  /** True when at least one plugin handles `op` (callers skip building content otherwise). */
  has(op: PluginOp): boolean {
    return this.plugins.some((p) => p.handles(op));
  }

  login(content: LoginContent): Promise<LoginContent> {
    return this.chain('Login', content, {
      toJson: loginJson,
      // frp keeps only the Login part of a replaced LoginContent.
      replace: (c, r) => ({ ...c, login: replacedMessage('Login', r) satisfies Login }),
    });
  }

  newProxy(content: NewProxyContent): Promise<NewProxyContent> {
    return this.chain('NewProxy', content, {
      toJson: newProxyJson,
      replace: (c, r) => ({ ...c, proxy: replacedMessage('NewProxy', r) satisfies NewProxy }),
    });
  }

  ping(content: PingContent): Promise<PingContent> {
    return this.chain('Ping', content, {
      toJson: pingJson,
      replace: (c, r) => ({ ...c, ping: replacedMessage('Ping', r) satisfies Ping }),
    });
  }

  newWorkConn(content: NewWorkConnContent): Promise<NewWorkConnContent> {
    return this.chain('NewWorkConn', content, {
      toJson: newWorkConnJson,
      replace: (c, r) => ({ ...c, workConn: replacedMessage('NewWorkConn', r) satisfies NewWorkConn }),
    });
  }

  /** Resolves when every plugin admits the user connection (frp ignores a changed content here). */
  async newUserConn(content: NewUserConnContent): Promise<void> {
    await this.chain('NewUserConn', content, { toJson: newUserConnJson }, 'info');
  }

  /** Tells every CloseProxy plugin; never rejects (failures are logged, as frp's are). */
  async closeProxy(content: CloseProxyContent): Promise<void> {
    const plugins = this.plugins.filter((p) => p.handles('CloseProxy'));
    if (plugins.length === 0) return;
    const reqId = newReqId();
    const json = closeProxyJson(content);
    await Promise.all(
      plugins.map(async (p) => {
        try {
          await p.call('CloseProxy', json, { reqId });
        } catch (err) {
          this.logFailure(p, 'CloseProxy', err, 'warn', reqId);
        }
      }),
    );
  }

  /** Closes the plugins' kept-alive connections. */
  close(): void {
    for (const p of this.plugins) p.close();
  }

  private async chain<T>(op: PluginOp, content: T, codec: OpCodec<T>, level: 'warn' | 'info' = 'warn'): Promise<T> {
    const plugins = this.plugins.filter((p) => p.handles(op));
    if (plugins.length === 0) return content;
    const reqId = newReqId();
    let current = content;
    for (const p of plugins) {
      let replaced: T | undefined;
      try {
        const res = await p.call(op, codec.toJson(current), { reqId });
        if (res.reject) throw new BurrowError(ErrorCode.PLUGIN_REJECTED, res.rejectReason);
        if (!res.unchange && codec.replace) replaced = codec.replace(current, res.content);
      } catch (err) {
        if (err instanceof BurrowError && err.code === ErrorCode.PLUGIN_REJECTED) {
          this.logger.info({ plugin: p.name, op, reqId, reason: err.message }, `plugin [${p.name}] rejected ${op}`);
          throw err;
        }
        this.logFailure(p, op, err, level, reqId);
        throw new BurrowError(ErrorCode.PLUGIN_FAILED, `send ${op} request to plugin error`, { cause: err });
      }
      if (replaced !== undefined) current = replaced;
    }
    return current;
  }

  private logFailure(p: HttpPlugin, op: PluginOp, err: unknown, level: 'warn' | 'info', reqId: string): void {
    this.logger[level](
      { plugin: p.name, op, reqId, url: p.url, err: errorMessage(err) },
      `send ${op} request to plugin [${p.name}] error`,
    );
  }
}

function newReqId(): string {
  return randomBytes(REQ_ID_BYTES).toString('hex');
}
