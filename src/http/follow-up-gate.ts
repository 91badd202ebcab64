import type { RequestHandler } from 'express';
import type { FollowUps } from '../core/follow-ups.js';

/**
 * Tells the follow-up gate when a platform request arrives and when it has been answered,
 * so follow-up work waits while acknowledgements are due. Mounted before the platform
 * routes; health probes are not counted.
 */
export function followUpGate(followUps: FollowUps): RequestHandler {
  // One listener for every response: a response closes once, so no `once` wrapper is needed.
  const ended = () => followUps.requestEnded();
  return (_req, res, next) => {
    followUps.requestStarted();
    // `close` comes after the answer was sent, and also when the caller went away first.
    res.on('close', ended);
    next();
  };
}
