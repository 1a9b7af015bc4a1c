// The visitors of a running client by name: started (listening) and closed one at a time, so a reload can replace some and keep the rest.
import type { VisitorConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { StcpVisitor, type VisitorSession } from './visitor.js';

/** One configured visitor; `runner` is absent for types burrow does not run yet. */
interface Entry {
  config: VisitorConfig;
  runner?: StcpVisitor;
}

export class VisitorSet {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ownUser: string,
    /** The current session, or undefined while the client is reconnecting. */
    private readonly session: () => VisitorSession | undefined,
    private readonly logger: Logger,
  ) {}

  /** Every configured visitor's config (running or not), in insertion order. */
  configs(): VisitorConfig[] {
    return [...this.entries.values()].map((e) => e.config);
  }

  /**
   * Adds a visitor and starts listening. Types other than stcp are kept (so a reload sees them) but
   * not run, with a warning. Rejects (BurrowError NETWORK) when the listener cannot bind; the visitor
   * is then still recorded, so a later reload that fixes it counts as a change.
   */
  async add(config: VisitorConfig): Promise<void> {
    if (config.type !== 'stcp') {
      this.entries.set(config.name, { config });
      this.logger.warn(
        { visitor: config.name, type: config.type },
        'visitor type not supported by burrow yet; ignored',
      );
      return;
    }
    const runner = new StcpVisitor(config, this.ownUser, this.session, this.logger);
    this.entries.set(config.name, { config, runner });
    await runner.start();
  }

  /** Stops a visitor's listener and its live connections. */
  remove(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    this.entries.delete(name);
    entry.runner?.close();
    this.logger.info({ visitor: name }, 'visitor closed');
  }

  closeAll(): void {
    for (const entry of this.entries.values()) entry.runner?.close();
  }
}
