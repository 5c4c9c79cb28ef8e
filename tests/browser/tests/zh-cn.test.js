// A Chinese page says why it refused in Chinese: signed in with the page language zh-CN, every
// form the web has is sent with bad input, and the message shown in [role=alert] must hold no
// English — no ASCII letters besides codes (2026-W48, Asia/Shanghai, MON), numbers and the
// values that were typed. What a user sees, whichever layer wrote the message.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, launch, newContext, open } from '../lib/browser.js';
import { PASSWORD, USERS, actViaCli, reportViaCli, startGridloop } from '../lib/gridloop.js';

/** Tuesday 2026-12-01, 08:30 in Shanghai, after the scheduler planned the week's visits. */
const NOW = '2026-12-01T00:30:00Z';
let gl;
let browser;
const contexts = [];
const pages = {};
/** Issues in the states whose forms are tried: reported, accepted, assigned, in progress, resolved, closed. */
const issue = {};

before(async () => {
  gl = await startGridloop('zh-cn', {
    env: { GRIDLOOP_NOW: NOW },
    before: (g) => g.cli(['jobs', 'work'], { env: { GRIDLOOP_NOW: NOW } }),
  });
  browser = await launch();
  const at = (id, steps) => {
    for (const [action, who, extra] of steps) actViaCli(gl, id, action, USERS[who], extra);
    return id;
  };
  const report = (title) => reportViaCli(gl, { title: `${title} ${Date.now()}` }).id;
  const accept = ['accept', 'dispatcher'];
  const assign = ['assign', 'dispatcher', ['--unit', 'power']];
  const start = ['start', 'unit'];
  const resolve = ['resolve', 'unit', ['--note', '已修复']];
  issue.reported = report('待受理');
  issue.accepted = at(report('已受理'), [accept]);
  issue.assigned = at(report('已交办'), [accept, assign]);
  issue.inProgress = at(report('办理中'), [accept, assign, start]);
  issue.resolved = at(report('待验收'), [accept, assign, start, resolve]);
  issue.closed = at(report('已关闭'), [accept, assign, start, resolve, ['verify', 'post', ['--satisfaction', '5']]]);
  for (const who of ['post', 'dispatcher', 'unit', 'supervisor', 'admin', 'commissioner']) {
    const ctx = await newContext(browser, gl.url, who === 'post' || who === 'commissioner' ? PHONE : DESKTOP);
    contexts.push(ctx);
    pages[who] = await signInChinese(ctx, USERS[who]);
  }
});

after(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  await browser?.close();
  await gl?.stop();
});

/** Signs in through the real form with the page language switched to zh-CN first. */
async function signInChinese(ctx, login, password = PASSWORD) {
  const page = await ctx.newPage();
  await page.goto(`/lang/zh-CN?next=${encodeURIComponent('/login')}`);
  await page.locator('#login').fill(login);
  await page.locator('#password').fill(password);
  const form = page.locator('form').filter({ has: page.locator('#password') });
  await Promise.all([page.waitForNavigation(), form.locator('button').first().click()]);
  await isChinese(page);
  return page;
}

async function isChinese(page) {
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN', `html[lang] on ${page.url()}`);
}

/**
 * The ASCII words of `text` that are English: not a code, not a number and not a typed value.
 * A word with a digit, `@`, `/` or `+` is an example of a value (2026-W48, U+202A, @weekly,
 * Asia/Shanghai, +8613812345678).
 */
function englishWords(text, typed = []) {
  const codes = new Set(['MON', 'JAN', 'DEC', 'SUN', 'SAT', 'UTC', 'true', 'false', 'low', 'normal', 'high', 'urgent']);
  let rest = text;
  for (const value of typed) if (value) rest = rest.split(value).join(' ');
  return rest
    .split(/[^\x21-\x7e]|-/)
    .map((w) => w.replace(/^[()（）,.;:'"“”]+|[()（）,.;:'"“”]+$/g, ''))
    .filter((w) => /[A-Za-z]/.test(w))
    .filter((w) => !/[0-9@/+]/.test(w))
    .filter((w) => !codes.has(w));
}

/**
 * Sets a field the way a crafted request could: a select gets an option of that value (`(first)`
 * picks its first real option).
 */
async function setField(form, name, value) {
  await form.evaluate((f, [n, v]) => {
    const el = f.elements.namedItem(n);
    if (!el) throw new Error(`no field ${n} in ${f.getAttribute('action')}`);
    const one = el instanceof RadioNodeList ? el[0] : el;
    if (one.tagName === 'SELECT' && v === '(first)') {
      one.value = [...one.options].find((o) => o.value).value;
    } else if (one.tagName === 'SELECT') {
      if (![...one.options].some((o) => o.value === v)) one.add(new Option(v, v));
      for (const o of one.options) o.selected = o.value === v;
    } else if (one.type === 'checkbox' || one.type === 'radio') {
      for (const box of el instanceof RadioNodeList ? el : [el]) box.checked = box.value === v;
    } else {
      one.value = v;
    }
  }, [name, value]);
}

/**
 * Opens `path` on `page`, fills the form posting to `action` with `fields` past the browser's own
 * checks, sends it, and returns the refusal shown in [role=alert] (asserted to be there).
 */
async function refusal(page, path, action, fields) {
  await open(page, path);
  const form = page.locator(`form[action$="${action}"]`).first();
  await form.waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no form posting to ${action} on ${path}`);
  });
  await form.evaluate((f) => { f.noValidate = true; });
  for (const [name, value] of Object.entries(fields)) await setField(form, name, value);
  await Promise.all([
    page.waitForNavigation(),
    form.locator('button[type=submit], input[type=submit], button:not([type])').first().click(),
  ]);
  await isChinese(page);
  const alert = (await page.locator('[role=alert]').allTextContents()).map((t) => t.trim()).filter(Boolean).join(' ');
  assert.ok(alert, `${action} with ${JSON.stringify(fields)}: no [role=alert] on ${page.url()}`);
  return alert;
}

const FIRST = '(first)';

/** Each case is [page, path, form action, fields]; every refusal must be Chinese. */
async function allChinese(cases) {
  const english = [];
  for (const [who, path, action, fields] of cases) {
    let said;
    try {
      said = await refusal(pages[who], path, action, fields);
    } catch (e) {
      english.push(e.message);
      continue;
    }
    const words = englishWords(said, Object.values(fields).filter((v) => v !== FIRST));
    if (words.length) english.push(`${action} ${JSON.stringify(fields)}: «${said}» has ${JSON.stringify(words)}`);
  }
  assert.deepEqual(english, [], `English (or no refusal) on zh-CN pages:\n${english.join('\n')}`);
}

test('a wrong password is refused in Chinese', async () => {
  const ctx = await newContext(browser, gl.url, PHONE);
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto(`/lang/zh-CN?next=${encodeURIComponent('/login')}`);
  await page.locator('#login').fill(USERS.post);
  await page.locator('#password').fill('not-the-password');
  const form = page.locator('form').filter({ has: page.locator('#password') });
  await Promise.all([page.waitForNavigation(), form.locator('button').first().click()]);
  await isChinese(page);
  const said = (await page.locator('[role=alert]').allTextContents()).join(' ').trim();
  assert.ok(said, 'the refusal is shown');
  assert.deepEqual(englishWords(said), [], said);
});


test('reporting a problem with bad input is refused in Chinese', async () => {
  const long = '长'.repeat(201);
  const chosen = { enterprise: FIRST, category: FIRST };
  await allChinese([
    ['post', '/issues/new', '/issues', { ...chosen, title: '' }],
    ['post', '/issues/new', '/issues', { ...chosen, title: '   ' }],
    ['post', '/issues/new', '/issues', { ...chosen, title: long }],
    ['post', '/issues/new', '/issues', { ...chosen, title: '标题', description: 'a\u202Eb' }],
    ['post', '/issues/new', '/issues', { ...chosen, title: '标题', priority: 'asap' }],
    ['post', '/issues/new', '/issues', { ...chosen, title: '标题', category: 'nope' }],
    ['post', '/issues/new', '/issues', { ...chosen, title: '标题', enterprise: '999999' }],
    ['post', '/issues/new', '/issues', { ...chosen, title: '标题', photo_url: 'ftp://example.cn/a.png' }],
    ['post', '/issues/new', '/issues', { title: '标题' }],
  ]);
});

test("each action form on an issue's page refuses bad input in Chinese", async () => {
  const on = (id) => `/issues/${id}`;
  const act = (id, action) => `/issues/${id}/${action}`;
  await allChinese([
    ['dispatcher', on(issue.reported), act(issue.reported, 'accept'), { category: 'nope' }],
    ['dispatcher', on(issue.reported), act(issue.reported, 'reject'), { reason: '' }],
    ['dispatcher', on(issue.reported), act(issue.reported, 'duplicate'), { of: 'abc' }],
    ['dispatcher', on(issue.reported), act(issue.reported, 'duplicate'), { of: String(issue.reported) }],
    ['dispatcher', on(issue.reported), act(issue.reported, 'comment'), { note: ' ' }],
    ['dispatcher', on(issue.accepted), act(issue.accepted, 'assign'), { unit: 'nope' }],
    ['unit', on(issue.assigned), act(issue.assigned, 'return'), { reason: '' }],
    ['unit', on(issue.inProgress), act(issue.inProgress, 'hold'), { reason: '' }],
    ['unit', on(issue.inProgress), act(issue.inProgress, 'extend'), { minutes: 'abc', reason: '零件' }],
    ['unit', on(issue.inProgress), act(issue.inProgress, 'extend'), { minutes: '0', reason: '零件' }],
    ['unit', on(issue.inProgress), act(issue.inProgress, 'extend'), { until: '2020-01-01T09:00', reason: '零件' }],
    ['unit', on(issue.inProgress), act(issue.inProgress, 'resolve'), { note: '' }],
    ['post', on(issue.resolved), act(issue.resolved, 'verify'), { score: '9' }],
    ['post', on(issue.resolved), act(issue.resolved, 'rework'), { reason: '' }],
    ['supervisor', on(issue.closed), act(issue.closed, 'reopen'), { reason: '' }],
  ]);
});

test('the admin forms refuse bad input in Chinese', async () => {
  const admin = pages.admin;
  await open(admin, '/admin/users');
  const userEdit = await admin.locator('a[href^="/admin/users/"]').first().getAttribute('href');
  await open(admin, '/admin/categories');
  const categoryEdit = await admin.locator('a[href^="/admin/categories/"]').first().getAttribute('href');
  assert.ok(userEdit && categoryEdit, 'the lists link to their edit pages');
  await allChinese([
    ['admin', '/admin/users', '/admin/users', { login: 'Bad Login', name: '新用户', roles: 'post_member' }],
    ['admin', '/admin/users', '/admin/users', { login: 'newbie', name: '', roles: 'post_member' }],
    ['admin', '/admin/users', '/admin/users', { login: 'newbie', name: '新用户', phone: '123', roles: 'post_member' }],
    ['admin', '/admin/users', '/admin/users', { login: 'newbie', name: '新用户', email: 'nope', roles: 'post_member' }],
    ['admin', '/admin/users', '/admin/users', { login: USERS.post, name: '重名', roles: 'post_member', posts: 'p01' }],
    ['admin', userEdit, userEdit, { name: '' }],
    ['admin', userEdit, `${userEdit}/password`, { password: 'short', password_again: 'short' }],
    ['admin', userEdit, `${userEdit}/password`, { password: 'long-enough-1', password_again: 'long-enough-2' }],
    ['admin', '/admin/categories', '/admin/categories', { code: 'Bad Code', name: '类别' }],
    ['admin', '/admin/categories', '/admin/categories', { code: 'noise2', name: '类别', sla_low_response: '0', sla_low_resolve: '60', sla_normal_response: '60', sla_normal_resolve: '120', sla_high_response: '30', sla_high_resolve: '60', sla_urgent_response: '15', sla_urgent_resolve: '30' }],
    ['admin', '/admin/categories', '/admin/categories', { code: 'noise3', name: '类别', sla_low_response: '600', sla_low_resolve: '60', sla_normal_response: '60', sla_normal_resolve: '120', sla_high_response: '30', sla_high_resolve: '60', sla_urgent_response: '15', sla_urgent_resolve: '30' }],
    ['admin', categoryEdit, categoryEdit, { name: '' }],
    ['admin', '/admin/visit-plans', '/admin/visit-plans', { cron: '61 * * * *' }],
    ['admin', '/admin/visit-plans', '/admin/visit-plans', { cron: '0 9 * * MON', time_zone: 'Mars/Base' }],
    ['admin', '/admin/visit-plans', '/admin/visit-plans', { cron: '0 9 * * MON', time_zone: 'Asia/Shanghai', window_minutes: '0' }],
    ['admin', '/admin/grids', '/admin/grids', { code: 'Bad Code', name: '网格' }],
    ['admin', '/admin/grids', '/admin/grids', { code: 'g1', name: '网格' }],
    ['admin', '/admin/posts', '/admin/posts', { code: 'p99', name: '', grid: 'g1' }],
    ['admin', '/admin/enterprises', '/admin/enterprises', { name: '' }],
    ['admin', '/admin/units', '/admin/units', { code: '', name: '单位' }],
  ]);
});

test('logging a visit with bad input is refused in Chinese', async () => {
  const page = pages.commissioner;
  await open(page, '/visits');
  const visits = await page.locator('form[action$="/checkin"]').evaluateAll((forms) => forms.map((f) => f.getAttribute('action').split('/')[2]));
  assert.ok(visits.length >= 2, `the commissioner has visits this week: ${visits}`);
  const [first, later] = [visits[0], visits[visits.length - 1]];
  await allChinese([
    // Checking in long before the window opens.
    ['commissioner', '/visits', `/visits/${later}/checkin`, {}],
    ['commissioner', '/visits', `/visits/${first}/complete`, { notes: '看过了', raise_title: '长'.repeat(201) }],
  ]);
});
