import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { ConnectionService } from '../core/connection-service.js';
import type { Logger } from '../core/logger.js';

const body = z.object({
  platform: z.enum(['slack', 'teams']),
  workspace: z.string().trim().min(1).max(200),
});

/** Constant-time comparison of the presented bearer token with the configured one. */
export function isAuthorized(req: Request, expected: string): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/.exec(header);
  if (!match?.[1]) return false;
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(match[1]).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * `POST /v1/halo/token`: Cloud Depot's services get a fresh Halo access token for a
 * connected workspace. The client secret never leaves the bot.
 */
export function createCloudDepotRouter(
  service: ConnectionService,
  apiToken: string,
  logger: Logger,
): Router {
  const router = Router();
  // The bearer token is checked before the body is read: a caller without it learns
  // nothing about what the route accepts, and its body is never parsed.
  const authorize: RequestHandler = (req, res, next) => {
    if (isAuthorized(req, apiToken)) return next();
    res.status(401).json({ error: 'unauthorized', message: 'A valid bearer token is required.' });
  };
  router.post('/v1/halo/token', authorize, express.json({ limit: '4kb' }), async (req, res) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({
        error: 'invalid_request',
        message:
          'The body must be JSON {"platform": "slack" | "teams", "workspace": "<team or tenant id>"}.',
      });
      return;
    }
    const ref = { platform: parsed.data.platform, workspaceId: parsed.data.workspace };
    const result = await service.issueToken(ref);
    if (result.kind === 'not_found') {
      res
        .status(404)
        .json({ error: 'not_connected', message: 'That workspace has no HaloPSA connection.' });
      return;
    }
    if (result.kind === 'refused') {
      logger.warn({ ...ref, check: result.check.id }, 'Halo refused the stored credentials');
      res.status(502).json({
        error: 'halo_refused',
        check: {
          id: result.check.id,
          status: result.check.status,
          step: result.check.step,
          message: result.check.message,
        },
      });
      return;
    }
    res.json({
      access_token: result.token.accessToken,
      token_type: result.token.tokenType,
      expires_at: result.token.expiresAt.toISOString(),
      resource_server: result.token.resourceServer,
      scope: result.token.scope,
    });
  });
  return router;
}
