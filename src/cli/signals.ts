// Graceful stop: the first SIGINT/SIGTERM stops the service gently, a second one exits at once.
/**
 * Calls `stop` on SIGINT or SIGTERM (a graceful stop: it may take a while to drain), then exits
 * 0; a second signal meanwhile exits 1 immediately, cutting whatever was still draining.
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`burrow: ${signal} again; exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`burrow: error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
