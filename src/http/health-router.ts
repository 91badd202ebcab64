import { Router } from 'express';
import type { Store } from '../core/store.js';
import type { Logger } from '../core/logger.js';

const PING_TIMEOUT_MS = 2_000;

/** `GET /healthz`: the process answers. `GET /readyz`: the store answers too. */
export function createHealthRouter(store: Store, logger: Logger): Router {
  const router = Router();
  let wasReady = true;
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await withTimeout(store.ping(), PING_TIMEOUT_MS);
      if (!wasReady) logger.info({ store: store.kind }, 'store reachable again; ready');
      wasReady = true;
      res.json({ ok: true, store: store.kind });
    } catch (err) {
      if (wasReady) logger.warn({ err, store: store.kind }, 'store unreachable; not ready');
      wasReady = false;
      res.status(503).json({ ok: false, store: store.kind, error: 'store unreachable' });
    }
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
