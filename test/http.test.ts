import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, createTestApp, type TestApp } from './helpers/app.ts';
import { testDbKind } from './helpers/db.ts';

describe(`HTTP conventions and operations on ${testDbKind}`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  test('GET /healthz → 200', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('GET /readyz → 200 when the database answers and migrations are applied', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ready' });
  });

  test('unknown route → JSON 404 in the error shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' });
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /application\/json/);
    const body = res.json<{ error: { code: string; message: string } }>();
    assert.equal(body.error.code, 'not_found');
    assert.equal(typeof body.error.message, 'string');
  });

  test('malformed JSON → 400 invalid_request, never 500', async () => {
    for (const payload of ['{"email":', '{bad json}', '[1,2', 'null']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json', origin: t.config.publicOrigin },
        payload,
      });
      assert.equal(res.statusCode, 400, payload);
      assert.equal(res.json<{ error: { code: string } }>().error.code, 'invalid_request', payload);
    }
    const empty = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '' });
    assert.equal(empty.statusCode, 400);
  });

  test('wrong content type → 415 in the error shape', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json<{ error: { code: string } }>().error.code, 'unsupported_media_type');
  });

  test('a wrong type in a field → 400 with the field named (no coercion)', async () => {
    const res = await new Client(t).post('/api/v1/auth/login', { email: 'a@example.com', password: 12345678 });
    assert.equal(res.status, 400);
    assert.deepEqual((res.json.error.details.fields as { field: string }[]).map((f) => f.field), ['password']);
  });

  test('GET /openapi.json describes the routes, their schemas and the error shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } }>();
    assert.match(doc.openapi, /^3\./);
    for (const path of ['/api/v1/auth/signup', '/api/v1/auth/login', '/api/v1/me', '/api/v1/api-keys', '/api/v1/workspaces/{ws}/members', '/api/v1/admin/workspaces/{ws}', '/readyz']) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    const signup = doc.paths['/api/v1/auth/signup']?.post;
    assert.ok(signup?.requestBody, 'request body schema included');
    assert.ok(signup?.responses['201'] && signup.responses['403'], 'responses included');
    assert.ok(doc.components.schemas.Error, 'the error shape is a named schema');
  });

  test('GET /metrics exposes per-route latency and status counters', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    await t.app.inject({ method: 'GET', url: '/api/v1/me' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    assert.match(res.body, /tether_http_requests_total\{method="GET",route="\/healthz",status_code="200"\} \d+/);
    assert.match(res.body, /tether_http_requests_total\{method="GET",route="\/api\/v1\/me",status_code="401"\} 1/);
    assert.match(res.body, /tether_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz",status_code="200"\}/);
  });
});
