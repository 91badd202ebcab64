import './clean-env.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECK_LABELS } from '../../src/core/check-labels.js';
import { guideStep } from '../../src/core/guide.js';
import { silentLogger } from '../../src/core/logger.js';
import { ActionId } from '../../src/core/message.js';
import { createHaloDispatcher } from '../../src/core/net/index.js';
import { Secret } from '../../src/core/secret.js';
import { createVerifier } from '../../src/core/verifier.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { CONVERSATIONS, TENANT_ID, USERS } from './activities.js';
import {
  buttonData,
  cardText,
  cardTitle,
  finalReport,
  openDialog,
  scenarioForm,
  statusPosts,
  submitDialog,
} from './flow.js';
import type { TeamsHarness } from './harness.js';
import { useTeamsSuite } from './suite.js';

const CHANNEL = CONVERSATIONS.channel.id;
const CONNECTION_ID = `teams:${TENANT_ID}`;

const suite = useTeamsSuite();

describe('every sandbox failure', () => {
  const failures = [
    'wrong-secret',
    'unknown-client',
    'missing-tenant',
    'no-all-standard',
    'no-all-teams',
    'no-admin-webhooks',
    'scope-rejected',
    'agent-not-api-only',
    'agent-disabled',
    'no-login-agent',
    'no-customers',
    'no-purchase-orders',
    'no-invoices',
    'no-visibility',
    'rate-limited',
  ];
  let fresh: TeamsHarness;

  beforeAll(async () => {
    fresh = await suite.harness({}, { limit: 100, windowMs: 60_000 });
  });

  it.each(failures)(
    'the report for "%s" names the failing check and the guide step',
    async (name) => {
      const scenario = sandboxScenario(name);
      const values = scenarioForm(suite.sandbox.authServer, scenario);
      const dispatcher = createHaloDispatcher({ allowPrivateNetwork: true });
      const expected = await createVerifier({
        dispatcher,
        logger: silentLogger,
        clock: { now: () => new Date() },
      }).verify({
        authServer: suite.sandbox.authServer,
        tenant: values.tenant,
        clientId: scenario.clientId,
        clientSecret: new Secret(scenario.clientSecret),
      });
      await dispatcher.close();
      await fresh.service.disconnect(
        {
          platform: 'teams',
          workspaceId: TENANT_ID,
          userId: USERS.admin.aadObjectId,
          isGuest: false,
          isWorkspaceAdmin: false,
        },
        undefined,
      );
      const dialog = await openDialog(fresh);
      expect((await submitDialog(fresh, dialog, values)).body).toMatchObject({
        task: { type: 'message' },
      });
      const report = await finalReport(fresh);
      const failing = expected.checks.find((c) => c.status === 'fail');
      if (!failing) {
        expect(cardTitle(report)).toBe('Connected');
        const warned = expected.checks.find((c) => c.status === 'warn');
        if (warned) expect(cardText(report)).toContain(`⚠️ ${CHECK_LABELS[warned.id]}`);
        return;
      }
      expect(cardTitle(report)).toBe('Check failed');
      expect(cardText(report)).toContain(`❌ ${CHECK_LABELS[failing.id]}`);
      const fix = failing.fix?.replace(/`([^`]+)`/g, '**$1**');
      if (fix) expect(cardText(report)).toContain(`**Fix:** ${fix}`);
      expect(buttonData(report, ActionId.RetryCredentials).value).not.toContain(
        scenario.clientSecret,
      );
      if (failing.step) {
        expect(buttonData(report, ActionId.GuideGoto).value).toBe(failing.step);
        expect(cardText(report)).toContain(`Open guide at step ${guideStep(failing.step).number}`);
      }
      expect(await fresh.store.getConnection(CONNECTION_ID)).toBeUndefined();
      expect(statusPosts(fresh, CHANNEL).at(-1)).toContain('attempt failed');
    },
  );
});
