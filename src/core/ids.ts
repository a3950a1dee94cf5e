import { randomBytes } from 'node:crypto';

/** An opaque id: a short type prefix and 128 random bits (API.md: ids are opaque strings). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
