import type { Clock } from '../../core/clock.js';
import type { ConnectionService } from '../../core/connection-service.js';
import type { Logger } from '../../core/logger.js';
import type { Notifier } from '../../core/notifier.js';
import type { Store } from '../../core/store.js';
import type { Background } from './background.js';
import type { Connector } from './connector.js';
import type { ConversationRefs } from './conversation-refs.js';
import type { MemberNames } from './mentions.js';
import type { MemberRoles } from './turn-actor.js';

/** What the Teams handlers share; built once by `createTeamsAdapter`. */
export interface TeamsDeps {
  service: ConnectionService;
  store: Store;
  clock: Clock;
  logger: Logger;
  refs: ConversationRefs;
  names: MemberNames;
  roles: MemberRoles;
  notifier: Notifier;
  connector: Connector;
  background: Background;
}
