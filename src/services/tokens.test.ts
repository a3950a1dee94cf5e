import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret } from '../core/secret.ts';
import { TokenCache } from './tokens.ts';

test('the token cache serves an entry only for the same sealed value and only until expiry minus the buffer', () => {
  const cache = new TokenCache(2);
  const t0 = new Date('2026-01-01T00:00:00Z');
  cache.set('c1', 'sealed-a', new Secret('token-a'), new Date(t0.getTime() + 60_000));
  assert.equal(cache.get('c1', 'sealed-a', t0)?.reveal(), 'token-a');
  assert.equal(cache.get('c1', 'sealed-b', t0), undefined, 'a new sealed token (refresh) never meets the old entry');
  assert.equal(cache.get('c1', 'sealed-a', new Date(t0.getTime() + 60_000)), undefined, 'gone at its due time');
  assert.equal(cache.size, 0, 'and dropped');
});

test('the token cache is bounded: the oldest entry goes first', () => {
  const cache = new TokenCache(2);
  const now = new Date();
  for (const id of ['a', 'b', 'c']) cache.set(id, `s-${id}`, new Secret(id), null);
  assert.equal(cache.size, 2);
  assert.equal(cache.get('a', 's-a', now), undefined);
  assert.equal(cache.get('c', 's-c', now)?.reveal(), 'c');
  cache.drop('c');
  assert.equal(cache.get('c', 's-c', now), undefined, 'dropped on disconnect');
});
