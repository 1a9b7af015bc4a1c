// One proxy's health monitor: runs its probe every interval and reports healthy / unhealthy transitions (frp's health.Monitor).
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';

/** One check: resolves when the local service is healthy, rejects with the reason when not; `signal` aborts it. */
export type HealthProbe = (signal: AbortSignal) => Promise<void>;

export interface HealthMonitorOptions {
  readonly probe: HealthProbe;
  /** The pause after one check ends before the next starts (frp sleeps intervalSeconds after each check). */
  readonly intervalMs: number;
  /** Consecutive failed checks that turn a healthy proxy unhealthy; a success resets the count (frp 0.71.1). */
  readonly maxFailed: number;
  /** Called on each transition: true after the first success (and after a recovery), false after maxFailed failures in a row. */
  readonly onChange: (healthy: boolean) => void;
  /** The proxy's name, for the log lines. */
  readonly proxy: string;
  readonly logger: Logger;
}

/**
 * Starts unhealthy, as frp: the proxy is announced only after a first successful check. The first
 * check runs at start(); stop() ends the loop and aborts a check under way (its result is dropped).
 */
export class HealthMonitor {
  private ok = false;
  private failures = 0;
  private reason = '';
  private stopped = false;
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  /** Aborts the check under way when the monitor stops. */
  private readonly abort = new AbortController();

  constructor(private readonly options: HealthMonitorOptions) {}

  /** Whether the last transition was to healthy (false until the first success). */
  get healthy(): boolean {
    return this.ok;
  }

  /** Failed checks in a row since the last success. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Why the last check failed ("" after a success). */
  get lastError(): string {
    return this.reason;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.runCheck();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private runCheck(): void {
    this.timer = undefined;
    this.check().catch((err: unknown) => {
      // Only onChange can throw here: say so, and keep checking.
      this.options.logger.error({ proxy: this.options.proxy, err: errorMessage(err) }, 'health check handler failed');
      this.schedule();
    });
  }

  private async check(): Promise<void> {
    let failure: unknown;
    let failed = false;
    try {
      await this.options.probe(this.abort.signal);
    } catch (err) {
      failed = true;
      failure = err;
    }
    if (this.stopped) return;
    // Schedule first: a throwing onChange must not end the loop.
    this.schedule();
    if (failed) this.recordFailure(errorMessage(failure));
    else this.recordSuccess();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => this.runCheck(), this.options.intervalMs);
    // The client's session keeps the process alive, not its health checks.
    this.timer.unref();
  }

  private recordSuccess(): void {
    const { logger, proxy } = this.options;
    this.failures = 0;
    this.reason = '';
    logger.trace({ proxy }, 'health check success');
    if (this.ok) return;
    this.ok = true;
    logger.info({ proxy }, 'health check status change to success');
    this.options.onChange(true);
  }

  private recordFailure(reason: string): void {
    const { logger, proxy, maxFailed } = this.options;
    this.failures += 1;
    this.reason = reason;
    logger.warn({ proxy, err: reason, failures: this.failures, maxFailed }, 'health check failed');
    if (!this.ok || this.failures < maxFailed) return;
    this.ok = false;
    logger.warn({ proxy, failures: this.failures }, 'health check status change to failed');
    this.options.onChange(false);
  }
}
