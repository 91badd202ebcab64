import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildAppPackage } from '../bots/teams/app-package/build-app-package.js';
import { drawColorIcon, drawOutlineIcon } from '../bots/teams/app-package/draw-icons.js';

const MANIFEST_DIR = resolve(import.meta.dirname, '../../manifest/teams');

const USAGE = `Usage: npm run package:teams -- --domain <public host name> [options]

Writes the Teams app package (manifest.json, color.png, outline.png in a zip) with the app id
and the bot's domain filled in.

  --domain <host>     public host name of the bot, e.g. halo.example.com (required)
  --app-id <guid>     the bot's Microsoft Entra app id (default: MICROSOFT_APP_ID)
  --version <x.y.z>   app version (default: the manifest's)
  --out <file>        where to write the zip (default: dist/halo-connect-teams.zip)
  --icons             redraw manifest/teams/color.png and outline.png first
  --help              this text`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      domain: { type: 'string' },
      'app-id': { type: 'string' },
      version: { type: 'string' },
      out: { type: 'string', default: 'dist/halo-connect-teams.zip' },
      icons: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.icons) {
    await writeFile(join(MANIFEST_DIR, 'color.png'), drawColorIcon());
    await writeFile(join(MANIFEST_DIR, 'outline.png'), drawOutlineIcon());
    console.log(`icons written to ${MANIFEST_DIR}`);
  }
  const appId = values['app-id'] ?? process.env.MICROSOFT_APP_ID ?? '';
  const domain = values.domain ?? '';
  const template = JSON.parse(
    await readFile(join(MANIFEST_DIR, 'manifest.json'), 'utf8'),
  ) as Record<string, unknown>;
  const zip = await buildAppPackage(
    {
      template,
      colorIcon: await readFile(join(MANIFEST_DIR, 'color.png')),
      outlineIcon: await readFile(join(MANIFEST_DIR, 'outline.png')),
    },
    { appId: appId.trim(), domain: domain.trim().toLowerCase(), version: values.version },
  );
  const out = resolve(values.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, zip);
  console.log(
    `Teams app package written to ${out} (app id ${appId.trim()}, domain ${domain.trim()})`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`package:teams: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exit(1);
  },
);
