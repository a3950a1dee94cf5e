import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GENESIS_HASH, type JsonValue } from './audit-chain.ts';
import { GROUP_MAX, GROUP_SPAN_MS, entryCount, expandEntry, firstEntryId, groupEntries, type PendingEntry, type StoredEntry } from './audit-groups.ts';

const t0 = Date.parse('2026-01-01T00:00:00.000Z');

const ask = (ms: number, over: Partial<PendingEntry> = {}, details: Record<string, JsonValue> = {}): PendingEntry => ({
  at: new Date(t0 + ms),
  actorId: 'usr_1',
  action: 'token.issued',
  workspaceId: 'ws_1',
  domain: 'acme',
  connectionId: 'conn_1',
  details,
  ...over,
});

function ids(): () => string {
  let n = 0;
  return () => `aud_${++n}`;
}

const chained = (row: StoredEntry, seq: number) => ({ ...row, seq, prevHash: GENESIS_HASH });

test('asks of one actor for one connection share a row; the row lists each with its offset and details', () => {
  const rows = groupEntries([ask(0, {}, { workflowId: 'wf_1', nodeId: 'n_1' }), ask(5), ask(7, {}, { workflowId: 'wf_2' }), ask(9, {}, { nodeId: 'n_3' })], ids());
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0], {
    id: 'aud_1',
    at: new Date(t0),
    actorId: 'usr_1',
    action: 'token.issued',
    workspaceId: 'ws_1',
    domain: 'acme',
    connectionId: 'conn_1',
    details: { issued: [[0, 'wf_1', 'n_1'], [5], [7, 'wf_2'], [9, null, 'n_3']] },
  });
});

test('a different actor, connection, workspace or domain opens its own row', () => {
  const rows = groupEntries(
    [ask(0), ask(1, { actorId: 'usr_2' }), ask(2, { connectionId: 'conn_2' }), ask(3, { workspaceId: 'ws_2' }), ask(4, { domain: 'other' }), ask(5), ask(6, { actorId: 'usr_2' })],
    ids(),
  );
  assert.deepEqual(
    rows.map((r) => [r.actorId, r.connectionId, r.workspaceId, r.domain, entryCount(r)]),
    [
      ['usr_1', 'conn_1', 'ws_1', 'acme', 2],
      ['usr_2', 'conn_1', 'ws_1', 'acme', 2],
      ['usr_1', 'conn_2', 'ws_1', 'acme', 1],
      ['usr_1', 'conn_1', 'ws_2', 'acme', 1],
      ['usr_1', 'conn_1', 'ws_1', 'other', 1],
    ],
  );
});

test('another kind of entry ends every open group and keeps its place in the order', () => {
  const refreshed: PendingEntry = { ...ask(3), action: 'connection.refreshed', details: { rotated: true } };
  const rows = groupEntries([ask(0), ask(1, { connectionId: 'conn_2' }), ask(2), refreshed, ask(4)], ids());
  assert.deepEqual(
    rows.map((r) => [r.id, r.action, r.connectionId, r.details]),
    [
      ['aud_1', 'token.issued', 'conn_1', { issued: [[0], [2]] }],
      ['aud_2', 'token.issued', 'conn_2', { issued: [[0]] }],
      ['aud_3', 'connection.refreshed', 'conn_1', { rotated: true }],
      ['aud_4', 'token.issued', 'conn_1', { issued: [[0]] }],
    ],
  );
});

test('a row spans at most GROUP_SPAN_MS after its first ask, never goes back in time, and holds at most GROUP_MAX asks', () => {
  const span = groupEntries([ask(0), ask(GROUP_SPAN_MS), ask(GROUP_SPAN_MS + 1), ask(GROUP_SPAN_MS - 1)], ids());
  assert.deepEqual(
    span.map((r) => [r.at.getTime() - t0, r.details]),
    [
      [0, { issued: [[0], [GROUP_SPAN_MS]] }],
      [GROUP_SPAN_MS + 1, { issued: [[0]] }],
      [GROUP_SPAN_MS - 1, { issued: [[0]] }],
    ],
  );
  const many = groupEntries(Array.from({ length: GROUP_MAX + 1 }, () => ask(0)), ids());
  assert.deepEqual(many.map(entryCount), [GROUP_MAX, 1]);
});

test('expanding a row gives back every ask, newest first, with ids <row>.<n>; `below` continues inside it', () => {
  const [row] = groupEntries([ask(0, {}, { workflowId: 'wf_1', nodeId: 'n_1' }), ask(5), ask(9, {}, { nodeId: 'n_3' })], ids());
  assert.ok(row);
  const stored = chained(row, 42);
  const all = expandEntry(stored);
  assert.deepEqual(
    all.map((e) => [e.id, e.at.getTime() - t0, e.details, e.seq, e.index]),
    [
      ['aud_1.2', 9, { nodeId: 'n_3' }, 42, 2],
      ['aud_1.1', 5, {}, 42, 1],
      ['aud_1.0', 0, { workflowId: 'wf_1', nodeId: 'n_1' }, 42, 0],
    ],
  );
  assert.ok(all.every((e) => e.actorId === 'usr_1' && e.connectionId === 'conn_1' && e.action === 'token.issued' && e.domain === 'acme' && e.workspaceId === 'ws_1'));
  assert.deepEqual(expandEntry(stored, 2).map((e) => e.id), ['aud_1.1', 'aud_1.0']);
  assert.deepEqual(expandEntry(stored, 0), []);
  assert.equal(entryCount(stored), 3);
  assert.equal(firstEntryId(stored), 'aud_1.0');
});

test('a row written before grouping (one ask, details as they were) reads as that one entry', () => {
  const old = { ...chained({ id: 'aud_old', ...ask(0, {}, { workflowId: 'wf_1' }) }, 7) };
  assert.deepEqual(expandEntry(old).map((e) => [e.id, e.details, e.index]), [['aud_old', { workflowId: 'wf_1' }, 0]]);
  assert.equal(entryCount(old), 1);
  assert.equal(firstEntryId(old), 'aud_old');
  const other = chained({ id: 'aud_x', ...ask(0), action: 'member.added', details: { issued: [[0], [1]] } }, 8);
  assert.equal(entryCount(other), 1, 'only token.issued rows are grouped');
});
