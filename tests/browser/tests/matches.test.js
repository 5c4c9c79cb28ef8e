// Matches (对接, issue #16) through the pages: a dispatcher opens the introduction form from the
// offcut need's suggestion (/chain/matches/new?need=1&enterprise=42, prefilled), introduces two
// enterprises, agrees the match with a contract value on its page, and finds the link on the
// chain map (/chain/map: server-rendered SVG in a sideways-scrolling box, and the table of links
// as its text alternative), on a phone at 360 px. The map's screenshot path is printed.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PHONE, a11yProblems, launch, newContext, open, screenshot, signIn } from '../lib/browser.js';
import { USERS, startGridloop } from '../lib/gridloop.js';

let gl;
let browser;

before(async () => {
  gl = await startGridloop('matches');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await gl?.stop();
});

/** Submits `form` by its submit button; waits for the page after and checks it has no alert. */
async function submit(page, form) {
  const [res] = await Promise.all([
    page.waitForNavigation(),
    form.locator('button[type=submit]').first().click(),
  ]);
  assert.equal(res.status(), 200, `after the form: GET ${new URL(res.url()).pathname} → ${res.status()}`);
  assert.deepEqual((await page.locator('[role=alert]').allTextContents()).filter((t) => t.trim()), []);
}

test('a dispatcher introduces a match, agrees it, and sees the link on the chain map', async () => {
  const ctx = await newContext(browser, gl.url, PHONE);
  const page = await signIn(ctx, USERS.dispatcher);

  // From the offcut need's suggestion: the need's enterprise and the suggested one preselected.
  await open(page, '/chain/matches/new?need=1&enterprise=42');
  assert.deepEqual(await a11yProblems(page, { maxWidth: 360 }), []);
  assert.equal(await page.locator('#enterprise').inputValue(), '2');
  assert.equal(await page.locator('#with').inputValue(), '42');
  assert.equal(await page.locator('#need').inputValue(), '1');
  // Another pair than the demo's, so that its link is new on the map.
  await page.locator('#enterprise').selectOption('4');
  await page.locator('#with').selectOption('61');
  await page.locator('#need').fill('');
  await page.locator('#note').fill('Short-haul transport inside the park');
  await submit(page, page.locator('form[action="/chain/matches"]'));
  const id = new URL(page.url()).pathname.match(/^\/chain\/matches\/(\d+)$/)?.[1];
  assert.ok(id, `on the match's page: ${page.url()}`);
  assert.equal(await page.locator('[data-match-status]').getAttribute('data-match-status'), 'introduced');

  const agree = page.locator(`form[action="/chain/matches/${id}/agree"]`);
  await agree.getByLabel('Contract value (yuan)').fill('880000.50');
  await submit(page, agree);
  assert.equal(await page.locator('[data-match-status]').getAttribute('data-match-status'), 'agreed');
  assert.match(await page.locator('[data-contract-value]').textContent(), /880000\.50/);
  assert.deepEqual(await a11yProblems(page, { maxWidth: 360 }), []);

  await open(page, '/chain/map');
  assert.deepEqual(await a11yProblems(page, { maxWidth: 360 }), [], 'the map scrolls in its box, not the page');
  const svg = page.locator('svg[role=img]');
  assert.equal(await svg.locator('title').first().textContent(), 'Chain map');
  assert.match(await svg.locator('desc').textContent(), /6 stages/);
  assert.equal(await svg.locator(`path[data-match="${id}"]`).count(), 1, 'the agreed match is a link');
  const row = page.locator(`tr[data-link="${id}"]`);
  assert.equal(await row.count(), 1, 'and a row of the text alternative');
  assert.match(await row.textContent(), /880000\.50/);
  // Wider than the phone: the box scrolls sideways.
  const box = await page.locator('.map-scroll').evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
  assert.ok(box.scroll > box.client, `the map is wider than its box: ${JSON.stringify(box)}`);
  const shot = await screenshot(page, 'chain-map-phone');
  console.log(`chain map screenshot: ${shot}`);

  // Filtered to one stage, the links to other stages are not drawn.
  await open(page, '/chain/map?stage=recycling');
  assert.equal(await page.locator('svg[role=img]').getAttribute('data-links'), '0');
  await ctx.close();
});
