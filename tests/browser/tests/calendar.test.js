// The working calendar entered through the web (issue #14): on 6 December 2026 the dashboard
// warns that 2027 has no holiday calendar; an admin opens /admin/calendar?year=2027 and clicks
// days — New Year's Day becomes a holiday, a Saturday a make-up working day and back — and the
// stored calendar (read back with `gridloop calendar show --json`) has them; the banner is gone.
// Non-admins get no calendar page, the zh-CN page has no English words, and a phone at 360 px
// does not scroll sideways.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, a11yProblems, launch, newContext, open, postForm, screenshot, signIn } from '../lib/browser.js';
import { PASSWORD, USERS, startGridloop } from '../lib/gridloop.js';

/** Sunday 6 December 2026, 10:00 in Shanghai: after 1 November, with 2027 not yet entered. */
const NOW = '2026-12-06T02:00:00Z';
let gl;
let browser;
const contexts = [];

before(async () => {
  gl = await startGridloop('calendar', { env: { GRIDLOOP_NOW: NOW } });
  browser = await launch();
});

after(async () => {
  for (const ctx of contexts) {
    assert.deepEqual(ctx.offsite, [], 'requests to anything but loopback');
    assert.deepEqual(ctx.pageErrors, [], 'uncaught script errors');
    await ctx.close().catch(() => {});
  }
  await browser?.close();
  await gl?.stop();
});

async function as(login, device = DESKTOP) {
  const ctx = await newContext(browser, gl.url, device);
  contexts.push(ctx);
  return signIn(ctx, login);
}

/** Signed in through the real form with the page language zh-CN. */
async function asChinese(login) {
  const ctx = await newContext(browser, gl.url, DESKTOP);
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto(`/lang/zh-CN?next=${encodeURIComponent('/login')}`);
  await page.locator('#login').fill(login);
  await page.locator('#password').fill(PASSWORD);
  await Promise.all([page.waitForNavigation(), page.locator('form').filter({ has: page.locator('#password') }).locator('button').first().click()]);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  return page;
}

/** 2027 as stored (`gridloop calendar show --year 2027 --json`): null until it is. */
function stored2027() {
  return gl.json(['calendar', 'show', '--year', '2027']);
}

/** The day's button on the calendar page. */
function dayButton(page, date) {
  return page.locator(`button[data-date="${date}"]`);
}

/** Clicks a day's button and waits for the page the POST's 303 leads to; returns that response. */
async function click(page, date) {
  const [res] = await Promise.all([page.waitForNavigation(), dayButton(page, date).click()]);
  assert.ok(res, `clicking ${date} loaded no page`);
  const posted = res.request().redirectedFrom();
  assert.ok(posted && posted.method() === 'POST', `clicking ${date}: expected POST → 303 → page, got ${res.request().method()} ${res.url()}`);
  assert.equal(new URL(posted.url()).pathname, `/admin/calendar/${date}`);
  assert.equal(res.status(), 200, `after clicking ${date}: ${res.status()} ${res.url()}`);
  assert.equal(new URL(res.url()).searchParams.get('year'), date.slice(0, 4), 'back on the same year');
  assert.deepEqual((await page.locator('[role=alert]').allTextContents()).filter((t) => t.trim()), [], `after clicking ${date}: alert shown`);
  return res;
}

const kindOf = (page, date) => dayButton(page, date).getAttribute('data-kind');

/** The ASCII words of `text` that are English: not a number, a date or a code with a digit, `/` or `@`. */
function englishWords(text) {
  return text
    .split(/[^\x21-\x7e]|-/)
    .map((w) => w.replace(/^[()（）,.;:'"“”·←→]+|[()（）,.;:'"“”·←→]+$/g, ''))
    .filter((w) => /[A-Za-z]/.test(w))
    .filter((w) => !/[0-9@/+]/.test(w));
}

/** The text of <main> without the commands and paths it quotes in <code>. */
async function mainText(page) {
  return page.locator('main').evaluate((m) => {
    const copy = m.cloneNode(true);
    for (const code of copy.querySelectorAll('code')) code.remove();
    const attrs = [...copy.querySelectorAll('[aria-label], [title]')]
      .flatMap((el) => [el.getAttribute('aria-label'), el.getAttribute('title')]).filter(Boolean);
    return `${copy.textContent} ${attrs.join(' ')}`;
  });
}

test('from 1 November the dashboard warns admins and supervisors that 2027 is missing, with a link for admins', async () => {
  assert.equal(stored2027(), null, 'the seeded park has no 2027');
  const lead = await as(USERS.supervisor);
  await open(lead, '/dashboard');
  const banner = lead.locator('[data-banner=calendar-missing]');
  await banner.waitFor();
  assert.match(await banner.textContent(), /2027/);
  assert.match(await banner.textContent(), /New Year's Day/);
  assert.equal(await banner.locator('a').count(), 0, 'no calendar link for a supervisor');
  // In Chinese, as the issue words it.
  const zh = await asChinese(USERS.supervisor);
  await open(zh, '/dashboard');
  assert.equal((await zh.locator('[data-banner=calendar-missing]').textContent()).trim(),
    '2027 年的节假日安排尚未录入：跨入 2027 年的期限将按普通周计算（元旦也算工作日）。');
  // Not shown to the other roles: they have no dashboard at all.
  const unit = await as(USERS.unit);
  await open(unit, '/dashboard', 403);

  const admin = await as(USERS.admin);
  await open(admin, '/dashboard');
  const link = admin.locator('[data-banner=calendar-missing] a');
  assert.equal(await link.getAttribute('href'), '/admin/calendar?year=2027');
  await Promise.all([admin.waitForNavigation(), link.click()]);
  assert.equal(new URL(admin.url()).pathname + new URL(admin.url()).search, '/admin/calendar?year=2027');
  assert.match(await admin.locator('h1').textContent(), /2027/);
  // Not stored: plain weeks, and how to add it.
  assert.equal(await admin.locator('[data-calendar-missing="2027"]').count(), 1);
  assert.match(await admin.locator('[data-calendar-missing]').textContent(), /no holiday calendar/);
  assert.equal(await kindOf(admin, '2027-01-01'), 'workday', 'New Year\'s Day is a plain Friday for now');
  assert.equal(await kindOf(admin, '2027-01-02'), 'weekend');
  assert.equal(await dayButton(admin, '2027-12-31').count(), 1, 'the whole year is shown');
  await screenshot(admin, 'admin-calendar-2027-missing-desktop');
});

test('an admin clicks 2027-01-01 into a holiday and a Saturday into a make-up day and back; the store has them and the banner is gone', async () => {
  const page = await as(USERS.admin);
  await open(page, '/admin/calendar?year=2027');
  const newYear = dayButton(page, '2027-01-01');
  assert.match(await newYear.getAttribute('aria-label'), /^2027-01-01 working day · click to make it a public holiday$/);

  // The day's name goes in the one note field, then the click. Enter in the field sends
  // nothing (it must not click the first day of the year).
  await page.getByLabel(/Name or note/).fill('元旦');
  await page.getByLabel(/Name or note/).press('Enter');
  await assert.rejects(page.waitForNavigation({ timeout: 1500 }), /Timeout/, 'Enter in the note field loaded a page');
  assert.equal(stored2027(), null, 'Enter in the note field changed nothing');
  await click(page, '2027-01-01');
  assert.match(await page.locator('[role=status]').textContent(), /2027-01-01 is now a public holiday \(元旦\)/);
  assert.equal(await kindOf(page, '2027-01-01'), 'holiday');
  assert.match(await dayButton(page, '2027-01-01').getAttribute('aria-label'), /public holiday 元旦 · click to make it a normal day again/);
  assert.match(await page.locator('[data-listed="2027-01-01"]').textContent(), /元旦/);
  assert.equal(await page.locator('[data-calendar-version]').getAttribute('data-calendar-version'), '1');
  assert.equal(await page.getByLabel(/Name or note/).inputValue(), '', 'the note is not carried to the next click');
  let year = stored2027();
  assert.ok(year, '2027 is stored after the first click');
  assert.deepEqual(year.days, [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }]);
  assert.equal(year.time_zone, 'Asia/Shanghai');

  // Saturday 9 January: a make-up working day, then normal again.
  assert.equal(await kindOf(page, '2027-01-09'), 'weekend');
  await click(page, '2027-01-09');
  assert.equal(await kindOf(page, '2027-01-09'), 'make_up');
  assert.match(await page.locator('[role=status]').textContent(), /2027-01-09 is now a make-up working day/);
  year = stored2027();
  assert.deepEqual(year.days.map((d) => [d.date, d.kind]), [['2027-01-01', 'holiday'], ['2027-01-09', 'workday']]);
  await screenshot(page, 'admin-calendar-2027-desktop');
  await click(page, '2027-01-09');
  assert.equal(await kindOf(page, '2027-01-09'), 'weekend');
  assert.match(await page.locator('[role=status]').textContent(), /2027-01-09 is now a normal day/);

  // Read afresh: the page and the store agree, version 3 after three changes.
  await page.reload();
  assert.equal(await kindOf(page, '2027-01-01'), 'holiday');
  assert.equal(await kindOf(page, '2027-01-09'), 'weekend');
  assert.equal(await page.locator('[data-calendar-version]').getAttribute('data-calendar-version'), '3');
  year = stored2027();
  assert.equal(year.version, 3);
  assert.deepEqual(year.days, [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }]);

  // 2027 is entered: no banner for anyone.
  await open(page, '/dashboard');
  assert.equal(await page.locator('[data-banner=calendar-missing]').count(), 0, 'no banner for the admin');
  const lead = await as(USERS.supervisor);
  await open(lead, '/dashboard');
  assert.equal(await lead.locator('[data-banner=calendar-missing]').count(), 0, 'no banner for the supervisor');
});

test('a refused change says why on the page and changes nothing', async () => {
  const page = await as(USERS.admin);
  await open(page, '/admin/calendar?year=2027');
  const before = stored2027();
  // Past the field's maxlength, as a crafted request could.
  await page.getByLabel(/Name or note/).evaluate((el) => { el.removeAttribute('maxlength'); el.value = '节'.repeat(101); });
  const [res] = await Promise.all([page.waitForNavigation(), dayButton(page, '2027-02-01').click()]);
  assert.equal(res.status(), 422);
  assert.match(await page.locator('[role=alert]').textContent(), /Not saved: .*100 characters/);
  assert.equal(await kindOf(page, '2027-02-01'), 'workday');
  assert.deepEqual(stored2027(), before);
});

test('a year that is not a number or outside 2000–2100 is a message, not an error', async () => {
  const page = await as(USERS.admin);
  for (const bad of ['abc', '2101', '1999']) {
    await open(page, `/admin/calendar?year=${bad}`, 400);
    assert.match(await page.locator('[role=alert]').textContent(), /whole number from 2000 to 2100/);
  }
  // The default is this year in the calendar's zone, with the built-in 2026 stored.
  await open(page, '/admin/calendar');
  assert.match(await page.locator('h1').textContent(), /2026/);
  assert.equal(await page.locator('[data-calendar-version]').count(), 1, '2026 is stored');
  assert.equal(await kindOf(page, '2026-10-01'), 'holiday', 'National Day 2026');
  await open(page, '/admin/calendar?year=2100');
  assert.equal(await page.locator('a[rel=next]').count(), 0, 'no year after 2100');
});

test('non-admins get no calendar page and cannot change a day', async () => {
  const before = stored2027();
  for (const who of ['supervisor', 'unit', 'post']) {
    const page = await as(USERS[who]);
    await open(page, '/admin/calendar?year=2027', 403);
    // With the viewer's own valid CSRF token (from a page they may open).
    await open(page, '/');
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const res = await postForm(page, '/admin/calendar/2027-03-01', { _csrf: csrf, kind: 'holiday', note: '' });
    assert.equal(res.status(), 403, `${who} POST /admin/calendar/2027-03-01`);
  }
  assert.deepEqual(stored2027(), before, 'nothing changed');
});

test('in zh-CN the calendar page has no English words', async () => {
  const page = await asChinese(USERS.admin);
  for (const path of ['/admin/calendar?year=2027', '/admin/calendar?year=2028', '/admin/calendar?year=2026']) {
    await open(page, path);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    const words = englishWords(await mainText(page));
    assert.deepEqual(words, [], `${path} in zh-CN`);
  }
  assert.equal(await page.locator('[data-calendar-missing]').count(), 0, '2026 is stored');
  await open(page, '/admin/calendar?year=2028');
  assert.match(await page.locator('[data-calendar-missing]').textContent(), /2028 年尚未录入节假日安排/);
  await screenshot(page, 'admin-calendar-2028-zh-desktop');
  // The zh-CN refusals: a note too long, a bad year.
  await page.locator('#cal-note').evaluate((el) => { el.removeAttribute('maxlength'); el.value = '节'.repeat(101); });
  const [res] = await Promise.all([page.waitForNavigation(), dayButton(page, '2028-02-01').click()]);
  assert.equal(res.status(), 422);
  const said = await page.locator('[role=alert]').textContent();
  assert.match(said, /未保存/);
  assert.deepEqual(englishWords(said), [], said);
  assert.deepEqual(englishWords(await mainText(page)), [], 'the re-rendered page');
  await open(page, '/admin/calendar?year=x', 400);
  assert.deepEqual(englishWords(await page.locator('[role=alert]').textContent()), []);
});

test('on a 360 px phone the months stack, every day is labelled, and the page does not scroll sideways', async () => {
  const page = await as(USERS.admin, PHONE);
  for (const year of ['2027', '2028']) {
    await open(page, `/admin/calendar?year=${year}`);
    assert.deepEqual(await a11yProblems(page, { maxWidth: 360 }), [], `/admin/calendar?year=${year} on a phone`);
    const unlabelled = await page.locator('button[data-date]').evaluateAll((bs) => bs.filter((b) => !/^\d{4}-\d\d-\d\d \S/.test(b.getAttribute('aria-label') || '')).length);
    assert.equal(unlabelled, 0, 'every day button has an aria-label with its date and kind');
    const [jan, feb] = await page.locator('.cal-month').evaluateAll((ms) => ms.slice(0, 2).map((m) => m.getBoundingClientRect().top));
    assert.ok(feb > jan, 'February is below January');
    // A day is big enough to tap.
    const box = await dayButton(page, `${year}-01-15`).boundingBox();
    assert.ok(box.width >= 40 && box.height >= 40, `a day button is ${box.width}×${box.height}`);
  }
  await screenshot(page, 'admin-calendar-2027-phone');
  // The dashboard's banner fits too (2028 is a year ahead of the clock: none now).
  await open(page, '/dashboard');
  assert.deepEqual(await a11yProblems(page, { maxWidth: 360 }), []);
});
