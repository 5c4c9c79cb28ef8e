// Import from a spreadsheet through the web (issue #15): an admin on /admin/import downloads the
// template, uploads a file with a bad row and sees every bad cell in a table (in zh-CN without
// English words), uploads a good one, sees the dry run's counts, confirms, and the store has
// the rows (read back with `gridloop unit list --json`); the same file again changes nothing.
// Non-admins get no import page; a phone at 360 px does not scroll sideways.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, a11yProblems, launch, newContext, open, screenshot, signIn } from '../lib/browser.js';
import { PASSWORD, USERS, startGridloop } from '../lib/gridloop.js';

let gl;
let browser;
const contexts = [];

before(async () => {
  gl = await startGridloop('import');
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

/** Chooses a file and presses the check button; the response of the POST. */
async function upload(page, name, text) {
  await page.locator('#imp-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  const [res] = await Promise.all([
    page.waitForNavigation(),
    page.locator('form[enctype="multipart/form-data"] button[type=submit]').click(),
  ]);
  return res;
}

/** The ASCII words of `text` that are English: not a number, a code or a value quoted. */
function englishWords(text, quoted) {
  return text
    .split(/[^\x21-\x7e]|-/)
    .map((w) => w.replace(/^[()（）,.;:'"“”·←→]+|[()（）,.;:'"“”·←→]+$/g, ''))
    .filter((w) => /[A-Za-z]/.test(w))
    .filter((w) => !/[0-9@/+]/.test(w))
    .filter((w) => !quoted.includes(w));
}

const units = () => gl.json(['unit', 'list']);

test('an admin uploads a file, sees the dry run, confirms, and the store has the rows; the same file again changes nothing', async () => {
  const page = await as(USERS.admin);
  await open(page, '/admin/import');
  assert.equal(await page.locator('h1').textContent(), 'Import');
  const template = await page.request.get('/admin/import/template.xlsx');
  assert.equal(template.status(), 200);
  assert.match(template.headers()['content-disposition'], /gridloop-import\.xlsx/);

  const before = units().length;
  const bad = await upload(page, 'units.csv', 'unit_code,name\nweb-water,网页水务\nBad Code,坏单位\nok-2,\n');
  assert.equal(bad.status(), 422);
  const rows = page.locator('[data-import-refused] tbody tr');
  assert.equal(await rows.count(), 2, 'every bad cell');
  assert.match(await rows.nth(0).textContent(), /units\.csv\s*3\s*A unit_code\s*Bad Code\s*is not a code/);
  assert.match(await rows.nth(1).textContent(), /4\s*B name\s*is required/);
  assert.match(await page.locator('[role=alert]').textContent(), /2 bad cells; nothing was written/);
  assert.equal(await page.locator('form[action="/admin/import/confirm"]').count(), 0);
  assert.equal(units().length, before, 'nothing written');

  const good = await upload(page, 'units.csv', 'unit_code,name\nweb-water,网页水务\n');
  assert.equal(good.status(), 200);
  const report = page.locator('[data-import-report=dry-run]');
  assert.equal(await report.locator('[data-created]').textContent(), '1');
  assert.equal(units().length, before, 'a dry run writes nothing');
  await screenshot(page, 'admin-import-dry-run-desktop');
  const [done] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Confirm the import' }).click()]);
  assert.equal(done.status(), 200);
  assert.match(await page.locator('[role=status]').textContent(), /Imported: 1 created, 0 updated, 0 unchanged/);
  const stored = units().find((u) => u.code === 'web-water');
  assert.equal(stored?.name, '网页水务');
  assert.equal(units().length, before + 1);

  await open(page, '/admin/import');
  await upload(page, 'units.csv', 'unit_code,name\nweb-water,网页水务\n');
  assert.equal(await page.locator('[data-import-report=dry-run] [data-unchanged]').textContent(), '1');
});

test('in zh-CN the reasons have no English words, and the page fits a phone', async () => {
  const zh = await asChinese(USERS.admin);
  await open(zh, '/admin/import');
  const res = await upload(zh, 'posts.csv', '岗位编码,名称,网格编码\nzh-post,中文岗,nowhere\nBad,,g1\n');
  assert.equal(res.status(), 422);
  const table = await zh.locator('[data-import-refused]').textContent();
  assert.match(table, /本工作簿和系统中都没有此网格/);
  const words = englishWords(await zh.locator('main').textContent(), ['posts.csv', 'nowhere', 'Bad', 'A', 'B', 'C', 'xlsx', 'csv']);
  assert.deepEqual(words, [], 'English on the zh-CN import page');

  const phone = await as(USERS.admin, PHONE);
  await open(phone, '/admin/import');
  await upload(phone, 'units.csv', 'unit_code,name\nBad Code,x\n');
  assert.deepEqual(await a11yProblems(phone, { maxWidth: 360 }), []);
  await screenshot(phone, 'admin-import-refused-phone');
});

test('non-admins get no import page', async () => {
  for (const login of [USERS.dispatcher, USERS.supervisor, USERS.post]) {
    const page = await as(login);
    await open(page, '/admin/import', 403);
  }
});
