import type { App } from '@slack/bolt';
import { registerActions } from './actions.js';
import { registerCommand } from './command.js';
import type { HandlerDeps } from './context.js';
import { registerHome } from './home.js';
import { registerViewSubmissions } from './view-submission.js';

/**
 * Registers one listener per kind (command, actions, views, App Home). Bolt runs every
 * listener's middleware on every request, so more listeners would slow every request down.
 */
export function registerHandlers(app: App, deps: HandlerDeps): void {
  registerCommand(app, deps);
  registerActions(app, deps);
  registerViewSubmissions(app, deps);
  registerHome(app, deps);
}
