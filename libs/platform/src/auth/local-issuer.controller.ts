import { BadRequestException, Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { DEV_TOKEN_MAX_TTL_SECONDS, type DevTokenClaims, LocalIssuer } from './local-issuer';
import { Public } from './public.decorator';

// Deliberately loose (one @, no spaces, a dot in the domain): the point is to
// catch swapped fields and typos in a development tool, not to police RFC 5322.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function badRequest(message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message });
}

function requiredString(body: Record<string, unknown>, field: string, max: number): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`${field} is required and must be a non-empty string`);
  if (value.length > max) throw badRequest(`${field} must be at most ${max} characters`);
  return value;
}

/** Validates the body of POST /auth/dev/token; the message names the offending field. */
export function parseDevTokenRequest(body: unknown): DevTokenClaims {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('body must be a JSON object with sub, email and optionally name, email_verified');
  }
  const input = body as Record<string, unknown>;
  const sub = requiredString(input, 'sub', 255);
  const email = requiredString(input, 'email', 320);
  if (!EMAIL_SHAPE.test(email)) throw badRequest('email must be an email address');
  const claims: DevTokenClaims = { sub, email };
  if (input.name !== undefined && input.name !== null) {
    if (typeof input.name !== 'string') throw badRequest('name must be a string');
    if (input.name.length > 200) throw badRequest('name must be at most 200 characters');
    claims.name = input.name;
  }
  if (input.email_verified !== undefined) {
    if (typeof input.email_verified !== 'boolean') throw badRequest('email_verified must be true or false');
    claims.emailVerified = input.email_verified;
  }
  if (input.expiresInSeconds !== undefined) {
    const ttl = input.expiresInSeconds;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > DEV_TOKEN_MAX_TTL_SECONDS) {
      throw badRequest(`expiresInSeconds must be a whole number between 1 and ${DEV_TOKEN_MAX_TTL_SECONDS}`);
    }
    claims.expiresInSeconds = ttl;
  }
  return claims;
}

/**
 * The local issuer's HTTP face. Only registered by AuthModule.forRoot() when no
 * external issuer is configured outside production, so in production these
 * routes do not exist at all (404), rather than existing and refusing.
 */
@Public()
@Controller()
export class LocalIssuerController {
  constructor(private readonly issuer: LocalIssuer) {}

  @Get('.well-known/jwks.json')
  @Header('cache-control', 'public, max-age=300')
  jwks(): ReturnType<LocalIssuer['jwks']> {
    return this.issuer.jwks();
  }

  @Post('auth/dev/token')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  token(@Body() body: unknown): { accessToken: string } {
    return { accessToken: this.issuer.issue(parseDevTokenRequest(body)) };
  }
}
