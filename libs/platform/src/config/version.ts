import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findWorkspaceRoot } from './workspace-root';

/** The release version: the workspace package.json's, so there is one place to bump it. */
export const RAMPART_VERSION: string = JSON.parse(
  readFileSync(path.join(findWorkspaceRoot(), 'package.json'), 'utf8'),
).version;
