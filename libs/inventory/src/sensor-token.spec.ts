import { hashSensorToken, newSensorToken, sensorTokenMatches } from './sensor-token';

describe('sensor tokens', () => {
  it('are 256 random bits, distinct each time, and stored only as a SHA-256 hash', () => {
    const a = newSensorToken();
    const b = newSensorToken();
    expect(a).toMatch(/^rmp_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(hashSensorToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSensorToken(a)).not.toContain(a.slice(4));
  });

  it('match only their own hash', () => {
    const token = newSensorToken();
    const stored = hashSensorToken(token);
    expect(sensorTokenMatches(token, stored)).toBe(true);
    expect(sensorTokenMatches(newSensorToken(), stored)).toBe(false);
    expect(sensorTokenMatches(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, stored)).toBe(false);
  });

  it('refuse malformed tokens and hashes without throwing', () => {
    const stored = hashSensorToken(newSensorToken());
    for (const bad of ['', 'rmp_', 'Bearer x', 'rmp_' + 'a'.repeat(100), 'x'.repeat(47)]) {
      expect(sensorTokenMatches(bad, stored)).toBe(false);
    }
    expect(sensorTokenMatches(newSensorToken(), 'not-a-hash')).toBe(false);
  });
});
