import type { FormMode } from '../../core/messages.js';

/**
 * The non-secret context a modal carries in `private_metadata`: the channel the flow started
 * in (status posts go there) and the form mode. Never a field value, never the secret.
 */
export interface ModalMetadata {
  channelId?: string;
  mode: FormMode;
}

/** Serialises the metadata in a compact, versioned form (Slack allows 3000 characters). */
export function encodeModalMetadata(meta: ModalMetadata): string {
  return JSON.stringify({ v: 1, c: meta.channelId, m: meta.mode });
}

/** Reads metadata back; anything unexpected gives a safe default instead of an error. */
export function decodeModalMetadata(raw: string | undefined): ModalMetadata {
  try {
    const parsed = JSON.parse(raw ?? '') as { c?: unknown; m?: unknown };
    const channelId =
      typeof parsed.c === 'string' && /^[CDG][A-Z0-9]{2,40}$/.test(parsed.c) ? parsed.c : undefined;
    return { channelId, mode: parsed.m === 'rotate' ? 'rotate' : 'connect' };
  } catch {
    return { mode: 'connect' };
  }
}
