// Parameter checks JSON schema cannot express for capabilities and trusted-registries
// (RULES.md): capability names are normalised to the kernel's spelling without the
// CAP_ prefix or refused when no such capability exists, and registry patterns are
// globs only — a regular expression is refused with the glob to write instead, since
// stored as a glob it would match no image and, in a Block policy, deny them all.

/**
 * Every Linux capability (include/uapi/linux/capability.h, Linux 6.x: 0 CHOWN …
 * 40 CHECKPOINT_RESTORE), as Kubernetes spells them in securityContext.capabilities,
 * plus ALL, which container runtimes read as every capability.
 */
export const LINUX_CAPABILITIES: readonly string[] = Object.freeze([
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
  'ALL',
]);

const CAPABILITY_SET: ReadonlySet<string> = new Set(LINUX_CAPABILITIES);

/** `cap_net_raw`, `CAP_NET_RAW`, ` net_raw ` → `NET_RAW`; undefined when no such capability exists. */
export function normaliseCapabilityName(raw: string): string | undefined {
  const name = raw.trim().toUpperCase().replace(/^CAP_/, '');
  return CAPABILITY_SET.has(name) ? name : undefined;
}

// What an image reference can contain (registry host[:port], path, :tag, @digest), plus
// the glob's `*`. Anything else — ^ $ \ ( ) [ ] { } | + ? space — can never match an
// image as written, so a pattern holding it is a mistake (usually a regular expression).
const GLOB_CHARACTERS = /^[A-Za-z0-9._\-/:@*]+$/;
// `.*` where a registry, path component or tag starts: none of them can start with a
// dot, so this is the regex idiom for "anything", which in a glob matches nothing.
const REGEX_WILDCARD_AT_START = /(^|[/:@])\.\*/;

export interface ImagePatternProblem {
  /** Why the pattern is refused. */
  reason: string;
  /** The glob that most likely says what was meant, when one can be derived. */
  suggestion?: string;
}

function glob(pattern: string): boolean {
  return GLOB_CHARACTERS.test(pattern) && !REGEX_WILDCARD_AT_START.test(pattern);
}

/** Best-effort reading of a regular expression as the glob it meant (`^myacr\.azurecr\.io/.*$` → `myacr.azurecr.io/**`). */
export function regexToImageGlob(pattern: string): string | undefined {
  const candidate = pattern
    .trim()
    .replace(/^\^/, '')
    .replace(/\$$/, '')
    .replace(/\.[*+]/g, '**')
    .replace(/\\(.)/g, '$1');
  return candidate !== '' && glob(candidate) ? candidate.replace(/\*{3,}/g, '**') : undefined;
}

/** Undefined for a glob RULES.md allows; otherwise why not, and the glob to write instead when one can be derived. */
export function imagePatternProblem(pattern: string): ImagePatternProblem | undefined {
  if (glob(pattern)) return undefined;
  const suggestion = regexToImageGlob(pattern);
  const reason = GLOB_CHARACTERS.test(pattern)
    ? 'starts a registry, path or tag with .*, a regular expression that as a glob matches no image'
    : 'contains characters no image reference has (a regular expression?)';
  return suggestion === undefined ? { reason } : { reason, suggestion };
}
