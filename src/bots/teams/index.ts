export {
  createTeamsAdapter,
  type TeamsAdapter,
  type TeamsAdapterOptions,
} from './create-teams-adapter.js';
export { renderCard, type RenderOptions } from './render.js';
export type { AdaptiveCard } from './adaptive-card.js';
