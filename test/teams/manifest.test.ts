import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { AppManifestUtils } from '@microsoft/app-manifest';
import JSZip from 'jszip';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildAppPackage,
  checkPackageSettings,
  fillManifest,
} from '../../src/bots/teams/app-package/build-app-package.js';
import { drawColorIcon, drawOutlineIcon } from '../../src/bots/teams/app-package/draw-icons.js';
import { COMMANDS } from '../../src/bots/teams/command-text.js';

const dir = new URL('../../manifest/teams/', import.meta.url);
const APP_ID = 'd3b6f1a4-5c2e-4f7a-9b8c-1e2d3f4a5b6c';

type Manifest = Parameters<typeof AppManifestUtils.validateAgainstSchema>[0];

/** Width, height, colour type and RGBA pixels of a PNG written by our encoder (filter 0). */
function decodePng(png: Buffer) {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const colorType = png.readUInt8(25);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT')
      idat.push(png.subarray(at + 8, at + 8 + length));
    at += length + 12;
  }
  const rows = inflateSync(Buffer.concat(idat));
  const pixels: number[][] = [];
  for (let y = 0; y < height; y++) {
    const row = rows.subarray(y * (width * 4 + 1), (y + 1) * (width * 4 + 1));
    expect(row[0]).toBe(0);
    for (let x = 0; x < width; x++) pixels.push([...row.subarray(1 + x * 4, 5 + x * 4)]);
  }
  return { width, height, colorType, pixels };
}

let template: Record<string, unknown>;

beforeAll(async () => {
  // The schemas ship with @microsoft/app-manifest: validation must not need the network.
  nock.disableNetConnect();
  template = JSON.parse(await readFile(new URL('manifest.json', dir), 'utf8')) as Record<
    string,
    unknown
  >;
});

afterAll(() => nock.enableNetConnect());

describe('the Teams app manifest', () => {
  it('validates offline against its published JSON schema', async () => {
    expect(template.$schema).toMatch(
      /^https:\/\/developer\.microsoft\.com\/json-schemas\/teams\/v1\.\d+\//,
    );
    expect(await AppManifestUtils.validateAgainstSchema(template as Manifest)).toEqual([]);
  });

  it('still validates with the app id and the domain filled in', async () => {
    const filled = fillManifest(template, {
      appId: APP_ID,
      domain: 'halo.example.com',
      version: '1.2.3',
    });
    expect(await AppManifestUtils.validateAgainstSchema(filled as Manifest)).toEqual([]);
    expect(filled).toMatchObject({
      id: APP_ID,
      version: '1.2.3',
      validDomains: ['halo.example.com'],
    });
  });

  it('is checked for real: a broken manifest is reported', async () => {
    const broken = {
      ...fillManifest(template, { appId: APP_ID, domain: 'halo.example.com' }),
      accentColor: 'blue',
    };
    expect(await AppManifestUtils.validateAgainstSchema(broken as Manifest)).not.toEqual([]);
  });

  it('offers the bot in personal chat, teams and group chats, with every command', () => {
    const bot = (template.bots as Array<Record<string, unknown>>)[0]!;
    expect(bot.scopes).toEqual(['personal', 'team', 'groupChat']);
    const lists = bot.commandLists as Array<{
      scopes: string[];
      commands: Array<{ title: string }>;
    }>;
    expect(lists.flatMap((l) => l.scopes).sort()).toEqual(['groupChat', 'personal', 'team']);
    for (const list of lists) expect(list.commands.map((c) => c.title)).toEqual([...COMMANDS]);
  });

  it('keeps the committed icons the same as the ones the script draws', async () => {
    expect(await readFile(new URL('color.png', dir))).toEqual(drawColorIcon());
    expect(await readFile(new URL('outline.png', dir))).toEqual(drawOutlineIcon());
  });
});

describe('the app package', () => {
  it('holds the filled manifest and the two icons at the root of the zip', async () => {
    const zip = await JSZip.loadAsync(
      await buildAppPackage(
        { template, colorIcon: drawColorIcon(), outlineIcon: drawOutlineIcon() },
        { appId: APP_ID, domain: 'halo.example.com' },
      ),
    );
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as Record<
      string,
      unknown
    >;
    expect(manifest.id).toBe(APP_ID);
    expect((manifest.bots as Array<{ botId: string }>)[0]?.botId).toBe(APP_ID);
    expect(manifest.validDomains).toEqual(['halo.example.com']);
    expect(await AppManifestUtils.validateAgainstSchema(manifest as Manifest)).toEqual([]);

    const color = decodePng(await zip.file('color.png')!.async('nodebuffer'));
    expect([color.width, color.height]).toEqual([192, 192]);
    expect(color.pixels.every((p) => p[3] === 255)).toBe(true);

    const outline = decodePng(await zip.file('outline.png')!.async('nodebuffer'));
    expect([outline.width, outline.height, outline.colorType]).toEqual([32, 32, 6]);
    const white = (p: number[]) => p[0] === 255 && p[1] === 255 && p[2] === 255 && p[3] === 255;
    expect(outline.pixels.every((p) => p[3] === 0 || white(p))).toBe(true);
    expect(outline.pixels.some((p) => p[3] === 0)).toBe(true);
    expect(outline.pixels.some(white)).toBe(true);
  });

  it('refuses settings that would make a broken package', () => {
    expect(checkPackageSettings({ appId: 'not-a-guid', domain: 'halo.example.com' })).toMatch(
      /GUID/,
    );
    expect(checkPackageSettings({ appId: APP_ID, domain: 'https://halo.example.com/' })).toMatch(
      /host name/,
    );
    expect(
      checkPackageSettings({ appId: APP_ID, domain: 'halo.example.com', version: 'v1' }),
    ).toMatch(/1\.2\.3/);
    expect(checkPackageSettings({ appId: APP_ID, domain: 'halo.example.com' })).toBeUndefined();
  });
});
