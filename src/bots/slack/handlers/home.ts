import type { App } from '@slack/bolt';
import { renderHome } from '../render.js';
import { resolveActor, type HandlerDeps } from './context.js';

/**
 * App Home: the connection at a glance (Halo instance, agent, last verified, next rotation
 * due) with Verify and Rotate, published each time the person opens the Home tab.
 */
export function registerHome(app: App, deps: HandlerDeps): void {
  app.event('app_home_opened', async ({ event, body, client }) => {
    if (event.tab && event.tab !== 'home') return;
    const teamId = body.team_id ?? body.authorizations?.[0]?.team_id ?? '';
    deps.tasks.run(
      'app home',
      async () => {
        const actor = await resolveActor(deps, client, { teamId, userId: event.user });
        const view = renderHome(await deps.service.status(actor));
        await client.views.publish({ user_id: event.user, view });
      },
      'normal',
    );
  });
}
