import { readMemory, startServer, type ServerKind } from './servers.js';
import type { BareServer } from './listen.js';

/**
 * The child process of `launch`: starts the server it is told to, then answers `memory` and
 * `idle` and `close` over IPC. Talks only over IPC; its stderr is the parent's.
 */
let server: BareServer | undefined;

process.on('message', (message: { type: string; env?: Record<string, string> }) => {
  void handle(message).catch((err: unknown) => {
    process.send?.({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  });
});

async function handle(message: { type: string; env?: Record<string, string> }): Promise<void> {
  switch (message.type) {
    case 'start':
      server = await startServer(process.env.BENCH_SERVER as ServerKind, message.env ?? {});
      process.send?.({ type: 'ready', value: server.url });
      return;
    case 'idle':
      await server?.idle?.();
      process.send?.({ type: 'idle' });
      return;
    case 'memory':
      process.send?.({ type: 'memory', value: readMemory() });
      return;
    case 'close':
      await server?.close();
      process.disconnect();
      process.exit(0);
  }
}
