// Drives `cartableEvents` with the real `graphql-ws` client library (the one front ends use):
// replay after an event id, then a live event caused by a mutation, then a refused token.
// Usage: HTTP_URL=http://127.0.0.1:port TOKEN=... node graphql-ws-client.mjs
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const http = process.env.HTTP_URL;
const token = process.env.TOKEN;
const requestId = process.env.REQUEST_ID;
const wsUrl = http.replace(/^http/, 'ws') + '/graphql/ws';

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}
setTimeout(() => fail('timed out after 20 s'), 20000).unref();

function client(authorization) {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: authorization },
    retryAttempts: 0,
    lazy: true,
  });
}

// 1. Replay then live.
const ok = client(`Bearer ${token}`);
const seen = [];
await new Promise((resolve, reject) => {
  let triggered = false;
  const dispose = ok.subscribe(
    {
      query: 'subscription($after: ID) { cartableEvents(afterEventId: $after) { id kind qualificationRequest { id } } }',
      variables: { after: '0' },
    },
    {
      next: async (msg) => {
        if (msg.errors) return reject(new Error(JSON.stringify(msg.errors)));
        const e = msg.data.cartableEvents;
        seen.push(e);
        if (!triggered && seen.length >= 2) {
          triggered = true;
          const res = await fetch(`${http}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({
              query: 'mutation($id: ID!) { updateQualificationRequest(id: $id, input: { phone: "02188776655" }) { id } }',
              variables: { id: requestId },
            }),
          });
          const body = await res.json();
          if (body.errors) reject(new Error(JSON.stringify(body.errors)));
        }
        if (e.kind === 'QUALIFICATION_REQUEST_EDIT') {
          dispose();
          resolve();
        }
      },
      error: reject,
      complete: () => {},
    },
  );
}).catch((e) => fail(`subscription: ${e.message ?? e}`));
const kinds = seen.map((e) => e.kind);
if (kinds[0] !== 'OFFICER_REGISTER' || kinds[1] !== 'QUALIFICATION_REQUEST_CREATE') {
  fail(`unexpected replay: ${kinds.join(', ')}`);
}
const ids = seen.map((e) => Number(e.id));
if (!ids.every((id, i) => i === 0 || id > ids[i - 1])) fail(`ids out of order: ${ids}`);
await ok.dispose();

// 2. A bad token: the server closes with 4403 Forbidden.
const bad = client('Bearer not-a-token');
const code = await new Promise((resolve) => {
  bad.subscribe(
    { query: 'subscription { cartableEvents { id } }' },
    { next: () => resolve('unexpected event'), error: (e) => resolve(e?.code ?? String(e)), complete: () => resolve('completed') },
  );
});
if (code !== 4403) fail(`expected close code 4403, got ${code}`);
await bad.dispose();

console.log(`OK ${kinds.join(' ')}`);
process.exit(0);
