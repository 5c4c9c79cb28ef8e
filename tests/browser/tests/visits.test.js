// A commissioner's week of visits on a phone: /visits lists them, a visit is checked in on site
// (POST /visits/{id}/checkin) and logged as done with notes, raising an issue found there
// (POST /visits/{id}/complete with notes, raise_title, raise_category). The server's clock stands
// on a Tuesday morning (GRIDLOOP_NOW), after the scheduler planned the visits (`jobs work`).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PHONE, a11yProblems, launch, newContext, open, screenshot, signIn } from '../lib/browser.js';
import { CATEGORY, USERS, issuesTitled, startGridloop } from '../lib/gridloop.js';

/** Tuesday 2026-12-01, 08:30 in Shanghai: half an hour before the first visits' windows. */
const NOW = '2026-12-01T00:30:00Z';
let gl;
let browser;
let visit;

before(async () => {
  gl = await startGridloop('visits', {
    env: { GRIDLOOP_NOW: NOW },
    before: (g) => {
      g.cli(['jobs', 'work'], { env: { GRIDLOOP_NOW: NOW } });
      const week = g.json(['visit', 'list', '--due', 'week', '--as', USERS.commissioner], { env: { GRIDLOOP_NOW: NOW } });
      const now = Date.parse(NOW);
      visit = week.find((v) => v.status === 'planned' && Date.parse(v.scheduled_at) - 3600_000 <= now && now < Date.parse(v.window_end_at));
      assert.ok(visit, `a visit of ${USERS.commissioner} open at ${NOW}: ${JSON.stringify(week.slice(0, 3))}`);
    },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await gl?.stop();
});

/** Submits the form posting to `path` by its (only) submit button; waits for the page after. */
async function submit(page, path, fill = async () => {}) {
  const form = page.locator(`form[action$="${path}"]`).first();
  await form.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no form posting to ${path} on ${page.url()}`);
  });
  await fill(form);
  const [res] = await Promise.all([
    page.waitForNavigation(),
    form.locator('button[type=submit], input[type=submit], button:not([type])').first().click(),
  ]);
  assert.equal(res.status(), 200, `after POST ${path}: GET ${new URL(res.url()).pathname} → ${res.status()}`);
  assert.deepEqual((await page.locator('[role=alert]').allTextContents()).filter((t) => t.trim()), [], `after POST ${path}`);
}

test('a commissioner checks in on a visit and logs it, raising an issue found on site', async () => {
  const ctx = await newContext(browser, gl.url, PHONE);
  const page = await signIn(ctx, USERS.commissioner);
  await open(page, '/visits');
  await screenshot(page, 'visits-week-phone');
  assert.deepEqual(await a11yProblems(page, { maxWidth: 360 }), []);

  await submit(page, `/visits/${visit.id}/checkin`);
  const shown = () => gl.json(['visit', 'list', '--due', 'week', '--as', USERS.commissioner], { env: { GRIDLOOP_NOW: NOW } })
    .find((v) => v.id === visit.id);
  assert.ok(shown().checked_in_at, 'the visit is checked in');

  await open(page, '/visits');
  const title = `Fire exit blocked by pallets ${Date.now()}`;
  await submit(page, `/visits/${visit.id}/complete`, async (form) => {
    await form.locator('[name=notes]').fill('Met the plant manager; one problem found.');
    await form.locator('[name=raise_title]').fill(title);
    const cat = form.locator('[name=raise_category]');
    if (await cat.evaluate((e) => e.tagName) === 'SELECT') {
      const value = await cat.locator('option').evaluateAll((os, c) => (os.find((o) => o.value === c) ?? os.find((o) => o.value))?.value, CATEGORY);
      await cat.selectOption(value);
    } else {
      await cat.fill(CATEGORY);
    }
  });
  await screenshot(page, 'visits-completed-phone');
  assert.equal(shown().status, 'completed', 'the visit is logged as done');
  assert.equal(issuesTitled(gl, title).length, 1, 'the problem found on site is an issue');
  await ctx.close();
});
