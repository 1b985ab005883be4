import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new sensor credential: shown once to the caller, stored only as its hash. */
export function newSensorToken(): string {
  return `rmp_${randomBytes(32).toString('base64url')}`;
}

/** What is stored and looked up: a fast hash suffices because the token carries 256 random bits. */
export function hashSensorToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const TOKEN_SHAPE = /^rmp_[A-Za-z0-9_-]{43}$/;

/**
 * Whether `presented` is the token whose hash is `storedHash`. The comparison takes
 * the same time wherever the hashes differ (timingSafeEqual), and malformed input is
 * refused before hashing. Sensor authentication (the delivery context) uses this.
 */
export function sensorTokenMatches(presented: string, storedHash: string): boolean {
  if (!TOKEN_SHAPE.test(presented) || !/^[0-9a-f]{64}$/.test(storedHash)) return false;
  return timingSafeEqual(Buffer.from(hashSensorToken(presented), 'hex'), Buffer.from(storedHash, 'hex'));
}
