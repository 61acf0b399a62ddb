// Signed webhooks end to end: receivers on loopback, the real worker and IdP. Endpoints are
// admin-only and follow the outbound URL rule; deliveries are signed as Standard Webhooks say
// (checked by an implementation written in the test from the specification), retried until
// accepted with one webhook-id per event, never awaited by the request that caused them, signed
// by both secrets during a roll, recorded attempt by attempt, and an endpoint that fails a whole
// schedule is disabled, audited and its admins told. The schedule's base is 5 ms here
// (WEBHOOK_RETRY_BASE_MS), so its twelve attempts take seconds instead of 34 hours.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize } from '../support/consent.mjs';
import { customInput, machineInput } from '../support/connections.mjs';
import { everythingSeen } from '../support/http.mjs';
import { BOOTSTRAP_TOKEN, bootstrapAdmin, createKey, createRole, createUser } from '../support/people.mjs';
import { startStack } from '../support/stack.mjs';
import { sql } from '../support/worker.mjs';
import { startReceiver, verifyStandardWebhook } from '../support/webhook_receiver.mjs';

const ALL_EVENTS = [
  'connection.created', 'connection.updated', 'connection.deleted', 'connection.needs_reauth',
  'connection.recovered', 'token.refresh_failed', 'access.invited',
];

describe('webhooks', () => {
  let stack;
  let admin;
  let adminId;
  let member;
  let role;
  const receivers = [];

  before(async () => {
    stack = await startStack({
      vars: { BOOTSTRAP_TOKEN, WEBHOOK_RETRY_BASE_MS: '5', WEBHOOK_TIMEOUT_MS: '3000', REFRESH_MIN_INTERVAL_SECONDS: '0' },
    });
    admin = await bootstrapAdmin(stack.baseUrl);
    adminId = (await admin.get('/api/v1/session')).body.user.id;
    member = (await createUser(admin, { name: 'member' })).client;
    role = await createRole(admin, { name: 'Integrations', memberIds: [adminId] });
  });
  after(async () => {
    for (const r of receivers) await r.close();
    await stack?.stop();
  });

  async function receiver() {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  }

  async function endpoint(url, events = ALL_EVENTS) {
    const created = await admin.post('/api/v1/webhooks', { url, events });
    assert.equal(created.status, 201, created.text);
    return created.body;
  }

  const byType = (r, type) => r.received.filter((d) => JSON.parse(d.body).type === type);

  test('only admins manage endpoints, and URLs and events are checked', async () => {
    assert.equal((await member.get('/api/v1/webhooks')).status, 403);
    assert.equal((await member.post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/x', events: ['connection.created'] })).status, 403);
    const memberBot = (await createKey(member, 'bot', ['manage'])).bot;
    assert.equal((await memberBot.get('/api/v1/webhooks')).status, 403);
    const badUrl = await admin.post('/api/v1/webhooks', { url: 'ftp://hooks.example.com/', events: ['connection.created'] });
    assert.equal(badUrl.status, 422, badUrl.text);
    assert.equal(badUrl.body.error.field, 'url');
    const credentials = await admin.post('/api/v1/webhooks', { url: 'https://user:pw@hooks.example.com/', events: ['connection.created'] });
    assert.equal(credentials.body.error.field, 'url');
    const badEvent = await admin.post('/api/v1/webhooks', { url: 'https://hooks.example.com/', events: ['connection.exploded'] });
    assert.equal(badEvent.status, 422);
    assert.equal(badEvent.body.error.field, 'events');
    const none = await admin.post('/api/v1/webhooks', { url: 'https://hooks.example.com/', events: [] });
    assert.equal(none.body.error.field, 'events');
  });

  let main;
  let mainSecret;
  let receiverA;
  test('the secret is shown once, as whsec_ and base64, and sealed at rest', async () => {
    receiverA = await receiver();
    const created = await admin.post('/api/v1/webhooks', { url: receiverA.url, events: ALL_EVENTS });
    assert.equal(created.status, 201, created.text);
    main = created.body.webhook;
    mainSecret = created.body.secret;
    assert.match(mainSecret, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.equal(Buffer.from(mainSecret.slice(6), 'base64').length, 32);
    assert.deepEqual(main.events, ALL_EVENTS);
    assert.equal(main.enabled, true);
    const listed = await admin.get('/api/v1/webhooks');
    assert.equal(listed.status, 200);
    assert.equal(listed.body.items.length, 1);
    assert.ok(!listed.text.includes(mainSecret.slice(6)), 'a list never shows the secret');
    assert.ok(!(await admin.get(`/api/v1/webhooks/${main.id}`)).text.includes(mainSecret.slice(6)));
    const [row] = await sql(stack.worker, `SELECT secret FROM webhooks WHERE id = '${main.id}'`);
    assert.match(row.secret, /^v1\./, 'an envelope');
    assert.ok(!row.secret.includes(mainSecret.slice(6)));
  });

  let deleted;
  test('events are retried until accepted: one success per event, the same webhook-id, signatures that verify', async () => {
    receiverA.failNext(3);
    const created = await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Hooked' }));
    assert.equal(created.status, 201, created.text);
    deleted = created.body;
    assert.equal((await admin.patch(`/api/v1/connections/${deleted.id}`, { description: 'now described' })).status, 200);
    assert.equal((await admin.put(`/api/v1/connections/${deleted.id}/roles`, { role_ids: [role.id] })).status, 200);
    assert.equal((await admin.delete(`/api/v1/connections/${deleted.id}`)).status, 204);
    const expected = ['connection.created', 'connection.updated', 'access.invited', 'connection.deleted'];
    await receiverA.waitFor(() => expected.every((t) => byType(receiverA, t).some((d) => d.status === 204)));
    assert.ok(receiverA.received.filter((d) => d.status === 500).length === 3, 'three attempts were refused');
    // Let any duplicate arrive before counting.
    await new Promise((r) => setTimeout(r, 500));
    for (const type of expected) {
      const deliveries = byType(receiverA, type);
      const ids = new Set(deliveries.map((d) => d.headers['webhook-id']));
      assert.equal(ids.size, 1, `${type}: one webhook-id over every attempt`);
      assert.match([...ids][0], /^msg_[0-9a-f]+$/);
      assert.equal(deliveries.filter((d) => d.status === 204).length, 1, `${type}: exactly one successful delivery`);
      assert.equal(new Set(deliveries.map((d) => d.body)).size, 1, `${type}: the same body every time`);
      for (const d of deliveries) {
        assert.equal(d.headers['content-type'], 'application/json');
        assert.ok(verifyStandardWebhook(mainSecret, d.headers, d.body), `${type}: the signature verifies`);
      }
    }
    const wrong = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const sample = byType(receiverA, 'connection.created')[0];
    assert.equal(verifyStandardWebhook(wrong, sample.headers, sample.body), false, 'the wrong secret fails');
    assert.equal(verifyStandardWebhook(mainSecret, sample.headers, sample.body.replace('Hooked', 'Hacked')), false, 'a changed body fails');
    assert.equal(verifyStandardWebhook(mainSecret, sample.headers, sample.body, { now: Date.now() / 1000 + 3600 }), false, 'an old timestamp fails');
  });

  test('a deleted connection produces connection.deleted naming the connection, the actor and the time, and no secret', async () => {
    const [delivery] = byType(receiverA, 'connection.deleted');
    const payload = JSON.parse(delivery.body);
    assert.equal(payload.type, 'connection.deleted');
    assert.match(payload.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(payload.timestamp) / 1000 - Date.now() / 1000) < 120);
    assert.deepEqual(payload.data.connection, { id: deleted.id, name: 'Hooked' });
    assert.deepEqual(payload.data.actor, { kind: 'user', id: adminId });
    const invited = JSON.parse(byType(receiverA, 'access.invited')[0].body);
    assert.deepEqual(invited.data.invited, [role.id]);
    assert.deepEqual(invited.data.withdrawn, []);
    const everything = receiverA.received.map((d) => JSON.stringify(d.headers) + d.body).join('\n');
    assert.ok(!everything.includes('basic-client-secret'), 'no client secret in any delivery');
  });

  test('every attempt is recorded with its status and duration', async () => {
    const listed = await admin.get(`/api/v1/webhooks/${main.id}/deliveries`);
    assert.equal(listed.status, 200, listed.text);
    assert.equal(listed.body.items.length, 4);
    assert.ok(listed.body.items.every((d) => d.status === 'delivered'));
    const attempts = listed.body.items.flatMap((d) => d.attempts);
    assert.equal(attempts.length, receiverA.received.length);
    assert.equal(attempts.filter((a) => a.status === 500 && !a.success).length, 3);
    assert.equal(attempts.filter((a) => a.status === 204 && a.success).length, 4);
    assert.ok(attempts.every((a) => Number.isInteger(a.duration_ms) && a.duration_ms >= 0 && a.at > 0));
    const ids = new Set(receiverA.received.map((d) => d.headers['webhook-id']));
    assert.deepEqual(new Set(listed.body.items.map((d) => d.id)), ids);
    assert.ok((await admin.get(`/api/v1/webhooks/${main.id}`)).body.last_success_at > 0);
  });

  test('redeliver sends the same message again, same id and body', async () => {
    const [newest] = (await admin.get(`/api/v1/webhooks/${main.id}/deliveries`)).body.items;
    const before = receiverA.received.length;
    const again = await admin.post(`/api/v1/webhooks/${main.id}/redeliver`, { delivery_id: newest.id });
    assert.equal(again.status, 202, again.text);
    await receiverA.waitFor((all) => all.length > before);
    const resent = receiverA.received[before];
    assert.equal(resent.headers['webhook-id'], newest.id);
    assert.equal(resent.body, receiverA.received.find((d) => d.headers['webhook-id'] === newest.id).body);
    assert.ok(verifyStandardWebhook(mainSecret, resent.headers, resent.body));
    assert.equal((await admin.post(`/api/v1/webhooks/${main.id}/redeliver`, { delivery_id: 'msg_nope' })).status, 404);
  });

  test('the triggering request does not wait for delivery (the receiver hangs)', async () => {
    const hanging = await receiver();
    hanging.state.mode = 'hang';
    const hook = await endpoint(hanging.url, ['connection.created']);
    const started = Date.now();
    const created = await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Fast anyway' }));
    const took = Date.now() - started;
    assert.equal(created.status, 201, created.text);
    await hanging.waitFor((all) => all.length >= 1, 5000);
    // The delivery deadline is 3 s here: an answer that waited for the receiver would take that.
    assert.ok(took < 1500, `the create took ${took} ms`);
    await hanging.waitFor((all) => all.length >= 2, 10_000);
    const [first] = (await admin.get(`/api/v1/webhooks/${hook.webhook.id}/deliveries`)).body.items;
    assert.equal(first.attempts.at(-1).status, null);
    assert.equal(first.attempts.at(-1).error, 'timeout');
    assert.ok(first.attempts.at(-1).duration_ms >= 2900, `${first.attempts.at(-1).duration_ms} ms`);
    assert.equal((await admin.delete(`/api/v1/webhooks/${hook.webhook.id}`)).status, 204);
    await receiverA.waitFor(() => receiverA.received.some((d) => d.status === 204 && d.body.includes('Fast anyway')));
    assert.equal((await admin.get(`/api/v1/webhooks/${hook.webhook.id}`)).status, 404);
  });

  test('a refused refresh, a lost grant and its recovery are events', async () => {
    await admin.patch(`/api/v1/webhooks/${main.id}`, { events: ['connection.needs_reauth', 'connection.recovered', 'token.refresh_failed'] });
    const before = receiverA.received.length;
    const machine = await admin.post('/api/v1/connections', machineInput(stack.idp, { name: 'Wrong secret', client_secret: 'not-the-secret' }));
    assert.equal(machine.status, 201, machine.text);
    await admin.put(`/api/v1/connections/${machine.body.id}/roles`, { role_ids: [role.id] });
    const refused = await admin.post(`/api/v1/connections/${machine.body.id}/token`, { token_type: 'shared' });
    assert.notEqual(refused.status, 200);
    await receiverA.waitFor(() => byType(receiverA, 'token.refresh_failed').length >= 1);
    const failed = JSON.parse(byType(receiverA, 'token.refresh_failed')[0].body);
    assert.deepEqual(failed.data.connection, { id: machine.body.id, name: 'Wrong secret' });
    assert.equal(failed.data.reason, 'rejected');

    const c = (await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'Revoked' }))).body;
    await admin.put(`/api/v1/connections/${c.id}/roles`, { role_ids: [role.id] });
    assert.equal((await authorize(admin, c.id, 'shared')).ok, true);
    const live = await admin.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared' });
    assert.equal(live.status, 200, live.text);
    const found = await stack.idp.provider.AccessToken.find(live.body.access_token);
    await (await stack.idp.provider.Grant.find(found.grantId)).destroy();
    const gone = await admin.post(`/api/v1/connections/${c.id}/token`, { token_type: 'shared', force_refresh: true });
    assert.equal(gone.body.error.code, 'reauth_required');
    await receiverA.waitFor(() => byType(receiverA, 'connection.needs_reauth').length >= 1);
    assert.equal((await authorize(admin, c.id, 'shared')).ok, true);
    await receiverA.waitFor(() => byType(receiverA, 'connection.recovered').length >= 1);
    const recovered = JSON.parse(byType(receiverA, 'connection.recovered')[0].body);
    assert.deepEqual(recovered.data.connection, { id: c.id, name: 'Revoked' });
    assert.deepEqual(recovered.data.actor, { kind: 'user', id: adminId });
    const types = receiverA.received.slice(before).map((d) => JSON.parse(d.body).type);
    assert.ok(!types.includes('connection.created'), 'unsubscribed events are not sent');
    const everything = receiverA.received.map((d) => d.body).join('\n');
    assert.ok(!everything.includes(live.body.access_token), 'no token in any delivery');
  });

  test('a rolled secret: old and new both sign for a day', async () => {
    const rolled = await admin.post(`/api/v1/webhooks/${main.id}/roll-secret`, {});
    assert.equal(rolled.status, 200, rolled.text);
    const newSecret = rolled.body.secret;
    assert.notEqual(newSecret, mainSecret);
    assert.ok(Math.abs(rolled.body.webhook.previous_secret_until - (Date.now() / 1000 + 86400)) < 120);
    const before = receiverA.received.length;
    assert.equal((await admin.post(`/api/v1/webhooks/${main.id}/test`, {})).status, 202);
    await receiverA.waitFor((all) => all.slice(before).some((d) => d.status === 204));
    const d = receiverA.received.slice(before).find((x) => x.status === 204);
    assert.equal(JSON.parse(d.body).type, 'webhook.test');
    assert.equal(d.headers['webhook-signature'].split(' ').length, 2);
    assert.ok(verifyStandardWebhook(newSecret, d.headers, d.body), 'the new secret verifies');
    assert.ok(verifyStandardWebhook(mainSecret, d.headers, d.body), 'the old secret verifies');
    const [row] = await sql(stack.worker, `SELECT previous_secret FROM webhooks WHERE id = '${main.id}'`);
    assert.match(row.previous_secret, /^v1\./);
    const audit = await admin.get(`/api/v1/audit?action=webhook.roll_secret`);
    assert.equal(audit.body.items.length, 1);
    const seen = everythingSeen(admin).split(newSecret.slice(6)).length - 1;
    assert.equal(seen, 1, 'the new secret was shown once, in the roll answer');
  });

  test('an endpoint that fails a whole schedule is disabled, audited, and admins are told', async () => {
    const failing = await receiver();
    failing.state.mode = 'fail';
    const hook = (await endpoint(failing.url, ['connection.created'])).webhook;
    assert.equal((await admin.post(`/api/v1/webhooks/${hook.id}/test`, {})).status, 202);
    await failing.waitFor((all) => all.length >= 12, 60_000);
    let view;
    for (let i = 0; i < 100; i += 1) {
      view = (await admin.get(`/api/v1/webhooks/${hook.id}`)).body;
      if (!view.enabled) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(view.enabled, false);
    assert.equal(view.disabled_reason, 'failing');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(failing.received.length, 12, 'twelve attempts, then no more');
    assert.equal(new Set(failing.received.map((d) => d.headers['webhook-id'])).size, 1);
    const [delivery] = (await admin.get(`/api/v1/webhooks/${hook.id}/deliveries`)).body.items;
    assert.equal(delivery.status, 'failed');
    assert.equal(delivery.attempts.length, 12);
    const gaps = failing.received.slice(1).map((d, i) => d.at - failing.received[i].at);
    assert.ok(gaps.at(-1) >= 2000, `the last wait is the longest: ${gaps}`);
    const audit = await admin.get(`/api/v1/audit?action=webhook.disable`);
    assert.equal(audit.body.items.length, 1);
    assert.equal(audit.body.items[0].target_id, hook.id);
    assert.equal(audit.body.items[0].actor_kind, 'system');
    const notes = (await admin.get('/api/v1/notifications')).body.items.filter((n) => n.kind === 'webhook_disabled');
    assert.equal(notes.length, 1);
    assert.match(notes[0].title, /127\.0\.0\.1/);
    assert.equal((await member.get('/api/v1/notifications')).body.items.filter((n) => n.kind === 'webhook_disabled').length, 0);
    // Disabled: events no longer go there. Enabled again and redelivered: it arrives.
    await admin.post('/api/v1/connections', customInput(stack.idp, { name: 'While disabled' }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(failing.received.length, 12);
    failing.state.mode = 'ok';
    const enabled = await admin.patch(`/api/v1/webhooks/${hook.id}`, { enabled: true });
    assert.equal(enabled.body.enabled, true);
    assert.equal(enabled.body.disabled_reason, null);
    assert.equal((await admin.post(`/api/v1/webhooks/${hook.id}/redeliver`, { delivery_id: delivery.id })).status, 202);
    await failing.waitFor((all) => all.some((d) => d.status === 204));
  });
});
