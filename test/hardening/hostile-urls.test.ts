import '../teams/clean-env.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsForm } from '../../src/core/credentials.js';
import type { ResolveHost, ResolvedAddress } from '../../src/core/net/index.js';
import { startCanaryListener, type CanaryListener } from '../core/support/canary-listener.js';
import { startRawServer, type RawServer } from '../core/support/raw-server.js';
import { finalView, openCredentialsForm, submitForm } from '../slack/flow.js';
import { SlackHarness } from '../slack/harness.js';
import { ADMIN } from '../slack/payloads.js';
import { cardText, finalReport, openDialog, submitDialog } from '../teams/flow.js';
import type { TeamsHarness } from '../teams/harness.js';
import { useTeamsSuite } from '../teams/suite.js';
import { CANARY_SECRET, CANARY_SCENARIOS, canaryScenario, expectNoCanary } from './canary.js';

/**
 * Every address trick in the Authorisation Server field, end to end through the Slack modal
 * and the Teams dialog, with HALO_ALLOW_PRIVATE_NETWORK off. A canary listener on loopback
 * (IPv4 and IPv6) counts connections: a guard that let one through would show there. Each
 * answer must name the field.
 */

const generous = { limit: 10_000, windowMs: 60_000 };
const FIELD = 'Authorisation Server';

/** Test names and what they resolve to; any other name does not resolve. */
const NAMES: Record<string, ResolvedAddress[]> = {
  'loopback.test': [{ address: '127.0.0.1', family: 4 }],
  'loopback6.test': [{ address: '::1', family: 6 }],
  'mapped.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'mixed.test': [
    { address: '93.184.215.14', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
  'metadata.test': [{ address: '169.254.169.254', family: 4 }],
  'private.test': [{ address: '10.1.2.3', family: 4 }],
};

const lookups: string[] = [];
const lookup: ResolveHost = async (hostname) => {
  lookups.push(hostname);
  const answer = NAMES[hostname];
  if (answer) return answer;
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

let canary: CanaryListener;
const port = () => canary.port;

/** Refused by the form check, before any lookup or connection. */
const REFUSED_AT_INPUT: Array<[string, () => string]> = [
  ['dotted loopback', () => `https://127.0.0.1:${port()}/auth`],
  ['loopback without a scheme', () => `127.0.0.1:${port()}/auth`],
  ['plain http to loopback', () => `http://127.0.0.1:${port()}/auth`],
  ['decimal IPv4', () => `https://2130706433:${port()}/auth`],
  ['octal IPv4', () => `https://0177.0.0.1:${port()}/auth`],
  ['octal with zero padding', () => `https://127.000.000.001:${port()}/auth`],
  ['hex IPv4', () => `https://0x7f.0.0.1:${port()}/auth`],
  ['one hex number', () => `https://0x7f000001:${port()}/auth`],
  ['short IPv4', () => `https://127.1:${port()}/auth`],
  ['IPv4 with a trailing dot', () => `https://127.0.0.1.:${port()}/auth`],
  ['percent-encoded IPv4', () => `https://%31%32%37.0.0.1:${port()}/auth`],
  ['circled digits (IDNA maps them to 127)', () => `https://①②⑦.0.0.1:${port()}/auth`],
  ['0 (the unspecified address)', () => `https://0:${port()}/auth`],
  ['0.0.0.0', () => `https://0.0.0.0:${port()}/auth`],
  ['IPv6 loopback', () => `https://[::1]:${port()}/auth`],
  ['IPv6 loopback in full', () => `https://[0:0:0:0:0:0:0:1]:${port()}/auth`],
  ['IPv6 unspecified', () => `https://[::]:${port()}/auth`],
  ['IPv4-mapped loopback', () => `https://[::ffff:127.0.0.1]:${port()}/auth`],
  ['IPv4-mapped loopback in hex', () => `https://[::ffff:7f00:1]:${port()}/auth`],
  ['IPv4-compatible loopback', () => `https://[::127.0.0.1]:${port()}/auth`],
  ['NAT64 loopback', () => `https://[64:ff9b::7f00:1]:${port()}/auth`],
  ['localhost', () => `https://localhost:${port()}/auth`],
  ['LOCALHOST', () => `https://LOCALHOST:${port()}/auth`],
  ['localhost with a trailing dot', () => `https://localhost.:${port()}/auth`],
  ['percent-encoded trailing dot', () => `https://localhost%2e:${port()}/auth`],
  ['full-width localhost', () => `https://ｌｏｃａｌｈｏｓｔ:${port()}/auth`],
  ['a .localhost name', () => `https://halo.localhost:${port()}/auth`],
  ['user-info before loopback', () => `https://halo.example.com@127.0.0.1:${port()}/auth`],
  [
    'user-info with a port before loopback',
    () => `https://halo.example.com:443@127.0.0.1:${port()}/auth`,
  ],
  ['user-info before a public name', () => 'https://admin:hunter2@halo.example.com/auth'],
  ['a backslash hiding loopback', () => `https://127.0.0.1:${port()}\\@halo.example.com/auth`],
  ['metadata', () => 'https://169.254.169.254/auth'],
  ['metadata over http', () => 'http://169.254.169.254/latest/meta-data/'],
  ['metadata as one number', () => 'https://2852039166/auth'],
  ['IPv4-mapped metadata', () => 'https://[::ffff:169.254.169.254]/auth'],
  ['AWS IPv6 metadata', () => 'https://[fd00:ec2::254]/auth'],
  ['10/8', () => 'https://10.0.0.1/auth'],
  ['172.16/12', () => 'https://172.16.0.1/auth'],
  ['192.168/16', () => 'https://192.168.1.1/auth'],
  ['100.64/10', () => 'https://100.64.0.1/auth'],
  ['169.254/16 link-local', () => 'https://169.254.1.1/auth'],
  ['fd00::/8 unique-local', () => 'https://[fd12:3456::1]/auth'],
  ['fe80::/10 link-local', () => 'https://[fe80::1]/auth'],
  ['IPv6 with a zone id', () => 'https://[fe80::1%25eth0]/auth'],
  ['a file URL', () => 'file:///etc/passwd'],
  ['a gopher URL', () => `gopher://127.0.0.1:${port()}/_`],
];

/** Pass the form check (a name), then refused at connect time by the resolved address. */
const REFUSED_AT_CONNECT: Array<[string, () => string, string]> = [
  ['a name resolving to 127.0.0.1', () => `https://loopback.test:${port()}/auth`, '127.0.0.1'],
  ['a name resolving to ::1', () => `https://loopback6.test:${port()}/auth`, '::1'],
  ['a name resolving to mapped loopback', () => `https://mapped.test:${port()}/auth`, '::ffff'],
  ['a name with a public and a loopback address', () => `https://mixed.test:${port()}/auth`, ''],
  ['a name resolving to metadata', () => 'https://metadata.test/auth', '169.254.169.254'],
  ['a name resolving to 10/8', () => 'https://private.test/auth', '10.1.2.3'],
];

const form = (authServer: string): CredentialsForm => {
  const scenario = canaryScenario('valid');
  return { authServer, clientId: scenario.clientId, clientSecret: CANARY_SECRET };
};

const teams = useTeamsSuite({ extraScenarios: CANARY_SCENARIOS });
let slack: SlackHarness;
let team: TeamsHarness;
let redirector: RawServer;

beforeAll(async () => {
  canary = await startCanaryListener();
  redirector = await startRawServer((_req, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${canary.port}/auth/token` });
    res.end();
  });
  const options = { allowPrivateNetwork: false, lookup, perWorkspaceLimit: generous };
  slack = await SlackHarness.start({ ...options, perUserLimit: generous });
  slack.fake.users.set(ADMIN, { is_admin: true });
  team = await teams.harness({}, generous, options);
});

afterAll(async () => {
  await slack.close();
  await redirector.close();
  await canary.close();
});

describe('through the Slack modal', () => {
  it.each(REFUSED_AT_INPUT)('refuses %s under the field, calling nobody', async (_name, url) => {
    const opened = await openCredentialsForm(slack);
    const ack = await submitForm(slack, opened, form(url()));
    expect(ack.status).toBe(200);
    const errors = (ack.body as { errors?: Record<string, string> }).errors ?? {};
    expect(Object.keys(errors)).toEqual(['authServer']);
    expect(errors.authServer).toMatch(new RegExp(`^${FIELD} `));
    expect(canary.count()).toBe(0);
  });

  it.each(REFUSED_AT_CONNECT)('refuses %s at connect time', async (_name, url, address) => {
    const opened = await openCredentialsForm(slack);
    const ack = await submitForm(slack, opened, form(url()));
    expect(ack.body).toMatchObject({ response_action: 'update' });
    const report = JSON.stringify(await finalView(slack, opened.viewId));
    expect(report).toContain('Refused to connect to');
    expect(report).toContain(address);
    expect(report).toContain(FIELD);
    expect(canary.count()).toBe(0);
  });
});

describe('through the Teams dialog', () => {
  it.each(REFUSED_AT_INPUT)('refuses %s above the field, calling nobody', async (_name, url) => {
    const answer = await submitDialog(team, await openDialog(team), form(url()));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ task: { type: 'continue' } });
    const problems = cardText(answer.body)
      .split('\n')
      .filter((line) => line.startsWith(`${FIELD} `));
    expect(problems).toHaveLength(1);
    expect(canary.count()).toBe(0);
  });

  it.each(REFUSED_AT_CONNECT)('refuses %s at connect time', async (_name, url, address) => {
    const answer = await submitDialog(team, await openDialog(team), form(url()));
    expect(answer.body).toMatchObject({ task: { type: 'message' } });
    const report = cardText(await finalReport(team));
    expect(report).toContain('Refused to connect to');
    expect(report).toContain(address);
    expect(report).toContain(FIELD);
    expect(canary.count()).toBe(0);
  });
});

describe('what the address guard saw', () => {
  it('looked up only the test names, each one refused, and stored nothing', async () => {
    const names = new Set(REFUSED_AT_CONNECT.map(([, url]) => new URL(url()).hostname));
    expect(new Set(lookups)).toEqual(names);
    expect(await slack.store.listConnections()).toEqual([]);
    expect(await team.store.listConnections()).toEqual([]);
  });
});

describe('a redirect to loopback, with private networks allowed', () => {
  it('is reported, never followed, on both platforms', async () => {
    const authServer = `${redirector.url}/auth`;
    const open = await SlackHarness.start({ perUserLimit: generous, perWorkspaceLimit: generous });
    try {
      open.fake.users.set(ADMIN, { is_admin: true });
      const opened = await openCredentialsForm(open);
      await submitForm(open, opened, form(authServer));
      const slackReport = JSON.stringify(await finalView(open, opened.viewId));
      expect(slackReport).toContain('HTTP 302');
      expect(slackReport).toContain(FIELD);
      await open.settle();
      expectNoCanary({
        'Slack calls (redirect)': open.fake.transcript(),
        'Slack logs (redirect)': open.logLines.join('\n'),
        'Slack answers (redirect)': open.answers.join('\n'),
        'Slack data file (redirect)': await open.storeFile(),
      });
    } finally {
      await open.close();
    }
    const openTeams = await teams.harness({}, generous, { perWorkspaceLimit: generous });
    await submitDialog(openTeams, await openDialog(openTeams), form(authServer));
    const teamsReport = cardText(await finalReport(openTeams));
    expect(teamsReport).toContain('HTTP 302');
    expect(teamsReport).toContain(FIELD);
    expect(redirector.hits.get('/auth/token')).toBe(2);
    expect(canary.count()).toBe(0);
    expectNoCanary({
      'Teams calls (redirect)': openTeams.connector.calls.map((c) => c.raw).join('\n'),
      'Teams logs (redirect)': openTeams.logLines.join('\n'),
      'Teams answers (redirect)': openTeams.answers.join('\n'),
    });
  });
});

describe('the canary secret typed into every form above', () => {
  it('is in no Slack call, Teams call, log line, HTTP answer or data file', async () => {
    await slack.settle();
    await team.settle();
    expectNoCanary({
      'Slack calls': slack.fake.transcript(),
      'Slack logs': slack.logLines.join('\n'),
      'Slack answers': slack.answers.join('\n'),
      'Slack data file': await slack.storeFile(),
      'Teams calls': team.connector.calls.map((c) => c.raw).join('\n'),
      'Teams logs': team.logLines.join('\n'),
      'Teams answers': team.answers.join('\n'),
      'Teams data file': await team.storeFile(),
    });
  });
});

describe('the canary listener', () => {
  it('counts a connection the policy allows (the detector the tests above rely on)', async () => {
    const open = await teams.harness({}, generous, { perWorkspaceLimit: generous });
    const authServer = `http://127.0.0.1:${canary.port}/auth`;
    await submitDialog(open, await openDialog(open), form(authServer));
    expect(cardText(await finalReport(open))).toContain('closed the connection');
    expect(canary.count()).toBeGreaterThan(0);
  });
});
