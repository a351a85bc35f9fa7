#!/usr/bin/env node
// End-to-end test of the playground in headless Chromium (Debian's `chromium`, driven by
// playwright-core): open /playground, sign in as the demo officer with the page's helper, run
// `me`, start a subscription in a second tab, trigger an event from a second session and see
// it arrive; screenshots go to ARTIFACT_DIR.
//
// Environment: PLAYGROUND_URL (the server, e.g. http://127.0.0.1:8080; demo data seeded),
// ARTIFACT_DIR (default ../target/test-artifacts), CHROMIUM_PATH (default /usr/bin/chromium).
// Run by `cargo test` (tests/api/playground.rs), which starts a server for it.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.PLAYGROUND_URL ?? '').replace(/\/+$/, '');
const ARTIFACT_DIR =
  process.env.ARTIFACT_DIR ?? fileURLToPath(new URL('../../target/test-artifacts', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OFFICER = { userCode: 'officer', password: 'Officer-demo-1405', nationalCode: '0076229645' };
const ME = 'query Me { me { userCode role officer { nationalCode } } }';
const CARTABLE = 'subscription Cartable { cartableEvents { id kind qualificationRequest { id status } } }';
const EVENT_TIMEOUT_MS = 20_000;
// Generous: `cargo test` runs this beside the other tests on a small machine.
const OVERALL_TIMEOUT_MS = 240_000;
const STEP_TIMEOUT_MS = 30_000;

if (!BASE) fail('set PLAYGROUND_URL to the server, e.g. http://127.0.0.1:8080');
if (!existsSync(CHROMIUM)) fail(`no Chromium at ${CHROMIUM}: install Chromium: apt-get install -y chromium`);
mkdirSync(ARTIFACT_DIR, { recursive: true });

let context = null;
let pages = [];
let step = 'start';
const profile = mkdtempSync(join(tmpdir(), 'playground-e2e-'));
const pageErrors = [];

function log(message) {
  console.log(`e2e: ${message}`);
}

function fail(message) {
  console.error(`e2e FAILED at "${step}": ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

const overall = setTimeout(() => {
  console.error(`e2e FAILED: still at "${step}" after ${OVERALL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

/** A GraphQL request from Node: the "second session". */
async function gql(query, variables = {}, token = null) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const resp = await fetch(`${BASE}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await resp.json();
  if (body.errors) fail(`${query.slice(0, 60)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function openPlayground(label) {
  const page = await context.newPage();
  pages.push(page);
  page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') {
      const text = m.text();
      log(`${label} console error: ${text}`);
      if (/Content Security Policy|Refused to/i.test(text)) pageErrors.push(`${label}: ${text}`);
    }
  });
  const resp = await page.goto(`${BASE}/playground`, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
  if (!resp || resp.status() !== 200) fail(`GET /playground answered ${resp?.status()}`);
  await page.locator('.graphiql-container').waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.locator('#pg-sign-in').waitFor({ timeout: STEP_TIMEOUT_MS });
  return page;
}

/** Signs in through the page's helper, choosing the demo account in the select. */
async function signIn(page, account) {
  await page.selectOption('#pg-account', account.userCode);
  const filled = await page.inputValue('#pg-user-code');
  if (filled !== account.userCode) fail(`choosing ${account.userCode} filled the user code with "${filled}"`);
  await page.click('#pg-sign-in');
  const who = page.locator(`#pg-who[data-user-code="${account.userCode}"]`);
  try {
    await who.waitFor({ timeout: STEP_TIMEOUT_MS });
  } catch {
    const status = await page.locator('#pg-status').textContent().catch(() => null);
    fail(`not signed in as ${account.userCode}${status ? `: ${status}` : ''}`);
  }
}

/** Replaces the query editor's text by typing it (as text input, so brackets are not doubled). */
async function typeQuery(page, text) {
  await page.locator('.graphiql-query-editor .CodeMirror').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  const value = await page.evaluate(() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue());
  if (value.trim() !== text) fail(`the editor holds ${JSON.stringify(value)} instead of the query typed`);
  // Prettify (Shift-Ctrl-P), for a readable screenshot; GraphiQL reads the operation's name
  // from the editor after a short debounce.
  await page.keyboard.press('Shift+Control+P');
  await page.keyboard.press('Escape');
  await page.waitForTimeout(500);
}

/** Loads an example operation through the page's Examples select. */
async function loadExample(page, key, expected) {
  await page.selectOption('#pg-examples', key);
  const value = await page.evaluate(() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue());
  if (!value.includes(expected)) fail(`loading the example ${key} put ${JSON.stringify(value)} into the editor`);
}

/** The text of the result pane. */
async function result(page) {
  return page.evaluate(() => {
    const cm = document.querySelector('.result-window .CodeMirror');
    return cm?.CodeMirror ? cm.CodeMirror.getValue() : (document.querySelector('.result-window')?.textContent ?? '');
  });
}

async function waitForResult(page, predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await result(page);
    if (predicate(last)) return last;
    await page.waitForTimeout(200);
  }
  fail(`${what}: not seen within ${timeoutMs / 1000} s; the result pane shows: ${last || '(nothing)'}`);
}

async function screenshot(page, name) {
  const path = join(ARTIFACT_DIR, name);
  await page.screenshot({ path, fullPage: true });
  log(`screenshot ${path}`);
}

async function main() {
  step = 'launch Chromium';
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  log(`Chromium ${context.browser()?.version() ?? ''} from ${CHROMIUM}`);

  step = 'open the playground';
  const first = await openPlayground('tab 1');
  log('the playground is open');

  step = 'browse the schema documentation';
  await first.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
  await first.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await first.locator('.graphiql-sidebar button[aria-label="Hide Documentation Explorer"]').click();
  log('the documentation explorer shows the schema (introspection works)');

  step = 'sign in as the demo officer';
  await signIn(first, OFFICER);
  log('signed in as officer through the helper');

  step = 'run me';
  await typeQuery(first, ME);
  await first.click('.graphiql-execute-button');
  const me = await waitForResult(first, (t) => t.includes('"nationalCode"'), STEP_TIMEOUT_MS, 'the result of me');
  let parsed;
  try {
    parsed = JSON.parse(me);
  } catch {
    fail(`the result pane is not JSON: ${me}`);
  }
  if (parsed?.data?.me?.userCode !== OFFICER.userCode) fail(`me returned ${me}`);
  if (parsed.data.me.officer?.nationalCode !== OFFICER.nationalCode) fail(`me returned ${me}`);
  log('me answered userCode "officer" with the officer\'s national code');
  await screenshot(first, 'playground-e2e-me.png');

  step = 'trigger an event from a second session';
  // The second session: the officer again, signed in from here (not through the page).
  const login = await gql(
    'mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }',
    { u: OFFICER.userCode, p: OFFICER.password },
  );
  const token = login.login.accessToken;
  // Against a long-running `serve --demo`, an earlier run may have left a request open.
  const mine = await gql('{ myQualificationRequests(first: 50) { nodes { id status } } }', {}, token);
  for (const r of mine.myQualificationRequests.nodes) {
    if (['DRAFT', 'SUBMITTED'].includes(r.status)) {
      await gql('mutation($id: ID!) { cancelQualificationRequest(id: $id) { id } }', { id: r.id }, token);
      log(`cancelled request ${r.id} left open by an earlier run`);
    }
  }

  step = 'start the subscription in a second tab';
  const second = await openPlayground('tab 2');
  await signIn(second, OFFICER);
  await loadExample(second, 'subscriptions/cartable.graphql#Cartable', 'subscription Cartable');
  await typeQuery(second, CARTABLE);
  await second.click('.graphiql-execute-button');
  try {
    await second.locator('.pg-socket-connected').waitFor({ timeout: STEP_TIMEOUT_MS });
  } catch {
    fail(`the WebSocket did not connect; the result pane shows: ${(await result(second)) || '(nothing)'}`);
  }
  // Let the server start the stream after the socket's acknowledgement.
  await second.waitForTimeout(1_500);
  const early = await result(second);
  if (/"errors"|Socket closed|Error/i.test(early)) fail(`the subscription failed: ${early}`);
  log('the subscription runs over the WebSocket');

  step = 'trigger an event from a second session';
  const started = await gql('mutation { startQualificationRequest(kind: NEW) { id } }', {}, token);
  const requestId = started.startQualificationRequest.id;
  log(`a second session started qualification request ${requestId}`);

  step = 'see the event arrive';
  const event = await waitForResult(
    second,
    (t) => t.includes(requestId) && /"kind":\s*"[A-Z_]*QUALIFICATION_REQUEST[A-Z_]*"/.test(t),
    EVENT_TIMEOUT_MS,
    `the cartable event of request ${requestId}`,
  );
  log(`the event arrived: ${event.replace(/\s+/g, ' ')}`);
  await screenshot(second, 'playground-e2e.png');

  step = 'check the pages for errors';
  if (pageErrors.length > 0) fail(`errors in the page: ${pageErrors.join(' | ')}`);
  log('passed');
}

try {
  await main();
} catch (e) {
  if (!process.exitCode) console.error(`e2e FAILED at "${step}": ${e.stack ?? e}`);
  process.exitCode = 1;
  for (const [i, page] of pages.entries()) {
    try {
      const path = join(ARTIFACT_DIR, `playground-e2e-failure-${i + 1}.png`);
      await page.screenshot({ path, fullPage: true });
      console.error(`e2e: screenshot of tab ${i + 1} at the failure: ${path}`);
    } catch {
      // The page may be gone.
    }
  }
} finally {
  clearTimeout(overall);
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
