import { createHash, randomBytes } from 'node:crypto';

/** A new sensor credential: shown once to the caller, stored only as its hash. */
export function newSensorToken(): string {
  return `rmp_${randomBytes(32).toString('base64url')}`;
}

/** What is stored and looked up: a fast hash suffices because the token carries 256 random bits. */
export function hashSensorToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
