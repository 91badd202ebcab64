import JSZip from 'jszip';
import { ACCENT_COLOR } from './draw-icons.js';

/** The app id and the bot's public host name that go into the app manifest. */
export interface AppPackageSettings {
  /** The bot's Microsoft Entra app id (MICROSOFT_APP_ID). */
  appId: string;
  /** The public host name of the bot, without scheme or path, e.g. `halo.example.com`. */
  domain: string;
  /** Overrides the manifest's `version`. */
  version?: string;
}

export interface AppPackageFiles {
  /** The manifest as kept in `manifest/teams/manifest.json`. */
  template: Record<string, unknown>;
  colorIcon: Buffer;
  outlineIcon: Buffer;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST_NAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const SEMVER = /^\d+\.\d+\.\d+$/;
/** Every zip entry gets this date, so the same input gives the same bytes. */
const FIXED_DATE = new Date('2026-01-01T00:00:00Z');

/** Why settings cannot go into a manifest; undefined when they can. */
export function checkPackageSettings(settings: AppPackageSettings): string | undefined {
  if (!GUID.test(settings.appId)) {
    return (
      'the app id must be the bot registration’s Microsoft Entra app id, a GUID ' +
      '(MICROSOFT_APP_ID or --app-id)'
    );
  }
  if (!HOST_NAME.test(settings.domain)) {
    return (
      'the domain must be the public host name of the bot, without https:// or a path, e.g. ' +
      'halo.example.com (--domain)'
    );
  }
  if (settings.version !== undefined && !SEMVER.test(settings.version)) {
    return 'the version must look like 1.2.3 (--version)';
  }
  return undefined;
}

/** The template with the app id, the bot id, the domain and the version filled in. */
export function fillManifest(
  template: Record<string, unknown>,
  settings: AppPackageSettings,
): Record<string, unknown> {
  const manifest = structuredClone(template) as Record<string, unknown> & {
    bots?: Array<Record<string, unknown>>;
  };
  manifest.id = settings.appId;
  manifest.bots = (manifest.bots ?? []).map((bot) => ({ ...bot, botId: settings.appId }));
  manifest.validDomains = [settings.domain];
  manifest.accentColor = ACCENT_COLOR;
  if (settings.version) manifest.version = settings.version;
  return manifest;
}

/**
 * The Teams app package: `manifest.json`, `color.png` and `outline.png` at the root of a zip,
 * as the Developer Portal and "Upload a custom app" expect.
 *
 * @throws Error naming the setting to fix when the app id or domain is unusable.
 */
export async function buildAppPackage(
  files: AppPackageFiles,
  settings: AppPackageSettings,
): Promise<Buffer> {
  const problem = checkPackageSettings(settings);
  if (problem) throw new Error(problem);
  const manifest = fillManifest(files.template, settings);
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, { date: FIXED_DATE });
  zip.file('color.png', files.colorIcon, { date: FIXED_DATE });
  zip.file('outline.png', files.outlineIcon, { date: FIXED_DATE });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
