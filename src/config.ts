import { isIP } from 'node:net';
import { Duration } from 'luxon';
import { z } from 'zod';

/**
 * Every setting of the external contract (DESIGN.md), parsed once at start-up. A bad value
 * stops the process with one line naming the variable, the problem and the expected form.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  masterKey?: string;
  slack: {
    signingSecret?: string;
    botToken?: string;
    clientId?: string;
    clientSecret?: string;
    stateSecret?: string;
    appToken?: string;
    apiUrl?: string;
  };
  teams: {
    appId?: string;
    appPassword?: string;
    tenantId?: string;
    appType?: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
    local: boolean;
  };
  haloAllowPrivateNetwork: boolean;
  cloudDepotApiToken?: string;
  adminUserIds: string[];
  rotationPeriodMs: number;
  reminderLeadTimesMs: number[];
  reminderOverdueEveryMs: number;
  schedulerIntervalMs: number;
  reverifyEveryMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  logFormat: 'json' | 'pretty';
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Names of settings whose values must never be echoed, even in an error. */
export const SECRET_SETTINGS = new Set([
  'DATABASE_URL',
  'MASTER_KEY',
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_CLIENT_SECRET',
  'SLACK_STATE_SECRET',
  'SLACK_APP_TOKEN',
  'MICROSOFT_APP_PASSWORD',
  'CLOUD_DEPOT_API_TOKEN',
]);

const optional = z
  .string()
  .transform((v) => v.trim())
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', ''].includes(v), {
    message: 'must be true or false',
  })
  .transform((v) => ['true', '1', 'yes'].includes(v))
  .optional();

function duration(name: string) {
  return z
    .string()
    .trim()
    .transform((v, ctx) => {
      const d = Duration.fromISO(v);
      const ms = d.isValid ? d.as('milliseconds') : NaN;
      if (!Number.isFinite(ms) || ms <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `is not a positive ISO 8601 duration; expected a form like P90D, PT12H or PT30S (${name})`,
        });
        return z.NEVER;
      }
      return ms;
    });
}

const durationList = z
  .string()
  .trim()
  .transform((v, ctx) => {
    if (v === '') return [];
    const out: number[] = [];
    for (const part of v.split(',')) {
      const d = Duration.fromISO(part.trim());
      const ms = d.isValid ? d.as('milliseconds') : NaN;
      if (!Number.isFinite(ms) || ms <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `has "${part.trim()}", which is not a positive ISO 8601 duration; expected a comma-separated list like P14D,P7D,P1D`,
        });
        return z.NEVER;
      }
      out.push(ms);
    }
    return [...new Set(out)].sort((a, b) => b - a);
  });

const schema = z.object({
  PORT: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number between 0 and 65535')
    .transform(Number)
    .refine((n) => n >= 0 && n <= 65535, 'must be a whole number between 0 and 65535')
    .default(3978),
  HOST: z
    .string()
    .trim()
    .min(1, 'must be a host name or IP address such as 0.0.0.0 or 127.0.0.1')
    .default('0.0.0.0'),
  DATA_DIR: z.string().trim().min(1, 'must be a directory path').default('./data'),
  DATABASE_URL: optional.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must start with postgres:// or postgresql://',
  }),
  MASTER_KEY: optional,
  SLACK_SIGNING_SECRET: optional,
  SLACK_BOT_TOKEN: optional.refine((v) => v === undefined || v.startsWith('xoxb-'), {
    message: 'must be a bot token starting with xoxb-',
  }),
  SLACK_CLIENT_ID: optional,
  SLACK_CLIENT_SECRET: optional,
  SLACK_STATE_SECRET: optional,
  SLACK_APP_TOKEN: optional.refine((v) => v === undefined || v.startsWith('xapp-'), {
    message: 'must be an app-level token starting with xapp-',
  }),
  SLACK_API_URL: optional.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), {
    message: 'must be an http(s) URL such as https://slack.com/api/',
  }),
  MICROSOFT_APP_ID: optional,
  MICROSOFT_APP_PASSWORD: optional,
  MICROSOFT_APP_TENANT_ID: optional,
  MICROSOFT_APP_TYPE: optional.refine(
    (v) => v === undefined || ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'].includes(v),
    { message: 'must be MultiTenant, SingleTenant or UserAssignedMSI' },
  ),
  TEAMS_LOCAL: bool,
  HALO_ALLOW_PRIVATE_NETWORK: bool,
  CLOUD_DEPOT_API_TOKEN: optional.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters long',
  }),
  ADMIN_USER_IDS: z.string().default(''),
  ROTATION_PERIOD: duration('ROTATION_PERIOD').default(() => 90 * 86_400_000),
  REMINDER_LEAD_TIMES: durationList.default(() => [14, 7, 1].map((d) => d * 86_400_000)),
  REMINDER_OVERDUE_EVERY: duration('REMINDER_OVERDUE_EVERY').default(() => 86_400_000),
  SCHEDULER_INTERVAL: duration('SCHEDULER_INTERVAL').default(() => 60_000),
  REVERIFY_EVERY: duration('REVERIFY_EVERY').default(() => 86_400_000),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { message: 'must be json or pretty' }).default('json'),
});

/** Loopback hosts on which unauthenticated Teams traffic may be accepted. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1';
  return false;
}

function describe(name: string, value: string | undefined, problem: string): string {
  const shown =
    value === undefined || SECRET_SETTINGS.has(name) ? '' : ` (got "${value.slice(0, 80)}")`;
  return `${name} ${problem}${shown}`;
}

/** Parses the environment. Throws ConfigError with one line for the first bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined) picked[key] = value;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'setting');
    throw new ConfigError(describe(name, picked[name], issue.message));
  }
  const e = parsed.data;
  if (e.REMINDER_LEAD_TIMES.some((ms) => ms >= e.ROTATION_PERIOD)) {
    throw new ConfigError(
      'REMINDER_LEAD_TIMES has a lead time as long as ROTATION_PERIOD or longer; every lead time must be shorter than the rotation period',
    );
  }
  if (e.TEAMS_LOCAL && !isLoopbackHost(e.HOST)) {
    throw new ConfigError(
      `TEAMS_LOCAL=true is refused because HOST is ${e.HOST}; unauthenticated Teams traffic is only accepted on a loopback HOST such as 127.0.0.1`,
    );
  }
  const slackOAuth = [e.SLACK_CLIENT_ID, e.SLACK_CLIENT_SECRET, e.SLACK_STATE_SECRET];
  if (slackOAuth.some(Boolean) && !slackOAuth.every(Boolean)) {
    throw new ConfigError(
      'SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET must be set together for Slack OAuth installs',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    masterKey: e.MASTER_KEY,
    slack: {
      signingSecret: e.SLACK_SIGNING_SECRET,
      botToken: e.SLACK_BOT_TOKEN,
      clientId: e.SLACK_CLIENT_ID,
      clientSecret: e.SLACK_CLIENT_SECRET,
      stateSecret: e.SLACK_STATE_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
    },
    teams: {
      appId: e.MICROSOFT_APP_ID,
      appPassword: e.MICROSOFT_APP_PASSWORD,
      tenantId: e.MICROSOFT_APP_TENANT_ID,
      appType: e.MICROSOFT_APP_TYPE as Config['teams']['appType'],
      local: e.TEAMS_LOCAL ?? false,
    },
    haloAllowPrivateNetwork: e.HALO_ALLOW_PRIVATE_NETWORK ?? false,
    cloudDepotApiToken: e.CLOUD_DEPOT_API_TOKEN,
    adminUserIds: e.ADMIN_USER_IDS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    rotationPeriodMs: e.ROTATION_PERIOD,
    reminderLeadTimesMs: e.REMINDER_LEAD_TIMES,
    reminderOverdueEveryMs: e.REMINDER_OVERDUE_EVERY,
    schedulerIntervalMs: e.SCHEDULER_INTERVAL,
    reverifyEveryMs: e.REVERIFY_EVERY,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
  };
}
