// The rest of the lifecycle's buttons, each through its form on the issue page: rework, hold and
// resume, extension requests granted and denied on /extensions, return (and /returned), reject
// and reopen, mark duplicate; and a report with an error re-rendered with an alert.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  DESKTOP, PHONE, act, fillReport, launch, linksTo, newContext, open, reportButton, reportForm,
  signIn, statusOf, timelineLength,
} from '../lib/browser.js';
import { USERS, actViaCli, allIssues, issuesTitled, reportViaCli, startGridloop } from '../lib/gridloop.js';

let gl;
let browser;
const contexts = [];
const pages = {};

before(async () => {
  gl = await startGridloop('detours');
  browser = await launch();
  for (const [who, device] of [['post', PHONE], ['dispatcher', DESKTOP], ['unit', DESKTOP], ['supervisor', DESKTOP]]) {
    const ctx = await newContext(browser, gl.url, device);
    contexts.push(ctx);
    pages[who] = await signIn(ctx, USERS[who]);
  }
});

after(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  await browser?.close();
  await gl?.stop();
});

/** Opens the issue page, does the action through its form, and checks status and timeline. */
async function step(page, id, action, label, want, fill) {
  await open(page, `/issues/${id}`);
  const before = await timelineLength(page);
  await act(page, id, action, label, fill);
  await open(page, `/issues/${id}`);
  assert.equal(await statusOf(page), want, `after ${label}`);
  assert.ok(await timelineLength(page) > before, `the timeline grows after ${label}`);
}

const fillIn = (values) => async (form) => {
  for (const [name, value] of Object.entries(values)) await form.locator(`[name=${name}]`).fill(value);
};

test('a report with a missing title is re-rendered with an alert and creates nothing', async () => {
  const page = pages.post;
  await open(page, '/issues/new');
  const description = `No title given ${Date.now()}`;
  await fillReport(page, { title: '', description });
  // Past the browser's own checks (required), to see the server's answer.
  await reportForm(page).evaluate((f) => { f.noValidate = true; });
  const [res] = await Promise.all([page.waitForNavigation(), reportButton(page).click()]);
  assert.ok(res.status() >= 200 && res.status() < 500, `POST /issues without a title → ${res.status()}`);
  assert.doesNotMatch(new URL(page.url()).pathname, /^\/issues\/\d+$/, 'no issue page');
  assert.ok(await page.locator('[role=alert]').count() > 0, 'the error is shown in [role=alert]');
  assert.equal(await reportForm(page).locator('[name=description]').inputValue(), description, 'what was typed is kept');
  assert.ok(!allIssues(gl).some((i) => i.description === description), 'no issue was created');
});

test('rework, hold, resume, extensions granted and denied', async () => {
  const issue = reportViaCli(gl, { title: `Voltage drops at night ${Date.now()}` });
  const id = issue.id;
  actViaCli(gl, id, 'accept', USERS.dispatcher);
  actViaCli(gl, id, 'assign', USERS.dispatcher, ['--unit', 'power']);
  actViaCli(gl, id, 'start', USERS.unit);
  actViaCli(gl, id, 'resolve', USERS.unit, ['--note', 'Fuse replaced']);

  await step(pages.post, id, 'rework', 'Rework', 'assigned', fillIn({ reason: 'Still drops after 22:00' }));
  await step(pages.unit, id, 'start', 'Start', 'in_progress');
  await step(pages.unit, id, 'hold', 'Hold', 'on_hold', fillIn({ reason: 'Waiting for the grid operator' }));
  await step(pages.unit, id, 'resume', 'Resume', 'in_progress');

  const dueBefore = gl.json(['issue', 'show', String(id)]).resolve_due_at;
  await step(pages.unit, id, 'extend', 'Request extension', 'in_progress', fillIn({ minutes: '900', reason: 'A part must be ordered' }));
  await open(pages.supervisor, '/extensions');
  assert.ok(await linksTo(pages.supervisor, id).count() > 0, `issue ${id} is listed on /extensions`);
  await act(pages.supervisor, id, 'grant-extension', 'Grant');
  await open(pages.supervisor, `/issues/${id}`);
  assert.equal(await statusOf(pages.supervisor), 'in_progress');
  const dueAfter = gl.json(['issue', 'show', String(id)]).resolve_due_at;
  assert.ok(dueAfter > dueBefore, `a granted extension moves the deadline (${dueBefore} → ${dueAfter})`);

  await step(pages.unit, id, 'extend', 'Request extension', 'in_progress', fillIn({ minutes: '450', reason: 'And another part' }));
  await open(pages.supervisor, `/issues/${id}`);
  await act(pages.supervisor, id, 'deny-extension', 'Deny', fillIn({ reason: 'Use the spare from stock' }));
  assert.equal(gl.json(['issue', 'show', String(id)]).resolve_due_at, dueAfter, 'a denied extension keeps the deadline');
  await open(pages.supervisor, '/extensions');
  assert.equal(await linksTo(pages.supervisor, id).count(), 0, `issue ${id} is no longer on /extensions`);
});

test('a unit returns an issue to the dispatcher, lands on a page it may see, and the issue is on /returned', async () => {
  const returned = reportViaCli(gl, { title: `Not a power problem ${Date.now()}` });
  actViaCli(gl, returned.id, 'accept', USERS.dispatcher);
  actViaCli(gl, returned.id, 'assign', USERS.dispatcher, ['--unit', 'power']);
  await open(pages.unit, `/issues/${returned.id}`);
  // Once returned the issue is no longer the unit's: the answer must not send it to a 404.
  await act(pages.unit, returned.id, 'return', 'Return', fillIn({ reason: 'The road is the transport committee\'s' }));
  await open(pages.dispatcher, `/issues/${returned.id}`);
  assert.equal(await statusOf(pages.dispatcher), 'accepted');
  await open(pages.dispatcher, '/returned');
  assert.ok(await linksTo(pages.dispatcher, returned.id).count() > 0, `issue ${returned.id} is on /returned`);
});

test('reject and reopen, mark duplicate', async () => {
  const stamp = Date.now();
  const rejected = reportViaCli(gl, { title: `Not for the park ${stamp}` });
  await step(pages.dispatcher, rejected.id, 'reject', 'Reject', 'rejected', fillIn({ reason: 'A private dispute' }));
  await step(pages.supervisor, rejected.id, 'reopen', 'Reopen', 'accepted', fillIn({ reason: 'It does concern the park' }));

  const original = reportViaCli(gl, { title: `Outage in block C ${stamp}` });
  const copy = reportViaCli(gl, { title: `Block C has no power ${stamp}` });
  await step(pages.dispatcher, copy.id, 'duplicate', 'Mark duplicate', 'duplicate', fillIn({ of: String(original.id) }));
  assert.equal(issuesTitled(gl, copy.title)[0].status, 'duplicate');
});
