import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { BOT_TOKEN, SIGNING_SECRET } from './constants.js';
import { listen, type BareServer } from './listen.js';

/** What a benchmark can start: the bot, or one of the baselines it is compared with. */
export type ServerKind = 'bot' | 'bare-slack' | 'bare-teams' | 'bare-http';

export interface MemoryReading {
  rss: number;
  heapUsed: number;
}

export interface LaunchedServer extends BareServer {
  /** Memory after a full garbage collection (when the process allows one). */
  memory(): Promise<MemoryReading>;
  idle(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));

/**
 * Starts a server of `kind` in this process; `env` holds the bot's settings. Each kind loads
 * only its own modules, so a baseline process does not carry the bot's SDKs.
 */
export async function startServer(
  kind: ServerKind,
  env: Record<string, string>,
): Promise<BareServer> {
  switch (kind) {
    case 'bot':
      return (await import('./bot.js')).startBenchBot(env);
    case 'bare-slack':
      return (await import('./bare-slack.js')).startBareSlack(SIGNING_SECRET, BOT_TOKEN);
    case 'bare-teams':
      return (await import('./bare-teams.js')).startBareTeams();
    case 'bare-http':
      return startBareHttp();
  }
}

/**
 * The start-up baseline: an express app on the same loader answering `/readyz`. `PORT`
 * from the environment, like the bot, so both can be timed the same way.
 */
export async function startBareHttp(port = Number(process.env.PORT ?? 0)): Promise<BareServer> {
  const web = express();
  web.get('/readyz', (_req, res) => void res.json({ ok: true }));
  return listen(web, port);
}

/** Node's `--import tsx` plus a collectable heap, for every child process of the benchmarks. */
export const CHILD_EXEC_ARGV = ['--import', 'tsx', '--expose-gc'];

/**
 * Starts a server in its own process (`isolate`), so the load generator and the fake
 * platforms do not share its event loop, or in this one (the smoke run: no process start-up
 * cost). Either way the same `startServer` builds it.
 */
export async function launch(
  kind: ServerKind,
  env: Record<string, string>,
  isolate: boolean,
): Promise<LaunchedServer> {
  if (!isolate) {
    const server = await startServer(kind, env);
    return {
      ...server,
      memory: async () => readMemory(),
      idle: async () => server.idle?.(),
    };
  }
  // BENCH_CPU_PROF=<dir>: each server process writes a V8 CPU profile there when it closes.
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // BENCH_NODE_ARGS="--trace-gc …": more Node options for each server process. What they
  // print goes to this process's stderr, so stdout keeps only the results.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = fork(CHILD, [], {
    execArgv: [...CHILD_EXEC_ARGV, ...profile, ...extra],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', BENCH_SERVER: kind },
    stdio: ['ignore', extra.length > 0 ? 2 : 'ignore', 'inherit', 'ipc'],
  });
  const ask = <T>(message: object, answer: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (reply: { type: string; value?: T; message?: string }) => {
        if (reply.type === 'failed') reject(new Error(`${kind}: ${reply.message}`));
        else if (reply.type === answer) resolve(reply.value as T);
        else return;
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onExit = (code: number | null) => reject(new Error(`${kind} exited with ${code}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(message);
    });
  const url = await ask<string>({ type: 'start', env }, 'ready');
  return {
    url,
    memory: () => ask<MemoryReading>({ type: 'memory' }, 'memory'),
    idle: () => ask<void>({ type: 'idle' }, 'idle'),
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

/** This process's memory, after a full collection when `--expose-gc` allows one. */
export function readMemory(): MemoryReading {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}
