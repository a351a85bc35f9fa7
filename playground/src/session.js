// The signed-in session: login, refresh (timer and on UNAUTHENTICATED), logout, kept in
// sessionStorage. Plain JavaScript; the React header subscribes to it.

export const GRAPHQL_URL = new URL('/graphql', window.location.href).toString();
export const WS_URL = (() => {
  const u = new URL('/graphql/ws', window.location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
})();

const STORAGE_KEY = 'officer-registry.playground.session';
/** Refresh this long before the access token expires (at most a third of its lifetime). */
const REFRESH_AHEAD_MS = 60_000;

const AUTH_FIELDS = 'accessToken refreshToken expiresAt viewer { userCode role displayName }';
const LOGIN = `mutation PlaygroundLogin($userCode: String!, $password: String!) {
  login(userCode: $userCode, password: $password) { ${AUTH_FIELDS} }
}`;
const REFRESH = `mutation PlaygroundRefresh($refreshToken: String!) {
  refreshSession(refreshToken: $refreshToken) { ${AUTH_FIELDS} }
}`;
const LOGOUT = `mutation PlaygroundLogout($refreshToken: String!) { logout(refreshToken: $refreshToken) }`;

let session = load();
let timer = null;
let refreshing = null;
let notice = '';
const listeners = new Set();
// Tabs opened from this one share its sessionStorage copy, hence its refresh token: a tab that
// rotates the token tells the others, so that none presents the spent one (which would revoke
// the session).
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(STORAGE_KEY) : null;

function load() {
  try {
    const s = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    return s && s.accessToken && s.refreshToken ? s : null;
  } catch {
    return null;
  }
}

function store(next, why) {
  session = next;
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(STORAGE_KEY);
  schedule();
  for (const l of listeners) l(why);
}

function setNotice(text) {
  notice = text;
  for (const l of listeners) l('notice');
}

/** Calls `listener(reason)` on every change; returns the unsubscribe function. */
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const getSession = () => session;
export const getNotice = () => notice;
export const accessToken = () => session?.accessToken ?? null;

/** A plain GraphQL request over HTTP (no retry). */
export async function rawRequest(query, variables, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const resp = await fetch(GRAPHQL_URL, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  let body;
  try {
    body = await resp.json();
  } catch {
    throw new Error(`the server answered HTTP ${resp.status} without JSON`);
  }
  return body;
}

export function errorText(body) {
  const e = body?.errors?.[0];
  if (!e) return 'unknown error';
  const code = e.extensions?.code ? `${e.extensions.code}: ` : '';
  const fa = e.extensions?.messageFa ? ` (${e.extensions.messageFa})` : '';
  return `${code}${e.message}${fa}`;
}

export const isUnauthenticated = (body) =>
  Array.isArray(body?.errors) && body.errors.some((e) => e?.extensions?.code === 'UNAUTHENTICATED');

function fromPayload(p) {
  return {
    accessToken: p.accessToken,
    refreshToken: p.refreshToken,
    expiresAt: p.expiresAt,
    issuedAt: new Date().toISOString(),
    viewer: p.viewer,
  };
}

export async function signIn(userCode, password) {
  const body = await rawRequest(LOGIN, { userCode, password });
  const payload = body?.data?.login;
  if (!payload) throw new Error(errorText(body));
  await signOut({ quiet: true });
  store(fromPayload(payload), 'sign-in');
  setNotice('');
  return session;
}

export async function signOut({ quiet = false } = {}) {
  const old = session;
  if (!old) return;
  store(null, 'sign-out');
  if (!quiet) setNotice('');
  try {
    await rawRequest(LOGOUT, { refreshToken: old.refreshToken });
  } catch {
    // Signed out locally all the same; the server forgets the session when it expires.
  }
}

async function withLock(fn) {
  if (navigator.locks?.request) return navigator.locks.request(STORAGE_KEY, fn);
  return fn();
}

/**
 * Renews the tokens (once at a time, across tabs). Resolves to the new session, or null when
 * the session cannot be renewed (then it is signed out).
 */
export function refresh() {
  if (!session) return Promise.resolve(null);
  if (refreshing) return refreshing;
  const spent = session.refreshToken;
  refreshing = withLock(async () => {
    // Another tab may have rotated it meanwhile (see the channel below).
    if (!session || session.refreshToken !== spent) return session;
    try {
      const body = await rawRequest(REFRESH, { refreshToken: spent });
      const payload = body?.data?.refreshSession;
      if (!payload) {
        store(null, 'expired');
        setNotice(`Session ended, sign in again (نشست پایان یافت، دوباره وارد شوید): ${errorText(body)}`);
        return null;
      }
      const next = fromPayload(payload);
      channel?.postMessage({ spent, next });
      store(next, 'refresh');
      return next;
    } catch (e) {
      // Network trouble: keep the session, try again shortly.
      setNotice(`Could not refresh the session: ${e.message}`);
      clearTimeout(timer);
      timer = setTimeout(() => refresh(), 10_000);
      return session;
    }
  }).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

channel?.addEventListener('message', (ev) => {
  const { spent, next } = ev.data ?? {};
  if (session && next && session.refreshToken === spent) store(next, 'refresh');
});

function schedule() {
  clearTimeout(timer);
  timer = null;
  if (!session) return;
  const expires = Date.parse(session.expiresAt);
  const issued = Date.parse(session.issuedAt ?? '') || Date.now();
  const ahead = Math.min(REFRESH_AHEAD_MS, Math.max(1_000, (expires - issued) / 3));
  const delay = Math.max(0, Math.min(expires - ahead - Date.now(), 2 ** 31 - 1));
  timer = setTimeout(() => refresh(), delay);
}

/** The access token, renewed first when it is about to expire (for WebSocket connections). */
export async function freshAccessToken() {
  if (session && Date.parse(session.expiresAt) - Date.now() < 5_000) await refresh();
  return accessToken();
}

schedule();
