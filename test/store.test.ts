import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReady, migrateToLatest } from '../src/store/db.ts';
import { createTestStore, testDbKind } from './helpers/db.ts';

test(`migrations apply once and readiness reflects them (${testDbKind})`, async () => {
  const store = await createTestStore({ migrate: false });
  try {
    assert.equal((await checkReady(store.db)).ready, false);
    const first = await migrateToLatest(store.db);
    assert.ok((first.results ?? []).length > 0);
    const second = await migrateToLatest(store.db);
    assert.equal((second.results ?? []).length, 0, 'a second run applies nothing');
    assert.deepEqual(await checkReady(store.db), { ready: true });
  } finally {
    await store.close();
  }
});
