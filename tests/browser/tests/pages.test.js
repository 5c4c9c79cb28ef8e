// (f) Every main page, as the role that uses it, on a phone (360×740) and a desktop: a lang
// attribute, exactly one h1, a label for every visible field, and on the phone no horizontal
// scroll. A full-page screenshot of each goes to target/browser/screenshots/.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DESKTOP, PHONE, a11yProblems, launch, newContext, open, screenshot, signIn } from '../lib/browser.js';
import { USERS, actViaCli, reportViaCli, startGridloop } from '../lib/gridloop.js';

let gl;
let browser;
/** Issues in interesting states, so their pages show many forms. */
const issues = {};

before(async () => {
  gl = await startGridloop('pages');
  browser = await launch();
  const stamp = Date.now();
  issues.reported = reportViaCli(gl, { title: `Loading bay flooded ${stamp}`, description: 'Water 20 cm deep after the storm.' });
  issues.accepted = reportViaCli(gl, { title: `Power dips every afternoon ${stamp}` });
  actViaCli(gl, issues.accepted.id, 'accept', USERS.dispatcher);
  issues.assigned = reportViaCli(gl, { title: `Transformer humming ${stamp}` });
  actViaCli(gl, issues.assigned.id, 'accept', USERS.dispatcher);
  actViaCli(gl, issues.assigned.id, 'assign', USERS.dispatcher, ['--unit', 'power']);
  issues.resolved = reportViaCli(gl, { title: `Street light out at gate 3 ${stamp}` });
  actViaCli(gl, issues.resolved.id, 'accept', USERS.dispatcher);
  actViaCli(gl, issues.resolved.id, 'assign', USERS.dispatcher, ['--unit', 'power']);
  actViaCli(gl, issues.resolved.id, 'start', USERS.unit);
  actViaCli(gl, issues.resolved.id, 'resolve', USERS.unit, ['--note', 'Lamp replaced']);
  // A pending extension request, for /extensions.
  issues.extension = reportViaCli(gl, { title: `Cable needs rerouting ${stamp}` });
  actViaCli(gl, issues.extension.id, 'accept', USERS.dispatcher);
  actViaCli(gl, issues.extension.id, 'assign', USERS.dispatcher, ['--unit', 'power']);
  actViaCli(gl, issues.extension.id, 'start', USERS.unit);
  const until = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
  actViaCli(gl, issues.extension.id, 'extend_request', USERS.unit, ['--until', until, '--reason', 'waiting for a part']);
  // A returned one, for /returned.
  issues.returned = reportViaCli(gl, { title: `Wrong unit for this one ${stamp}` });
  actViaCli(gl, issues.returned.id, 'accept', USERS.dispatcher);
  actViaCli(gl, issues.returned.id, 'assign', USERS.dispatcher, ['--unit', 'power']);
  actViaCli(gl, issues.returned.id, 'return', USERS.unit, ['--reason', 'not ours: the road belongs to transport']);
});

after(async () => {
  await browser?.close();
  await gl?.stop();
});

/**
 * The main pages: [screenshot name, login (null = signed out), path]. The issue pages come in
 * the states where each role has forms to fill.
 */
const PAGES = () => [
  ['login', null, '/login'],
  ['report-form', USERS.post, '/issues/new'],
  ['my-issues', USERS.post, '/my'],
  ['verify-list', USERS.post, '/verify'],
  ['issue-to-verify', USERS.post, `/issues/${issues.resolved.id}`],
  ['visits', USERS.commissioner, '/visits'],
  ['intake', USERS.dispatcher, '/intake'],
  ['issue-to-accept', USERS.dispatcher, `/issues/${issues.reported.id}`],
  ['issue-to-assign', USERS.dispatcher, `/issues/${issues.accepted.id}`],
  ['returned', USERS.dispatcher, '/returned'],
  ['worklist', USERS.unit, '/worklist'],
  ['issue-to-start', USERS.unit, `/issues/${issues.assigned.id}`],
  ['worklist-head', USERS.unitHead, '/worklist'],
  ['dashboard', USERS.supervisor, '/dashboard'],
  ['extensions', USERS.supervisor, '/extensions'],
  ['weekly-report', USERS.supervisor, '/weekly-report'],
  ['weekly-report-unit', USERS.unitHead, '/weekly-report'],
  ['admin', USERS.admin, '/admin'],
];

for (const [device, settings, maxWidth] of [['phone', PHONE, 360], ['desktop', DESKTOP, 0]]) {
  describe(`on a ${device}`, () => {
    const sessions = new Map();
    const pageAs = async (login) => {
      if (!sessions.has(login)) {
        const ctx = await newContext(browser, gl.url, settings);
        const page = login ? await signIn(ctx, login) : await ctx.newPage();
        if (!login) await page.goto('/lang/en?next=/login');
        sessions.set(login, { ctx, page });
      }
      return sessions.get(login).page;
    };
    after(async () => {
      for (const { ctx } of sessions.values()) {
        assert.deepEqual(ctx.offsite, [], 'requests to anything but loopback');
        await ctx.close();
      }
    });

    test('every main page is accessible and screenshotted', async (t) => {
      for (const [name, login, path] of PAGES()) {
        await t.test(`${name} (${path} as ${login ?? 'nobody'})`, async () => {
          const page = await pageAs(login);
          await open(page, path);
          await screenshot(page, `${name}-${device}`);
          const problems = await a11yProblems(page, { maxWidth });
          assert.deepEqual(problems, [], `${path} as ${login ?? 'nobody'} on a ${device}`);
          assert.deepEqual(sessions.get(login).ctx.pageErrors.splice(0), [], 'uncaught script errors');
        });
      }
    });

    test('the admin sub-pages are accessible and screenshotted', async (t) => {
      const page = await pageAs(USERS.admin);
      await open(page, '/admin');
      const links = await page.locator('a[href^="/admin/"]').evaluateAll((as) => [...new Set(as.map((a) => new URL(a.href).pathname))]);
      t.diagnostic(`admin sub-pages: ${links.join(' ')}`);
      for (const want of ['grids', 'posts', 'enterprises', 'units', 'users', 'categories']) {
        assert.ok(links.some((l) => l.startsWith(`/admin/${want}`)), `/admin links to /admin/${want}`);
      }
      for (const path of links.slice(0, 15)) {
        await t.test(path, async () => {
          await open(page, path);
          await screenshot(page, `admin-${path.slice('/admin/'.length).replace(/[^a-z0-9]+/gi, '-')}-${device}`);
          assert.deepEqual(await a11yProblems(page, { maxWidth }), [], `${path} on a ${device}`);
        });
      }
    });
  });
}
