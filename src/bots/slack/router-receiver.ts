import type { App, Receiver } from '@slack/bolt';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { parseSlackRequest } from './request-body.js';
import { checkSlackSignature } from './signature.js';
import { describeError } from './slack-error.js';

export interface RouterReceiverOptions {
  signingSecret: string;
  log: Logger;
  clock: Clock;
  /** Slack gives up after 3 s; an unacknowledged request is answered just after. */
  ackTimeoutMs?: number;
}

/** Slack payloads are small; a view with its state stays far below this. */
const BODY_LIMIT = '1mb';

/**
 * A Bolt Receiver served by our own express router instead of Bolt's HTTP server. Every
 * request is signature-checked on the raw body before anything else (401 and no handler
 * otherwise), parsed, checked for shape (400 for a body Bolt cannot route), and only then
 * handed to `app.processEvent`. The HTTP answer is whatever the handler passed to `ack()`.
 */
export class RouterReceiver implements Receiver {
  readonly #o: RouterReceiverOptions;
  #app: App | undefined;

  /** Mount on `POST /slack/events`, before any body parser: the signature needs raw bytes. */
  readonly handlers: RequestHandler[];

  constructor(options: RouterReceiverOptions) {
    this.#o = options;
    this.handlers = [
      express.raw({ type: () => true, limit: BODY_LIMIT }),
      (req, res) => void this.#handle(req, res),
    ];
  }

  init(app: App): void {
    this.#app = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async #handle(req: Request, res: Response): Promise<void> {
    const raw = rawBody(req);
    if (raw === undefined) {
      this.#o.log.error('the Slack router got a parsed body: mount it before any body parser');
      res.status(500).end();
      return;
    }
    const check = checkSlackSignature(
      this.#o.signingSecret,
      raw,
      req.get('x-slack-signature'),
      req.get('x-slack-request-timestamp'),
      this.#o.clock.now().getTime(),
    );
    if (check !== 'ok') {
      this.#o.log.info(
        { reason: check, ip: req.ip },
        'refused a Slack request: signature check failed',
      );
      res.status(401).type('text/plain').send('invalid signature');
      return;
    }
    const text = decodeUtf8(raw);
    const parsed =
      text === undefined
        ? ({ kind: 'invalid', reason: 'body is not UTF-8' } as const)
        : parseSlackRequest(text, req.get('content-type'));
    switch (parsed.kind) {
      case 'invalid':
        this.#o.log.info(
          { reason: parsed.reason },
          'refused a signed Slack request: unusable body',
        );
        res.status(400).type('text/plain').send(parsed.reason);
        return;
      case 'ssl_check':
        res.status(200).end();
        return;
      case 'url_verification':
        res.status(200).json({ challenge: parsed.challenge });
        return;
      case 'ignored':
        this.#o.log.debug({ what: parsed.what }, 'ignored a Slack request nobody handles');
        res.status(200).end();
        return;
      case 'dispatch':
        await this.#dispatch(parsed.body, req, res);
    }
  }

  async #dispatch(body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const app = this.#app;
    if (!app) {
      res.status(503).end();
      return;
    }
    // A class and method shorthand, not named arrow functions: tsx's keepNames would give
    // each request's closures a name property of their own (see docs/performance.md).
    const reply = new SlackReply(res);
    reply.timer = setTimeout(() => {
      if (reply.send(500)) this.#o.log.warn('a Slack request was not acknowledged in time');
    }, this.#o.ackTimeoutMs ?? 3100);
    reply.timer.unref();
    try {
      await app.processEvent({
        body,
        async ack(response?: unknown) {
          reply.send(200, response);
        },
        retryNum: headerNumber(req.get('x-slack-retry-num')),
        retryReason: req.get('x-slack-retry-reason')?.slice(0, 64),
      });
      // Nothing listened (an action nobody handles): say so without making Slack retry.
      reply.send(200);
    } catch (err) {
      // Listener failures were logged in full by the app's error handler; this says what
      // Slack was told (and covers failures before any listener ran).
      if (reply.send(500)) this.#o.log.warn({ err: describeError(err) }, 'answered Slack with 500');
    }
  }
}

/** The one HTTP answer to a Slack request: the first of ack, the time-out or a failure. */
class SlackReply {
  timer: NodeJS.Timeout | undefined;
  #answered = false;

  constructor(private readonly res: Response) {}

  /** Sends the answer unless one was sent; says whether this call sent it. */
  send(status: number, payload?: unknown): boolean {
    if (this.#answered) return false;
    this.#answered = true;
    clearTimeout(this.timer);
    const { res } = this;
    if (payload === undefined || payload === '') res.status(status).end();
    else if (typeof payload === 'string') res.status(status).type('text/plain').send(payload);
    else res.status(status).json(payload);
    return true;
  }
}

function rawBody(req: Request): Buffer | undefined {
  const body: unknown = req.body;
  if (body === undefined) return Buffer.alloc(0);
  return Buffer.isBuffer(body) ? body : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text; undefined when it is not UTF-8 (Slack only ever sends UTF-8). */
function decodeUtf8(raw: Buffer): string | undefined {
  try {
    return utf8.decode(raw);
  } catch {
    return undefined;
  }
}

function headerNumber(value: string | undefined): number | undefined {
  return value && /^\d{1,4}$/.test(value) ? Number(value) : undefined;
}
