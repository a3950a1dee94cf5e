import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Secret } from './core/secret.ts';
import { createLogger, safeUrl } from './log.ts';

test('the logger redacts authorization headers, cookies, Secrets and fields named like token/secret/password/code', () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  logger.info(
    {
      req: { method: 'GET', url: '/oauth/callback?code=SECRET-CODE&state=SECRET-STATE', headers: { authorization: 'Bearer SECRET-BEARER', cookie: 'tether_session=SECRET-COOKIE' } },
      refreshToken: 'SECRET-RT',
      nested: { client_secret: 'SECRET-CS', password: 'SECRET-PW', code_verifier: 'SECRET-V', apiKey: 'SECRET-K' },
      wrapped: new Secret('SECRET-WRAPPED'),
      list: [{ access_token: 'SECRET-AT' }],
      harmless: 'visible-value',
      statusCode: 200,
    },
    'hello',
  );
  const out = lines.join('');
  assert.doesNotMatch(out, /SECRET-/);
  assert.match(out, /visible-value/);
  assert.match(out, /"statusCode":200/);
  assert.match(out, /\[redacted\]/);
});

test('URLs are logged without their query string', () => {
  assert.equal(safeUrl('/oauth/callback?code=abc&state=def'), '/oauth/callback?[query redacted]');
  assert.equal(safeUrl('/api/v1/me'), '/api/v1/me');
});
