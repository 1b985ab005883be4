// `npm run prepare:env`: install, create database and roles, generate, migrate.
import { prepare, log } from './lib.mjs';

try {
  await prepare();
  log('ready');
} catch (error) {
  process.stderr.write(`[rampart] ${error.message}\n`);
  process.exit(1);
}
