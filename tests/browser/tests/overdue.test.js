// The worklist marks overdue rows with class `overdue`: issues assigned today, seen by a server
// whose clock stands three weeks later (GRIDLOOP_NOW), against one still within its deadline.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, a11yProblems, launch, linksTo, newContext, open, screenshot, signIn } from '../lib/browser.js';
import { USERS, actViaCli, reportViaCli, startGridloop } from '../lib/gridloop.js';

let gl;
let browser;
const issues = {};
const later = new Date(Date.now() + 21 * 86400_000);

before(async () => {
  gl = await startGridloop('overdue', {
    env: { GRIDLOOP_NOW: later.toISOString() },
    before: (g) => {
      issues.late = reportViaCli(g, { title: `Overdue: substation alarm ${Date.now()}` });
      actViaCli(g, issues.late.id, 'accept', USERS.dispatcher);
      actViaCli(g, issues.late.id, 'assign', USERS.dispatcher, ['--unit', 'power']);
      // Reported and assigned "three weeks later" too: not late then.
      const env = { GRIDLOOP_NOW: later.toISOString() };
      issues.fresh = g.json(['issue', 'report', '--as', USERS.post, '--enterprise', String(g.json(['enterprise', 'list', '--grid', 'g1'])[0].id),
        '--category', 'power', '--title', `On time: meter check ${Date.now()}`], { env });
      g.json(['issue', 'act', String(issues.fresh.id), 'accept', '--as', USERS.dispatcher], { env });
      g.json(['issue', 'act', String(issues.fresh.id), 'assign', '--as', USERS.dispatcher, '--unit', 'power'], { env });
    },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await gl?.stop();
});

test('overdue rows of the worklist have class overdue, the others not', async () => {
  for (const [device, settings] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    const ctx = await newContext(browser, gl.url, settings);
    const page = await signIn(ctx, USERS.unit);
    await open(page, '/worklist');
    await screenshot(page, `worklist-overdue-${device}`);
    const rowOf = (id) => page.locator('tr, li, article, .row, .card').filter({ has: linksTo(page, id) }).last();
    assert.ok(await linksTo(page, issues.late.id).count() > 0, `issue ${issues.late.id} is on the worklist`);
    assert.ok(await linksTo(page, issues.fresh.id).count() > 0, `issue ${issues.fresh.id} is on the worklist`);
    const cls = async (id) => (await rowOf(id).getAttribute('class')) ?? '';
    assert.match(await cls(issues.late.id), /\boverdue\b/, `the row of the overdue issue ${issues.late.id}`);
    assert.doesNotMatch(await cls(issues.fresh.id), /\boverdue\b/, `the row of the issue within its deadline ${issues.fresh.id}`);
    assert.deepEqual(await a11yProblems(page, { maxWidth: device === 'phone' ? 360 : 0 }), []);
    await ctx.close();
  }
});
