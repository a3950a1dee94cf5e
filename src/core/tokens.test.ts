import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, isFresh, missingScopes, refreshBufferMs, refreshDueAt } from './tokens.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);

test('the refresh buffer is the smaller of 60 s and half the lifetime', () => {
  assert.equal(refreshBufferMs(at(0), at(3600)), 60_000);
  assert.equal(refreshBufferMs(at(0), at(120)), 60_000);
  assert.equal(refreshBufferMs(at(0), at(30)), 15_000, 'a 30 s token is refreshed after 15 s, not on every use');
  assert.equal(refreshBufferMs(at(0), at(2)), 1_000);
  assert.equal(refreshBufferMs(at(10), at(0)), 0, 'an already-expired answer has no buffer');
});

test('refresh is due at expiry minus the buffer; a token without expiry never is', () => {
  assert.deepEqual(refreshDueAt(at(0), at(3600)), at(3540));
  assert.equal(refreshDueAt(at(0), null), null);
  assert.equal(isFresh(at(3539), at(3540)), true);
  assert.equal(isFresh(at(3540), at(3540)), false);
  assert.equal(isFresh(at(99999), null), true);
});

test('backoff grows exponentially with jitter, is capped, and honours a longer Retry-After', () => {
  assert.equal(backoffMs(1, undefined, () => 0), 2_500);
  assert.equal(backoffMs(1, undefined, () => 1), 5_000);
  assert.equal(backoffMs(3, undefined, () => 1), 20_000);
  assert.equal(backoffMs(30, undefined, () => 1), 15 * 60_000);
  assert.equal(backoffMs(1, 120, () => 0), 120_000);
});

test('missing scopes are named, each once', () => {
  assert.deepEqual(missingScopes(['a', 'b'], ['b', 'c', 'c', 'd']), ['c', 'd']);
  assert.deepEqual(missingScopes(['a'], []), []);
});
