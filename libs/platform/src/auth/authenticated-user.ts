/** The caller behind a validated bearer token, as stored in the `user` table. */
export interface AuthenticatedUser {
  id: string;
  subject: string;
  email: string;
  /** The issuer vouched for `email` and no other user holds it verified: only then can roles find this user by e-mail. */
  emailVerified: boolean;
  name: string | null;
}

/** What clients are told whenever authentication fails: the reason is logged, never returned. */
export const AUTH_REQUIRED_MESSAGE = 'Authentication required';
export const INVALID_TOKEN_MESSAGE = 'Invalid or expired token';
export const UNAUTHENTICATED = 'UNAUTHENTICATED';
