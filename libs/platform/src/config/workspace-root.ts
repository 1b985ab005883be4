import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The directory holding the workspace's package.json: the nearest one above this file.
 * The same answer whether the sources run (libs/platform/src/config) or the build does
 * (dist/libs/platform/src/config, whose dist/ has no package.json), in a checkout or in the image.
 */
export function findWorkspaceRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
