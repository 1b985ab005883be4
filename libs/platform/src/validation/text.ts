// The id check lives in @rampart/common so pure libraries share it; re-exported for platform's users.
export { isUuid } from '@rampart/common';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why a text cannot be stored, or null when it can. PostgreSQL refuses NUL in text
 * (a 500 if it got that far) and a lone UTF-16 surrogate is not a character at all
 * (UTF-8 encoders replace it silently): both are refused at the door instead.
 */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (it contains a lone surrogate)';
  return null;
}
