import type { Installation } from '@slack/bolt';
import type { InstallProvider } from '@slack/oauth';
import type { Request, Response, Router } from 'express';
import type { Logger } from '../../core/logger.js';
import { describeError } from './slack-error.js';
import { SLACK_BOT_SCOPES } from './token-source.js';

const INSTALLED_PAGE = `<!doctype html><html><head><meta charset="utf-8">
<title>Installed</title></head>
<body><h1>halo-connect is installed</h1>
<p>Back in Slack, run <code>/halo connect</code> in the channel that should get status updates,
after inviting the bot there.</p></body></html>`;

/**
 * `GET /slack/install` (the "Add to Slack" page, which sets the state cookie) and
 * `GET /slack/oauth_redirect` (state checked, code exchanged, installation stored sealed).
 */
export function addOAuthRoutes(router: Router, installer: InstallProvider, log: Logger): void {
  const scopes = [...SLACK_BOT_SCOPES];
  router.get('/slack/install', (req: Request, res: Response) =>
    guard(log, res, () => installer.handleInstallPath(req, res, undefined, { scopes })),
  );
  router.get('/slack/oauth_redirect', (req: Request, res: Response) =>
    guard(log, res, () =>
      installer.handleCallback(req, res, {
        success: (installation: Installation) => {
          log.info(
            { teamId: installation.team?.id, enterpriseId: installation.enterprise?.id },
            'Slack app installed',
          );
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
          res.end(INSTALLED_PAGE);
        },
        failure: (error) => {
          log.warn({ err: describeError(error) }, 'Slack install failed');
          res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('The installation did not complete. Start again from /slack/install.');
        },
      }),
    ),
  );
}

async function guard(log: Logger, res: Response, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    log.error({ err: describeError(err) }, 'Slack OAuth route failed');
    if (!res.headersSent) res.status(500).end();
  }
}
