// GraphiQL's fetcher: HTTP through `createGraphiQLFetcher` with the signed-in token (renewed
// and retried once on UNAUTHENTICATED) and uploads (GraphQL multipart request) for operations
// with an `Upload` variable; subscriptions through a graphql-ws client (`graphql-transport-ws`)
// whose `connection_init` payload carries the token, recreated whenever the token changes.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';
import { parse } from 'graphql';
import { INTROSPECTION_QUERY } from './introspection.js';
import {
  GRAPHQL_URL,
  WS_URL,
  accessToken,
  freshAccessToken,
  getSession,
  isUnauthenticated,
  refresh,
  subscribe,
} from './session.js';

// ---- uploads ---------------------------------------------------------------------------

let uploadFile = null;
const uploadListeners = new Set();
export const getUploadFile = () => uploadFile;
export function setUploadFile(file) {
  uploadFile = file ?? null;
  for (const l of uploadListeners) l();
}
export function subscribeUpload(l) {
  uploadListeners.add(l);
  return () => uploadListeners.delete(l);
}

function namedType(t) {
  return t.kind === 'NamedType' ? t.name.value : namedType(t.type);
}

/** Names of the `Upload` variables of the operation that runs. */
function uploadVariables(query, operationName) {
  try {
    const ops = parse(query).definitions.filter((d) => d.kind === 'OperationDefinition');
    const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
    return (op?.variableDefinitions ?? [])
      .filter((v) => namedType(v.type) === 'Upload' && v.type.kind !== 'ListType' && v.type.type?.kind !== 'ListType')
      .map((v) => v.variable.name.value);
  } catch {
    return [];
  }
}

/** The request body: JSON, or multipart when the operation takes a file and one is chosen. */
function requestBody(jsonBody, headers) {
  if (!uploadFile) return jsonBody;
  let params;
  try {
    params = JSON.parse(jsonBody);
  } catch {
    return jsonBody;
  }
  const names = uploadVariables(params.query ?? '', params.operationName);
  if (names.length === 0) return jsonBody;
  const variables = { ...(params.variables ?? {}) };
  const map = {};
  const form = new FormData();
  names.forEach((name, i) => {
    variables[name] = null;
    map[String(i)] = [`variables.${name}`];
  });
  form.append('operations', JSON.stringify({ ...params, variables }));
  form.append('map', JSON.stringify(map));
  names.forEach((_, i) => form.append(String(i), uploadFile, uploadFile.name));
  delete headers['content-type'];
  return form;
}

// ---- HTTP ------------------------------------------------------------------------------

const SESSION_FIELDS = new Set(['login', 'refreshSession', 'logout']);

function hasHeader(headers, name) {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

/** `fetch` for the toolkit: adds the token unless the headers editor sets one. */
async function authFetch(url, init = {}) {
  const baseHeaders = { ...(init.headers ?? {}) };
  const ownToken = !hasHeader(baseHeaders, 'authorization');
  const attempt = async (token) => {
    const headers = { ...baseHeaders };
    if (ownToken && token) headers.authorization = `Bearer ${token}`;
    const body = requestBody(init.body, headers);
    return fetch(url, { ...init, headers, body });
  };
  const token = ownToken ? accessToken() : null;
  const resp = await attempt(token);
  if (!token || !(resp.headers.get('content-type') ?? '').includes('json')) return resp;
  const text = await resp.text();
  let parsed = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON after all: hand it over as it is.
  }
  const aboutSession = parsed?.errors?.some((e) => SESSION_FIELDS.has(e?.path?.[0]));
  if (parsed && isUnauthenticated(parsed) && !aboutSession && getSession()?.accessToken === token) {
    const renewed = await refresh();
    if (renewed?.accessToken) return attempt(renewed.accessToken);
  }
  return new Response(text, { status: resp.status, statusText: resp.statusText, headers: resp.headers });
}

// ---- WebSocket -------------------------------------------------------------------------

let client = null;
let clientUser = null;
let socketState = 'idle';
const socketListeners = new Set();
export const getSocketState = () => socketState;
export function subscribeSocket(l) {
  socketListeners.add(l);
  return () => socketListeners.delete(l);
}
function setSocketState(s) {
  socketState = s;
  for (const l of socketListeners) l();
}

function newClient() {
  const c = createClient({
    url: WS_URL,
    lazy: true,
    retryAttempts: 3,
    connectionParams: async () => {
      const token = await freshAccessToken();
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
    on: {
      connecting: () => c === client && setSocketState('connecting'),
      connected: () => c === client && setSocketState('connected'),
      closed: () => c === client && setSocketState('closed'),
    },
  });
  return c;
}

function currentClient() {
  if (!client) {
    client = newClient();
    clientUser = getSession()?.viewer?.userCode ?? null;
  }
  return client;
}

// A new token means a new client for what runs next. A renewed token (same user) leaves the
// running subscriptions on the old client, which closes its socket when they end (lazy mode);
// a different user, or none, ends them.
subscribe((why) => {
  if (why === 'notice') return;
  const user = getSession()?.viewer?.userCode ?? null;
  if (client && (why !== 'refresh' || user !== clientUser)) client.dispose();
  client = null;
  setSocketState('idle');
});

/** What the toolkit calls for subscriptions: the current client. */
const wsClient = {
  subscribe: (...args) => currentClient().subscribe(...args),
  iterate: (...args) => currentClient().iterate(...args),
  on: (...args) => currentClient().on(...args),
  terminate: () => client?.terminate(),
  dispose: () => client?.dispose(),
};

/** GraphiQL asks for the schema with its own (too deep) query: ask with ours instead. */
async function schemaFetcher(_params, opts) {
  const resp = await authFetch(GRAPHQL_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts?.headers ?? {}) },
    body: JSON.stringify({ query: INTROSPECTION_QUERY, operationName: 'PlaygroundIntrospection' }),
  });
  return resp.json();
}

export const fetcher = createGraphiQLFetcher({
  url: GRAPHQL_URL,
  fetch: authFetch,
  wsClient,
  schemaFetcher,
  enableIncrementalDelivery: false,
});
