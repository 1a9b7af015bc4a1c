// Graceful stop: the first SIGINT/SIGTERM closes the service, a second one exits at once.
/** Calls `stop` on SIGINT or SIGTERM, then exits 0; a second signal exits 1 immediately. */
export function onStopSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`burrow: ${signal} again; exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    stop().then(
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
