import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every file under DATA_DIR (the snapshot, the journal, the key file, any temporary file),
 * by path relative to it, as text. For searches that must miss nothing the store wrote.
 */
export async function dataDirFiles(dataDir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const entries = await readdir(dataDir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path.slice(dataDir.length + 1)] = await readFile(path, 'utf8');
  }
  return files;
}

/** {@link dataDirFiles}, joined into one text, each file after a line naming it. */
export async function dataDirText(dataDir: string): Promise<string> {
  const files = await dataDirFiles(dataDir);
  return Object.entries(files)
    .map(([name, text]) => `== ${name}\n${text}`)
    .join('\n');
}
