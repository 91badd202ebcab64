import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BotProcess {
  child: ChildProcess;
  /** Every stdout line, parsed when it is JSON. */
  lines: string[];
  stderr: () => string;
  url: () => Promise<string>;
  exit: Promise<number | null>;
}

/**
 * Starts `src/main.ts` as a real process with a clean environment: only the given settings,
 * PATH and HOME, so neither our settings nor an SDK's own variables leak in from the shell.
 */
export function spawnBot(env: Record<string, string>): BotProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buffer = '';
  let resolveUrl: (url: string) => void = () => {};
  const urlPromise = new Promise<string>((resolve) => (resolveUrl = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      const port = /"port":(\d+)/.exec(line);
      if (port && line.includes('listening')) resolveUrl(`http://127.0.0.1:${port[1]}`);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    lines,
    stderr: () => stderr,
    url: () =>
      Promise.race([
        urlPromise,
        exit.then((code) => {
          throw new Error(`bot exited with ${code} before listening: ${stderr}`);
        }),
      ]),
    exit,
  };
}
