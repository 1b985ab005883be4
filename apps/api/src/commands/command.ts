import { ConfigError, isUuid } from '@rampart/platform';

// What the operator commands (audit:verify, audit:checkpoint) share: how they read a
// tenant argument and how they end.

/** A wrong command line: its message is the usage line, printed as it is. */
export class UsageError extends Error {}

/** `--tenant <uuid>` or `--tenant=<uuid>`; at `argv[i]`, returning how many arguments it took (0 when it is not one). */
export function tenantOption(argv: string[], i: number, usage: string): { tenantId: string; taken: number } | null {
  const arg = argv[i];
  if (arg !== '--tenant' && !arg.startsWith('--tenant=')) return null;
  const value = arg === '--tenant' ? argv[i + 1] : arg.slice('--tenant='.length);
  if (!isUuid(value)) throw new UsageError(usage);
  return { tenantId: value, taken: arg === '--tenant' ? 2 : 1 };
}

/**
 * Runs a command's `main` and exits with its code; a usage or configuration error is its
 * one-line message and exit 2, anything else `<name> failed: …` and exit 2.
 */
export function runCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error) => {
      if (error instanceof UsageError || error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
      else process.stderr.write(`${name} failed: ${error instanceof Error ? error.message : error}\n`);
      process.exit(2);
    },
  );
}
