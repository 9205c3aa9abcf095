/**
 * Cleanup that must run even when the process is interrupted (SIGINT, SIGTERM, SIGHUP): removing a decrypted temp
 * file or a half-written one, stopping an editor. The handlers are installed only while something is registered,
 * run every registered cleanup synchronously, then end the process with the usual 128 + signal number.
 */
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
type Signal = keyof typeof SIGNALS;

const cleanups = new Set<() => void>();
const handlers = new Map<Signal, () => void>();

function onSignal(signal: Signal): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // keep cleaning up the rest
    }
  }
  process.exit(128 + SIGNALS[signal]);
}

/** Registers `cleanup` to run on interruption; the returned function unregisters it (call it in `finally`). */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  if (handlers.size === 0) {
    for (const signal of Object.keys(SIGNALS) as Signal[]) {
      const handler = (): void => onSignal(signal);
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size > 0) return;
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    handlers.clear();
  };
}
