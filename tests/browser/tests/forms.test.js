// (b) A report submitted twice with the same `_key` is one issue; (c) a POST without a valid
// `_csrf` is refused with 403 and changes nothing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  DESKTOP, PHONE, actionForm, fillReport, formFields, issueIdOf, launch, newContext,
  open, postForm, reportButton, reportForm, signIn, statusOf,
} from '../lib/browser.js';
import { USERS, issuesTitled, reportViaCli, startGridloop } from '../lib/gridloop.js';

let gl;
let browser;
const contexts = [];

before(async () => {
  gl = await startGridloop('forms');
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

/** Rows of /my that link to an issue and mention `title`. */
async function myRowsTitled(page, title) {
  await open(page, '/my');
  return page.locator('a[href*="/issues/"]').filter({ hasText: title }).count()
    .then(async (n) => n || page.locator('tr, li').filter({ hasText: title }).filter({ has: page.locator('a[href*="/issues/"]') }).count());
}

test('submitting the report form twice with the same _key creates one issue', async (t) => {
  const ctx = await context(PHONE);
  const page = await signIn(ctx, USERS.post);
  await open(page, '/issues/new');
  const title = `Street light out, double submit ${Date.now()}`;
  await fillReport(page, { title, description: 'reported twice by an impatient thumb' });
  const sent = await formFields(reportForm(page));
  assert.ok(sent.fields._key, 'the report form carries a hidden _key');
  assert.ok(sent.fields._csrf, 'the report form carries a hidden _csrf');
  const multipart = /multipart/i.test(sent.enctype);

  // Two clicks in quick succession on the button.
  let posts = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/issues') posts += 1; });
  await Promise.all([
    page.waitForURL(/\/issues\/\d+$/),
    reportButton(page).dblclick(),
  ]);
  const id = issueIdOf(page.url());
  t.diagnostic(`the browser sent ${posts} POST /issues for the double click`);
  assert.equal(await statusOf(page), 'reported');

  // The same form data (same _key, same session) posted again, as a retried request would be.
  for (let i = 0; i < 2; i += 1) {
    const res = await postForm(page, '/issues', sent.fields, { multipart });
    assert.equal(res.status(), 303, `re-POST of the same _key → ${res.status()}: ${(await res.text()).slice(0, 300)}`);
    const location = new URL(res.headers().location, gl.url);
    assert.equal(location.pathname, `/issues/${id}`, 'a re-POST of the same _key answers with the same issue');
  }

  assert.equal(issuesTitled(gl, title).length, 1, 'exactly one issue in the store');
  assert.equal(await myRowsTitled(page, title), 1, 'exactly one row on /my');

  // A new form is a new key.
  await open(page, '/issues/new');
  const again = await formFields(reportForm(page));
  assert.notEqual(again.fields._key, sent.fields._key, 'each report form gets a fresh _key');
});

test('two submissions of one form that bypass the page script, and racing re-POSTs, give one issue', async (t) => {
  const ctx = await context(DESKTOP);
  const page = await signIn(ctx, USERS.post);

  // The page's script disables the button after the first click; a browser without scripts
  // (or a second tab) has no such guard. HTMLFormElement.submit() fires no submit event, so the
  // second submission cancels the first navigation and sends the form again.
  await open(page, '/issues/new');
  const title = `Gate barrier stuck, no script ${Date.now()}`;
  await fillReport(page, { title });
  let posts = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/issues') posts += 1; });
  await reportForm(page).evaluate((f) => { f.submit(); setTimeout(() => f.submit(), 5); });
  // The first navigation is aborted by the second: wait for where the page ends up.
  for (let i = 0; i < 100 && !/\/issues\/\d+$/.test(page.url()); i += 1) await page.waitForTimeout(100);
  await page.waitForLoadState();
  t.diagnostic(`the browser sent ${posts} POST /issues for the two script-free submissions`);
  const id = issueIdOf(page.url());
  assert.equal(issuesTitled(gl, title).length, 1, 'exactly one issue for the script-free double submit');

  // Three POSTs of one form at the same moment.
  await open(page, '/issues/new');
  const raced = `Gate barrier stuck, raced ${Date.now()}`;
  await fillReport(page, { title: raced });
  const { fields, enctype } = await formFields(reportForm(page));
  const answers = await Promise.all([0, 1, 2].map(() => postForm(page, '/issues', fields, { multipart: /multipart/i.test(enctype) })));
  const locations = answers.map((r) => `${r.status()} ${new URL(r.headers().location ?? '/', gl.url).pathname}`);
  assert.equal(new Set(locations).size, 1, `racing POSTs of one _key answer alike: ${locations.join(', ')}`);
  assert.match(locations[0], /^303 \/issues\/\d+$/);
  assert.notEqual(locations[0], `303 /issues/${id}`, 'a different form is a different issue');
  assert.equal(issuesTitled(gl, raced).length, 1, 'exactly one issue for the racing POSTs');
});

test('a POST without a valid _csrf is refused with 403 and changes nothing', async () => {
  const ctx = await context(DESKTOP);
  const page = await signIn(ctx, USERS.post);
  await open(page, '/issues/new');
  const title = `CSRF probe ${Date.now()}`;
  await fillReport(page, { title });
  const { fields, enctype } = await formFields(reportForm(page));
  const multipart = /multipart/i.test(enctype);

  const refused = async (what, res) => {
    const body = await res.text();
    assert.equal(res.status(), 403, `${what} → ${res.status()}, want 403`);
    assert.match(body, /CSRF/, `${what}: the 403 page mentions CSRF`);
  };

  // The report form.
  const { _csrf: token, ...noToken } = fields;
  await refused('POST /issues without _csrf', await postForm(page, '/issues', { ...noToken, _key: `${fields._key}-a` }, { multipart }));
  await refused('POST /issues with a wrong _csrf', await postForm(page, '/issues', { ...noToken, _key: `${fields._key}-b`, _csrf: `${token.slice(0, -4)}AAAA` }, { multipart }));
  await refused('POST /issues with an empty _csrf', await postForm(page, '/issues', { ...noToken, _key: `${fields._key}-c`, _csrf: '' }, { multipart }));
  assert.equal(issuesTitled(gl, title).length, 0, 'no issue was created');

  // An action on an issue: the dispatcher's accept.
  const issue = reportViaCli(gl, { title: `${title} (action)` });
  const dctx = await context(DESKTOP);
  const dispatch = await signIn(dctx, USERS.dispatcher);
  await open(dispatch, `/issues/${issue.id}`);
  const accept = await formFields(actionForm(dispatch, issue.id, 'accept').first());
  assert.ok(accept.fields._csrf, 'the accept form carries a hidden _csrf');
  const { _csrf: dtoken, ...acceptNoToken } = accept.fields;
  await refused('POST /issues/{id}/accept without _csrf', await postForm(dispatch, `/issues/${issue.id}/accept`, acceptNoToken));
  await refused('POST /issues/{id}/accept with a wrong _csrf', await postForm(dispatch, `/issues/${issue.id}/accept`, { ...acceptNoToken, _csrf: 'x'.repeat(dtoken.length) }));
  // A token is the session's own: the post member's token does not let the dispatcher act.
  await refused('POST /issues/{id}/accept with another session\'s _csrf', await postForm(dispatch, `/issues/${issue.id}/accept`, { ...acceptNoToken, _csrf: token }));
  await open(dispatch, `/issues/${issue.id}`);
  assert.equal(await statusOf(dispatch), 'reported', 'the refused accept changed nothing');
  assert.equal(gl.json(['issue', 'show', String(issue.id)]).version, issue.version, 'the issue\'s version is unchanged');

  // Logout without a token does not end the session.
  await refused('POST /logout without _csrf', await postForm(page, '/logout', {}));
  const still = await page.request.get('/my', { maxRedirects: 0 });
  assert.equal(still.status(), 200, 'the session survives a refused logout');

  // Sign-in without a token is refused too, and gives no session.
  const anon = await context(DESKTOP);
  const lp = await anon.newPage();
  await open(lp, '/login');
  const login = await formFields(lp.locator('form').filter({ has: lp.locator('#password') }).first());
  assert.ok(login.fields._csrf, 'the login form carries a hidden _csrf');
  await refused('POST /login without _csrf', await postForm(lp, '/login', { login: USERS.post, password: 'secret-pass' }));
  const cookies = await anon.cookies();
  assert.ok(!cookies.some((c) => c.name === 'gridloop_session' && c.value), 'no session cookie after a refused sign-in');

  // A sanity check that the probes were refused for the token, not for the data: the real form
  // goes through.
  await open(page, '/issues/new');
  await fillReport(page, { title });
  await Promise.all([page.waitForURL(/\/issues\/\d+$/), reportButton(page).click()]);
  assert.equal(issuesTitled(gl, title).length, 1, 'the same report with its token is accepted');
});
