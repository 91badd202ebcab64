import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts on embedded defaults with no settings at all', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3978);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe('./data');
    expect(config.rotationPeriodMs).toBe(90 * 86_400_000);
    expect(config.reminderLeadTimesMs).toEqual([14, 7, 1].map((d) => d * 86_400_000));
    expect(config.reminderOverdueEveryMs).toBe(86_400_000);
    expect(config.schedulerIntervalMs).toBe(60_000);
    expect(config.reverifyEveryMs).toBe(86_400_000);
    expect(config.teams.local).toBe(false);
    expect(config.haloAllowPrivateNetwork).toBe(false);
    expect(config.adminUserIds).toEqual([]);
    expect(config.logFormat).toBe('json');
  });

  it('parses durations, lists and booleans', () => {
    const config = loadConfig({
      ROTATION_PERIOD: 'PT30S',
      REMINDER_LEAD_TIMES: 'PT2S, PT10S',
      ADMIN_USER_IDS: 'U1, U2,,',
      HALO_ALLOW_PRIVATE_NETWORK: 'TRUE',
      TEAMS_LOCAL: 'true',
      HOST: '127.0.0.1',
    });
    expect(config.rotationPeriodMs).toBe(30_000);
    expect(config.reminderLeadTimesMs).toEqual([10_000, 2_000]);
    expect(config.adminUserIds).toEqual(['U1', 'U2']);
    expect(config.haloAllowPrivateNetwork).toBe(true);
    expect(config.teams.local).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT must be a whole number.*\(got "eighty"\)$/],
    [{ PORT: '70000' }, /^PORT must be a whole number/],
    [
      { ROTATION_PERIOD: '90 days' },
      /^ROTATION_PERIOD is not a positive ISO 8601 duration; expected a form like P90D/,
    ],
    [{ REMINDER_LEAD_TIMES: 'P14D,soon' }, /^REMINDER_LEAD_TIMES has "soon"/],
    [{ SCHEDULER_INTERVAL: 'PT0S' }, /^SCHEDULER_INTERVAL is not a positive ISO 8601 duration/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ LOG_FORMAT: 'xml' }, /^LOG_FORMAT must be json or pretty/],
    [{ TEAMS_LOCAL: 'maybe' }, /^TEAMS_LOCAL must be true or false/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must start with postgres:\/\//],
    [{ SLACK_API_URL: 'not a url' }, /^SLACK_API_URL must be an http\(s\) URL/],
    [
      { MICROSOFT_APP_TYPE: 'Everyone' },
      /^MICROSOFT_APP_TYPE must be MultiTenant, SingleTenant or UserAssignedMSI/,
    ],
    [
      { TEAMS_LOCAL: 'true', HOST: '0.0.0.0' },
      /^TEAMS_LOCAL=true is refused because HOST is 0.0.0.0/,
    ],
    [
      { ROTATION_PERIOD: 'P7D', REMINDER_LEAD_TIMES: 'P14D' },
      /^REMINDER_LEAD_TIMES has a lead time as long as ROTATION_PERIOD/,
    ],
    [
      { SLACK_CLIENT_ID: 'x' },
      /^SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET must be set together/,
    ],
  ])('names the bad value %o', (env, expected) => {
    expect(errorOf(env)).toMatch(expected);
  });

  it('never echoes a secret setting in its error', () => {
    const canary = 'xoxp-canary-7f3c0d9e1b2a';
    const message = errorOf({ SLACK_BOT_TOKEN: canary });
    expect(message).toMatch(/^SLACK_BOT_TOKEN must be a bot token starting with xoxb-$/);
    expect(message).not.toContain('canary');
    const short = errorOf({ CLOUD_DEPOT_API_TOKEN: 'canary-short' });
    expect(short).not.toContain('canary');
    const db = errorOf({ DATABASE_URL: 'mysql://user:canarypw@host/db' });
    expect(db).not.toContain('canarypw');
  });
});
