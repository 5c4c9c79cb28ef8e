// Needs and offers (供需, issue #16) in the browser: a commissioner on a phone posts a need for an
// enterprise of their grid through /chain/listings/new, lands on its page with its ranked
// suggestions (each with a one-line reason and a link to introduce the two enterprises), finds
// it again with a Chinese search without spaces on /chain/listings, and sees the demo's offcut
// need suggest the recycler's offer first.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, a11yProblems, launch, newContext, open, screenshot, signIn } from '../lib/browser.js';
import { PASSWORD, USERS, startGridloop } from '../lib/gridloop.js';

let gl;
let browser;

before(async () => {
  gl = await startGridloop('listings');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await gl?.stop();
});

test('a commissioner posts a need, opens it and sees its suggestions', async () => {
  const ctx = await newContext(browser, gl.url, PHONE);
  const page = await signIn(ctx, USERS.commissioner);

  // The main menu's entry and the chain's sub-menu.
  await open(page, '/chain/listings');
  await page.getByRole('link', { name: 'Chain' }).first().waitFor();
  const subnav = page.getByRole('navigation', { name: 'Chain menu' });
  for (const name of ['Needs & offers', 'Matches', 'Events', 'Map']) {
    await subnav.getByRole('link', { name }).waitFor();
  }

  // Enterprise 2 is in comm01's grid (the demo's offcut need is its own).
  await open(page, '/chain/listings/new?enterprise=2&kind=need');
  assert.deepEqual(await a11yProblems(page, { maxWidth: 360 }), []);
  const form = page.locator('form[action="/chain/listings"]');
  assert.equal(await form.getByLabel('need').isChecked(), true, 'kind=need chose the side');
  await form.getByLabel('Kind').selectOption('byproduct_buyer');
  const title = `寻找铝屑回收企业 ${Date.now() % 100000}`;
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Text').fill('机加工每月产生铝屑和边角料约10吨，希望就近回收再生');
  await form.getByLabel('Tags').fill('铝屑，边角料');
  await screenshot(page, 'chain-listing-new-phone');
  const [res] = await Promise.all([
    page.waitForNavigation(),
    form.getByRole('button', { name: 'Post' }).click(),
  ]);
  assert.equal(res.status(), 200, `after posting: ${page.url()}`);
  const m = new URL(page.url()).pathname.match(/^\/chain\/listings\/(\d+)$/);
  assert.ok(m, `on the listing's page, at ${page.url()}`);
  const id = m[1];
  assert.equal(await page.locator('h1').textContent(), title);
  assert.equal(await page.locator('[data-listing-status]').first().getAttribute('data-listing-status'), 'open');

  // Its suggestions, best first, each explained and with a link to introduce the pair.
  const suggestions = page.locator('ol.suggestions > li');
  assert.ok(await suggestions.count() > 0, 'the need has suggestions');
  const first = suggestions.first();
  assert.ok((await first.locator('.why').textContent()).trim().length > 0, 'a one-line reason');
  const href = await first.getByRole('link', { name: 'Introduce' }).getAttribute('href');
  assert.match(href, new RegExp(`^/chain/matches/new\\?need=${id}&enterprise=\\d+`));
  await screenshot(page, 'chain-listing-suggestions-phone');

  // Found by a Chinese search without spaces.
  await open(page, `/chain/listings?q=${encodeURIComponent('铝屑回收')}`);
  await page.locator(`tr[data-listing="${id}"]`).waitFor();
  assert.deepEqual(await a11yProblems(page, { maxWidth: 360 }), []);
  assert.deepEqual(ctx.offsite, [], 'no request left loopback');
  await ctx.close();
});

test('the offcut need suggests the recycler first', async () => {
  const ctx = await newContext(browser, gl.url, DESKTOP);
  const page = await signIn(ctx, USERS.commissioner);
  await open(page, '/chain/listings/1');
  const first = page.locator('ol.suggestions > li').first();
  assert.equal(await first.getAttribute('data-suggestion'), 'offer');
  assert.equal(await first.getAttribute('data-offer'), '2');
  assert.match(await first.locator('.why').textContent(), /再生铝 is downstream of 铝加工/);
  await screenshot(page, 'chain-offcut-need-desktop');
  await ctx.close();
});

test('a need with bad input is refused in Chinese on a Chinese page, and nothing is posted', async () => {
  const ctx = await newContext(browser, gl.url, PHONE);
  const page = await ctx.newPage();
  await page.goto(`/lang/zh-CN?next=${encodeURIComponent('/login')}`);
  await page.locator('#login').fill(USERS.commissioner);
  await page.locator('#password').fill(PASSWORD);
  const login = page.locator('form').filter({ has: page.locator('#password') });
  await Promise.all([page.waitForNavigation(), login.locator('button').first().click()]);
  const before = gl.json(['need', 'list', '--limit', '200']).items.length;

  await open(page, '/chain/listings/new?enterprise=2&kind=need');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  const form = page.locator('form[action="/chain/listings"]');
  await form.locator('[name=kind]').selectOption('capacity');
  await form.locator('[name=title]').fill(' ');
  await form.locator('[name=text]').fill('旺季挤压产能不足');
  await form.locator('[name=valid_until]').fill('2020-01-01');
  // The browser's own checks (required, dates) are not the server's: send the form as typed.
  await form.evaluate((f) => { f.noValidate = true; });
  const [res] = await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
  assert.equal(res.status(), 422);
  const alert = (await page.locator('[role=alert]').allTextContents()).join(' ');
  assert.match(alert, /标题/);
  assert.match(alert, /有效期至/);
  assert.deepEqual(alert.match(/[A-Za-z]{2,}/g) ?? [], [], `no English in: ${alert}`);
  assert.equal(await form.locator('[name=text]').inputValue(), '旺季挤压产能不足', 'what was typed comes back');
  assert.equal(gl.json(['need', 'list', '--limit', '200']).items.length, before, 'nothing posted');
  await ctx.close();
});
