// (d) Another grid's post member cannot see an issue: 404 on its page, absent from lists.
// (e) Without a session every page redirects to /login; a wrong password is a 401 with an alert;
// each role lands on its home; logging out ends the session for good.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, launch, linksTo, newContext, open, signIn } from '../lib/browser.js';
import { USERS, actViaCli, reportViaCli, startGridloop } from '../lib/gridloop.js';

let gl;
let browser;
const contexts = [];

before(async () => {
  gl = await startGridloop('access');
  browser = await launch();
});

after(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  await browser?.close();
  await gl?.stop();
});

async function context(device) {
  const ctx = await newContext(browser, gl.url, device);
  contexts.push(ctx);
  return ctx;
}

const PAGES = ['/my', '/issues/new', '/verify', '/visits', '/worklist', '/intake', '/returned', '/dashboard', '/extensions', '/admin', '/issues/1'];

test('a post member of another grid gets 404 on the issue and does not see it in lists', async () => {
  const stamp = Date.now();
  const reported = reportViaCli(gl, { title: `Hidden from g2 ${stamp}` });
  // A second one taken to `resolved`, so it waits for verification in grid g1.
  const resolved = reportViaCli(gl, { title: `Hidden from g2, resolved ${stamp}` });
  actViaCli(gl, resolved.id, 'accept', USERS.dispatcher);
  actViaCli(gl, resolved.id, 'assign', USERS.dispatcher, ['--unit', 'power']);
  actViaCli(gl, resolved.id, 'start', USERS.unit);
  actViaCli(gl, resolved.id, 'resolve', USERS.unit, ['--note', 'done']);

  // The reporter sees both.
  const own = await signIn(await context(PHONE), USERS.post);
  await open(own, `/issues/${reported.id}`);
  await open(own, '/my');
  assert.ok(await linksTo(own, reported.id).count() > 0, 'the reporter sees the issue on /my');

  // post14 walks grid g2.
  const other = await signIn(await context(PHONE), USERS.otherGridPost);
  for (const issue of [reported, resolved]) {
    const res = await other.goto(`/issues/${issue.id}`);
    assert.equal(res.status(), 404, `GET /issues/${issue.id} as ${USERS.otherGridPost} → ${res.status()}`);
    const body = await other.locator('body').innerText();
    assert.ok(!body.includes(issue.title), 'the 404 page does not reveal the title');
    // Not through the actions either.
    const probe = await other.request.get(`/issues/${issue.id}/verify`, { maxRedirects: 0, failOnStatusCode: false });
    assert.ok([404, 405].includes(probe.status()), `GET /issues/${issue.id}/verify → ${probe.status()}`);
  }
  for (const list of ['/my', '/verify']) {
    await open(other, list);
    for (const issue of [reported, resolved]) {
      assert.equal(await linksTo(other, issue.id).count(), 0, `${list} of ${USERS.otherGridPost} links to issue ${issue.id}`);
      assert.ok(!(await other.locator('body').innerText()).includes(issue.title), `${list} of ${USERS.otherGridPost} shows "${issue.title}"`);
    }
  }
  // An unknown id is the same 404.
  const res = await other.goto('/issues/999999');
  assert.equal(res.status(), 404);
});

test('without a session every page redirects to /login?next=…', async () => {
  const ctx = await context(DESKTOP);
  for (const path of ['/', ...PAGES]) {
    const res = await ctx.request.get(path, { maxRedirects: 0, failOnStatusCode: false });
    assert.equal(res.status(), 303, `GET ${path} without a session → ${res.status()}`);
    const to = new URL(res.headers().location, gl.url);
    assert.equal(to.pathname, '/login', `GET ${path} redirects to ${to}`);
    if (path !== '/') assert.equal(to.searchParams.get('next'), path, `GET ${path}: next=${to.searchParams.get('next')}`);
  }
  // In the browser: the login form, and after signing in, back where we wanted to go.
  const page = await ctx.newPage();
  await page.goto('/lang/en?next=/verify');
  await page.goto('/verify');
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.locator('#login').fill(USERS.post);
  await page.locator('#password').fill('secret-pass');
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login'),
    page.locator('form').filter({ has: page.locator('#password') }).locator('button[type=submit], input[type=submit], button:not([type])').first().click(),
  ]);
  assert.equal(new URL(page.url()).pathname, '/verify', 'signing in goes on to ?next');
});

test('a wrong password is a 401 with an alert, and gives no session', async () => {
  const ctx = await context(DESKTOP);
  const page = await ctx.newPage();
  await page.goto('/lang/en?next=/login');
  await open(page, '/login');
  for (const [login, password] of [[USERS.post, 'wrong-pass'], ['nobody-such', 'secret-pass']]) {
    await page.locator('#login').fill(login);
    await page.locator('#password').fill(password);
    const [res] = await Promise.all([
      page.waitForNavigation(),
      page.locator('form').filter({ has: page.locator('#password') }).locator('button[type=submit], input[type=submit], button:not([type])').first().click(),
    ]);
    assert.equal(res.status(), 401, `POST /login as ${login} with a wrong password → ${res.status()}`);
    assert.ok(await page.locator('[role=alert]').count() > 0, 'a message in [role=alert]');
    assert.ok(!(await ctx.cookies()).some((c) => c.name === 'gridloop_session' && c.value), 'no session cookie');
  }
  // Both failures read the same: nothing tells whether the login exists.
  const first = await page.locator('[role=alert]').innerText();
  assert.ok(first.trim().length > 0);
});

test('each role lands on its home', async () => {
  const homes = {
    [USERS.post]: '/my',
    [USERS.commissioner]: '/my',
    [USERS.dispatcher]: '/intake',
    [USERS.unit]: '/worklist',
    [USERS.unitHead]: '/worklist',
    [USERS.supervisor]: '/dashboard',
    [USERS.admin]: '/admin',
  };
  for (const [login, home] of Object.entries(homes)) {
    const ctx = await context(DESKTOP);
    const page = await signIn(ctx, login);
    assert.equal(new URL(page.url()).pathname, home, `${login} lands on ${home}`);
    const res = await page.request.get('/', { maxRedirects: 0 });
    assert.equal(res.status(), 303, `GET / as ${login}`);
    assert.equal(new URL(res.headers().location, gl.url).pathname, home, `GET / as ${login}`);
    await ctx.close();
  }
});

test('the session cookie is HttpOnly and SameSite=Lax, and logging out ends it', async () => {
  const ctx = await context(PHONE);
  const page = await signIn(ctx, USERS.post);
  const cookie = (await ctx.cookies()).find((c) => c.name === 'gridloop_session');
  assert.ok(cookie, 'a gridloop_session cookie');
  assert.equal(cookie.httpOnly, true, 'HttpOnly');
  assert.equal(cookie.sameSite, 'Lax', 'SameSite=Lax');
  assert.equal(cookie.secure, false, 'not Secure over plain HTTP on loopback');

  const logout = page.locator('form[action$="/logout"]').first();
  await logout.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no logout form (POST /logout) on ${page.url()}`);
  });
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login'),
    logout.locator('button[type=submit], input[type=submit], button:not([type])').first().click(),
  ]);
  const res = await page.request.get('/my', { maxRedirects: 0, failOnStatusCode: false });
  assert.equal(res.status(), 303, 'after logout /my redirects');

  // The old cookie, replayed from elsewhere, no longer works.
  const replay = await context(DESKTOP);
  await replay.addCookies([{ ...cookie, expires: -1 }]);
  for (const path of ['/my', '/issues/new']) {
    const r = await replay.request.get(path, { maxRedirects: 0, failOnStatusCode: false });
    assert.equal(r.status(), 303, `GET ${path} with the logged-out cookie → ${r.status()}`);
    assert.equal(new URL(r.headers().location, gl.url).pathname, '/login');
  }
});
