// (a) The whole loop across roles, in the browser: a post member on a phone reports an issue,
// the dispatcher finds it in /intake, accepts it and assigns it to the suggested unit, the unit
// member starts and resolves it with a note, and the post member verifies it with a score; the
// issue ends closed, and its timeline grows at each step.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  DESKTOP, PHONE, act, fillReport, issueIdOf, launch, linksTo, makePng, newContext, open,
  reportButton, screenshot, signIn, statusOf, timelineLength,
} from '../lib/browser.js';
import { SUGGESTED_UNIT, USERS, enterprisesOf, startGridloop } from '../lib/gridloop.js';

let gl;
let browser;
const contexts = [];

before(async () => {
  gl = await startGridloop('loop');
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

test('a problem goes round the whole loop across roles and ends closed', async (t) => {
  const title = `Cable trench collapsed near gate ${Date.now()}`;
  const note = 'Trench backfilled and the cable re-laid';

  // 1. The post member, on a phone, reports it.
  const phone = await context(PHONE);
  const post = await signIn(phone, USERS.post);
  assert.equal(new URL(post.url()).pathname, '/my', 'a post member lands on /my');
  await open(post, '/issues/new');
  const photo = await makePng(post);
  const { offered } = await fillReport(post, {
    title,
    description: 'The 10 kV cable is exposed after the rain.',
    priority: 'urgent',
    photo,
  });
  // Only the enterprises of the post's own grid (g1) are offered.
  const g1 = enterprisesOf(gl, 'g1');
  const known = new Set(g1.flatMap((e) => [String(e.id), e.name]));
  const foreign = offered.filter((o) => !known.has(o.value) && !g1.some((e) => o.text.includes(e.name)));
  assert.deepEqual(foreign, [], 'enterprises offered outside grid g1');
  assert.equal(offered.length, g1.length, 'every enterprise of grid g1 is offered');
  await screenshot(post, 'loop-1-report-filled-phone');
  await Promise.all([post.waitForURL(/\/issues\/\d+$/), reportButton(post).click()]);
  const id = issueIdOf(post.url());
  assert.equal(await statusOf(post), 'reported');
  assert.match(await post.locator('h1').innerText(), new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  let seen = await timelineLength(post);
  assert.ok(seen >= 1, 'the new issue has a timeline entry');
  await screenshot(post, 'loop-2-reported-phone');
  // The photo went up with the report and comes back as it was.
  const candidates = await post.locator('main a[href], main img[src], a[href*="attach"], img[src*="attach"]').evaluateAll((els) => [
    ...new Set(els.map((el) => el.href || el.src).filter((u) => /attach|photo|\.png/i.test(u) && !/\/issues\/\d+$/.test(u))),
  ]);
  let photoBack = false;
  for (const href of candidates) {
    const res = await post.request.get(href, { failOnStatusCode: false });
    if (res.status() === 200 && Buffer.compare(await res.body(), photo) === 0) photoBack = true;
  }
  assert.ok(photoBack, `the uploaded photo is linked from the issue page and served back unchanged (candidates: ${candidates.join(' ') || 'none'})`);
  const grows = async (page, step) => {
    const n = await timelineLength(page);
    assert.ok(n > seen, `the timeline grows after ${step} (${seen} → ${n})`);
    seen = n;
  };

  // 2. The dispatcher, on a desktop, finds it in /intake, accepts it and assigns it there to
  //    the suggested unit.
  const desk = await context(DESKTOP);
  const dispatch = await signIn(desk, USERS.dispatcher);
  assert.equal(new URL(dispatch.url()).pathname, '/intake', 'the dispatcher lands on /intake');
  await linksTo(dispatch, id).first().waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`issue ${id} is not linked from /intake`);
  });
  await screenshot(dispatch, 'loop-3-intake-desktop');
  await Promise.all([dispatch.waitForURL(new RegExp(`/issues/${id}$`)), linksTo(dispatch, id).first().click()]);
  await act(dispatch, id, 'accept', 'Accept');
  await open(dispatch, `/issues/${id}`);
  assert.equal(await statusOf(dispatch), 'accepted');
  await grows(dispatch, 'accept');

  await open(dispatch, '/intake');
  const unit = dispatch.locator(`form[action$="/issues/${id}/assign"] [name=unit]`);
  await unit.first().waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`/intake has no assign form (POST /issues/${id}/assign with a unit) for the accepted issue`);
  });
  const units = gl.json(['unit', 'list']);
  const suggested = units.find((u) => u.code === SUGGESTED_UNIT);
  const chosen = await unit.first().evaluate((el) => (el.tagName === 'SELECT'
    ? { value: el.value, text: el.selectedOptions[0]?.textContent.trim() ?? '' }
    : { value: el.value, text: '' }));
  assert.ok(
    [suggested.code, String(suggested.id)].includes(chosen.value) || chosen.text.includes(suggested.name),
    `the assign form preselects the category's unit ${SUGGESTED_UNIT}, not ${JSON.stringify(chosen)}`,
  );
  await act(dispatch, id, 'assign', 'Assign');
  await open(dispatch, `/issues/${id}`);
  assert.equal(await statusOf(dispatch), 'assigned');
  await grows(dispatch, 'assign');
  await screenshot(dispatch, 'loop-4-assigned-desktop');

  // 3. The unit member finds it in the worklist, starts it and resolves it with a note.
  const unitCtx = await context(DESKTOP);
  const member = await signIn(unitCtx, USERS.unit);
  assert.equal(new URL(member.url()).pathname, '/worklist', 'a unit member lands on /worklist');
  await linksTo(member, id).first().waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`issue ${id} is not linked from the unit's /worklist`);
  });
  await Promise.all([member.waitForURL(new RegExp(`/issues/${id}$`)), linksTo(member, id).first().click()]);
  await act(member, id, 'start', 'Start');
  await open(member, `/issues/${id}`);
  assert.equal(await statusOf(member), 'in_progress');
  await grows(member, 'start');
  await act(member, id, 'resolve', 'Resolve', (form) => form.locator('[name=note]').fill(note));
  await open(member, `/issues/${id}`);
  assert.equal(await statusOf(member), 'resolved');
  await grows(member, 'resolve');
  await screenshot(member, 'loop-5-resolved-desktop');

  // 4. The post member, back on the phone, finds it under /verify and verifies it with 4 stars.
  await open(post, '/verify');
  await linksTo(post, id).first().waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`issue ${id} is not listed on the reporter's /verify`);
  });
  await screenshot(post, 'loop-6-verify-list-phone');
  await Promise.all([post.waitForURL(new RegExp(`/issues/${id}$`)), linksTo(post, id).first().click()]);
  await act(post, id, 'verify', 'Verify', (form) => form.getByLabel('4 stars', { exact: true }).check());
  await open(post, `/issues/${id}`);
  assert.equal(await statusOf(post), 'closed');
  await grows(post, 'verify');
  await screenshot(post, 'loop-7-closed-phone');
  if (!(await post.locator('ol.timeline').innerText()).includes(note)) {
    t.diagnostic('the resolution note does not appear in the reporter\'s timeline');
  }

  // The store agrees with the pages.
  const shown = gl.json(['issue', 'show', id]);
  assert.equal(shown.status, 'closed');
  assert.equal(shown.unit, SUGGESTED_UNIT);
  assert.equal(shown.satisfaction, 4);
  assert.equal(shown.reporter, USERS.post);

  for (const ctx of contexts) {
    assert.deepEqual(ctx.offsite, [], 'requests to anything but loopback');
    assert.deepEqual(ctx.pageErrors, [], 'uncaught script errors');
  }
});
