import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect, format } from 'node:util';
import { Secret } from './secret.ts';

test('a Secret never prints its value', () => {
  const s = new Secret('hunter2-very-secret');
  const outputs = [
    String(s),
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- exactly the accident this type guards against
    `${s}`,
    JSON.stringify({ s }),
    inspect(s),
    inspect({ nested: { s } }, { depth: 10 }),
    format('%s %o %O %j', s, s, s, { s }),
  ];
  for (const out of outputs) {
    assert.ok(!out.includes('hunter2'), out);
    assert.ok(out.includes('[redacted]'), out);
  }
  assert.equal(s.reveal(), 'hunter2-very-secret');
});
