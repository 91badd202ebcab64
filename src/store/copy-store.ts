import { ErrorCode, HaloConnectError } from '../core/errors.js';
import { SNAPSHOT_KINDS, type SnapshotStore, type StoreSnapshot } from './store-snapshot.js';

/** How many records of each kind were copied. */
export type CopyCounts = Record<keyof StoreSnapshot, number>;

/**
 * Copies every lasting record from one store to another, envelopes exactly as stored, so no
 * key is needed and nothing is decrypted. The target is written in one step.
 *
 * Throws HaloConnectError(Conflict) when the target already holds records and `force` is
 * not set; with `force`, records with the same id are replaced and the others kept.
 */
export async function copyStore(
  from: SnapshotStore,
  to: SnapshotStore,
  options: { force?: boolean } = {},
): Promise<CopyCounts> {
  if (!options.force && !(await to.isEmpty())) {
    throw new HaloConnectError(
      ErrorCode.Conflict,
      'the target store already holds records; copy into an empty one, or pass --force to ' +
        'merge (records with the same id are replaced, the others kept)',
    );
  }
  const snapshot = await from.exportSnapshot();
  await to.importSnapshot(snapshot);
  const counts = {} as CopyCounts;
  for (const kind of SNAPSHOT_KINDS) counts[kind] = snapshot[kind].length;
  return counts;
}
