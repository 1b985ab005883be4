import { RuleParameterError } from './types';
import { validateRuleParameters } from './catalog';
import { imagePatternProblem, LINUX_CAPABILITIES, normaliseCapabilityName, regexToImageGlob } from './parameter-checks';

function errorOf(run: () => unknown): RuleParameterError {
  try {
    run();
  } catch (e) {
    if (e instanceof RuleParameterError) return e;
    throw e;
  }
  throw new Error('expected a RuleParameterError');
}

describe('capability names', () => {
  it('lists the 41 Linux capabilities (CHOWN … CHECKPOINT_RESTORE) and ALL', () => {
    expect(LINUX_CAPABILITIES).toHaveLength(42);
    expect(LINUX_CAPABILITIES[0]).toBe('CHOWN');
    expect(LINUX_CAPABILITIES[40]).toBe('CHECKPOINT_RESTORE');
  });

  it.each([
    ['NET_RAW', 'NET_RAW'],
    ['net_raw', 'NET_RAW'],
    ['cap_net_raw', 'NET_RAW'],
    ['CAP_NET_RAW', 'NET_RAW'],
    [' Cap_Sys_Admin ', 'SYS_ADMIN'],
    ['all', 'ALL'],
  ])('normalises %p to %p', (raw, name) => {
    expect(normaliseCapabilityName(raw)).toBe(name);
  });

  it.each(['NET_RAWW', 'CAP_', 'SYS-ADMIN', 'CAP_CAP_CHOWN', 'root', '*'])('knows no capability %p', (raw) => {
    expect(normaliseCapabilityName(raw)).toBeUndefined();
  });

  it('validation stores the normalised names, once each, in the order given', () => {
    expect(validateRuleParameters('capabilities', { allowedCapabilities: ['cap_net_raw', 'CHOWN', 'CAP_NET_RAW', 'net_bind_service'] })).toEqual({
      allowedCapabilities: ['NET_RAW', 'CHOWN', 'NET_BIND_SERVICE'],
      requireDropAll: false,
    });
  });

  it('refuses an unknown capability, naming rule, field and the known names', () => {
    const error = errorOf(() => validateRuleParameters('capabilities', { allowedCapabilities: ['CHOWN', 'NET_RAWW'] }));
    expect(error.field).toBe('allowedCapabilities[1]');
    expect(error.message).toMatch(/^rule 'capabilities': parameter 'allowedCapabilities\[1\]' is not a Linux capability: "NET_RAWW" \(known: CHOWN, /);
  });
});

describe('registry patterns', () => {
  it.each([
    'myacr.azurecr.io/**',
    'docker.io/library/*',
    'ghcr.io/acme/app:v1.*',
    'localhost:5000/app@sha256:*',
    '123456789123.dkr.ecr.eu-west-1.amazonaws.com/postgres',
    'ubuntu:20.14',
    'Registry.example/App_1:Tag-1',
    '**',
  ])('accepts the glob %p', (pattern) => {
    expect(imagePatternProblem(pattern)).toBeUndefined();
    expect(validateRuleParameters('trusted-registries', { allowedPatterns: [pattern] }).allowedPatterns).toEqual([pattern]);
  });

  // Hand-written: pattern → the glob suggested in its place (undefined: none can be derived).
  it.each([
    ['^myacr\\.azurecr\\.io/.*$', 'myacr.azurecr.io/**'],
    ['myacr\\.azurecr\\.io/.*', 'myacr.azurecr.io/**'],
    ['myacr.azurecr.io/.*', 'myacr.azurecr.io/**'],
    ['^docker\\.io/library/.+$', 'docker.io/library/**'],
    ['.*', '**'],
    ['^ghcr\\.io/acme/app:.*$', 'ghcr.io/acme/app:**'],
    ['(docker|ghcr)\\.io/.*', undefined],
    ['ghcr.io/acme/[a-z]+', undefined],
    ['ghcr.io/acme/app?', undefined],
    ['ghcr.io/acme/app ', 'ghcr.io/acme/app'],
  ])('refuses %p, suggesting %p', (pattern, suggestion) => {
    const problem = imagePatternProblem(pattern);
    expect(problem).toBeDefined();
    expect(problem?.suggestion).toBe(suggestion);
    expect(regexToImageGlob(pattern)).toBe(suggestion);
  });

  it('refuses through validation with a message that shows the glob to write', () => {
    const error = errorOf(() => validateRuleParameters('trusted-registries', { allowedPatterns: ['ghcr.io/**', '^myacr\\.azurecr\\.io/.*$'] }));
    expect(error.field).toBe('allowedPatterns[1]');
    expect(error.message).toBe(
      "rule 'trusted-registries': parameter 'allowedPatterns[1]' \"^myacr\\\\.azurecr\\\\.io/.*$\" contains characters no image reference has " +
        '(a regular expression?); patterns are globs, not regular expressions: * matches within a path segment and ** across segments — ' +
        'write "myacr.azurecr.io/**" instead',
    );
    const generic = errorOf(() => validateRuleParameters('trusted-registries', { allowedPatterns: ['(a|b)/*'] }));
    expect(generic.message).toMatch(/write such as "myacr.azurecr.io\/\*\*" instead$/);
  });
});
