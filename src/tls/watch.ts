// Watches TLS material files and reports changes, so certificates can be replaced without a restart.
import { unwatchFile, watchFile, type Stats } from 'node:fs';

/** How often watched files are polled; polling survives editors and tools that replace files by rename. */
export const TLS_WATCH_INTERVAL_MS = 1_000;

/** Changes closer together than this are reported once (a cert and its key are usually written together). */
export const TLS_RELOAD_DEBOUNCE_MS = 300;

/** Stops a watch. */
export interface FileWatch {
  close(): void;
}

/**
 * Calls `onChange` (debounced) whenever one of `files` changes content time or size, appears or
 * disappears. Empty names are skipped; timers do not keep the process alive.
 */
export function watchFiles(
  files: readonly string[],
  onChange: () => void,
  intervalMs = TLS_WATCH_INTERVAL_MS,
): FileWatch {
  const watched = [...new Set(files.filter((f) => f !== ''))];
  let timer: NodeJS.Timeout | undefined;
  const listener = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size && current.ino === previous.ino) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, TLS_RELOAD_DEBOUNCE_MS);
    timer.unref();
  };
  for (const file of watched) watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return {
    close(): void {
      if (timer) clearTimeout(timer);
      for (const file of watched) unwatchFile(file, listener);
    },
  };
}
