import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

// Private keys kept in files (the local issuer's, the change-log signer's): read as
// text, or created exactly once with owner-only permissions.

/** The file's text, or undefined when it does not exist (any other error is thrown). */
export async function readKeyFileText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes `content` to `file` (mode 0600, its folder 0700) unless the file exists. Two
 * processes starting together end up with the same file: each writes under a private
 * name, then hard-links it into place, which fails for the second (its content is
 * dropped, and it reads the first one's).
 */
export async function createKeyFileOnce(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, content, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
