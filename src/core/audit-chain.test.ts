import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChainVerifier, GENESIS_HASH, canonicalEntry, canonicalJson, entryHash, type ChainedContent } from './audit-chain.ts';

const entry = (over: Partial<ChainedContent> = {}): ChainedContent => ({
  seq: 1,
  id: 'aud_1',
  at: new Date('2026-01-01T00:00:00.123Z'),
  actorId: 'usr_1',
  action: 'token.issued',
  workspaceId: 'ws_1',
  domain: 'acme',
  connectionId: 'conn_1',
  details: { workflowId: 'wf_1', nodeId: 'n_1' },
  prevHash: GENESIS_HASH,
  ...over,
});

test('canonical JSON sorts keys at every depth, so jsonb reordering keys changes nothing', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: null, y: 'x' }], c: true } }), '{"a":{"c":true,"d":[2,{"y":"x","z":null}]},"b":1}');
  assert.equal(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }));
  // A number survives jsonb's round trip in the form JSON.parse gives back.
  assert.equal(canonicalJson(JSON.parse(JSON.stringify({ n: 1e21, f: 0.1 })) as { n: number; f: number }), '{"f":0.1,"n":1e+21}');
});

test('the hashed form is a fixed-order array with the version tag, seq as text and ISO time', () => {
  assert.deepEqual(JSON.parse(canonicalEntry(entry())), [
    'tether.audit.v1',
    '1',
    'aud_1',
    '2026-01-01T00:00:00.123Z',
    'usr_1',
    'token.issued',
    'ws_1',
    'acme',
    'conn_1',
    '{"nodeId":"n_1","workflowId":"wf_1"}',
    GENESIS_HASH,
  ]);
  assert.match(entryHash(entry()), /^[0-9a-f]{64}$/);
});

test('every field is covered by the hash', () => {
  const base = entryHash(entry());
  const changes: Partial<ChainedContent>[] = [
    { seq: 2 },
    { id: 'aud_2' },
    { at: new Date('2026-01-01T00:00:00.124Z') },
    { actorId: null },
    { action: 'connection.created' },
    { workspaceId: null },
    { domain: 'other' },
    { connectionId: null },
    { details: { workflowId: 'wf_2', nodeId: 'n_1' } },
    { prevHash: 'f'.repeat(64) },
  ];
  for (const change of changes) assert.notEqual(entryHash(entry(change)), base, JSON.stringify(change));
  // null and the string "null" are different values, not the same text.
  assert.notEqual(entryHash(entry({ actorId: null })), entryHash(entry({ actorId: 'null' })));
});

test('the verifier accepts a chain, and names the first edit or gap', () => {
  const chain: (ChainedContent & { hash: string })[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= 4; seq++) {
    const e = entry({ seq, id: `aud_${seq}`, prevHash: prev });
    const hash = entryHash(e);
    chain.push({ ...e, hash });
    prev = hash;
  }
  const run = (entries: typeof chain): number | null => {
    const v = new ChainVerifier();
    for (const e of entries) if (!v.check(e)) return e.seq;
    return null;
  };
  assert.equal(run(chain), null);
  assert.equal(run(chain.map((e) => (e.seq === 3 ? { ...e, details: { workflowId: 'forged' } } : e))), 3);
  assert.equal(run(chain.filter((e) => e.seq !== 2)), 3);
  assert.equal(run(chain.slice(1)), 2, 'a deleted first entry leaves the new first entry pointing at nothing');
});
