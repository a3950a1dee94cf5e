import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actions } from './runs.ts';

test('slack.post_message maps onto chat.postMessage', () => {
  assert.deepEqual(actions['slack.post_message']?.({ channel: 'C1', text: 'hi' }, undefined), { method: 'POST', path: '/chat.postMessage', body: { channel: 'C1', text: 'hi' } });
});

test('google.sheets.append_row maps onto spreadsheets.values.append on the Sheets host', () => {
  const r = actions['google.sheets.append_row']?.({ spreadsheetId: 'abc', range: 'Sheet1!A1', values: [1, 'x'] }, undefined);
  assert.equal(r?.baseUrl, 'https://sheets.googleapis.com');
  assert.equal(r?.path, '/v4/spreadsheets/abc/values/Sheet1!A1:append');
  assert.deepEqual(r?.query, { valueInputOption: 'USER_ENTERED' });
  assert.deepEqual(r?.body, { values: [[1, 'x']] });
});

test('microsoft.mail.send maps onto Graph /me/sendMail', () => {
  const r = actions['microsoft.mail.send']?.({ to: 'a@example.com', subject: 'S', body: 'B' }, undefined);
  assert.equal(r?.path, '/v1.0/me/sendMail');
  assert.deepEqual(r?.body, { message: { subject: 'S', body: { contentType: 'Text', content: 'B' }, toRecipients: [{ emailAddress: { address: 'a@example.com' } }] } });
});

test('a missing parameter is refused with its name', () => {
  assert.throws(() => actions['slack.post_message']?.({ channel: 'C1' }, undefined), /"text"/);
});
