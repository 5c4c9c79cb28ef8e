// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, and the helpers the
// tests share: phone and desktop contexts, signing in through the real form, form posts that
// reuse a page's session, and the accessibility checks.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { CATEGORY, CATEGORY_NAME, PASSWORD, SCREENSHOTS } from './gridloop.js';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** A phone: 360×740 CSS pixels, touch, mobile viewport rules. */
export const PHONE = {
  viewport: { width: 360, height: 740 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};
/** A desktop browser window. */
export const DESKTOP = {
  viewport: { width: 1280, height: 800 },
};

export async function launch() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run tests/services/chromium.sh install`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright gives it a fresh profile in a temporary folder. The flags keep Chromium from
    // calling home: only loopback is reachable here.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A new browser context (its own cookies) against the server at `base`. Requests to anything
 * but loopback are refused and remembered in `ctx.offsite`; uncaught page errors go to
 * `ctx.pageErrors`.
 */
export async function newContext(browser, base, device = DESKTOP) {
  const ctx = await browser.newContext({
    ...device,
    baseURL: base,
    locale: 'en-US',
    timezoneId: 'Asia/Shanghai',
  });
  ctx.offsite = [];
  ctx.pageErrors = [];
  await ctx.route('**/*', (route) => {
    const url = new URL(route.request().url());
    const loopback = url.protocol === 'data:' || url.protocol === 'blob:'
      || /^127\.\d+\.\d+\.\d+$/.test(url.hostname) || url.hostname === 'localhost' || url.hostname === '[::1]';
    if (loopback) return route.continue();
    ctx.offsite.push(url.href);
    return route.abort('blockedbyclient');
  });
  ctx.on('page', (page) => page.on('pageerror', (err) => ctx.pageErrors.push(`${page.url()}: ${err.message}`)));
  ctx.setDefaultTimeout(10_000);
  ctx.setDefaultNavigationTimeout(15_000);
  return ctx;
}

/** The submit button of the form that holds `inner` (a locator inside it). */
function submitOf(form) {
  return form.locator('button[type=submit], input[type=submit], button:not([type])').first();
}

/**
 * Signs in through the real /login form (after /lang/en, so the login page is English), then
 * makes sure the pages are in English. Returns the page, on the role's home.
 */
export async function signIn(ctx, login, { password = PASSWORD } = {}) {
  const page = await ctx.newPage();
  await page.goto(`/lang/en?next=${encodeURIComponent('/login')}`);
  if (new URL(page.url()).pathname !== '/login') await page.goto('/login');
  await page.locator('#login').fill(login);
  await page.locator('#password').fill(password);
  const form = page.locator('form').filter({ has: page.locator('#password') });
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login', { timeout: 15_000 }),
    submitOf(form).click(),
  ]).catch(async (e) => {
    const alert = await page.locator('[role=alert]').allTextContents().catch(() => []);
    throw new Error(`signing in as ${login} did not leave /login (alert: ${JSON.stringify(alert)}): ${e.message}`);
  });
  await toEnglish(page);
  return page;
}

/** Switches to English with /lang/en?next=<here> unless the page already is. */
export async function toEnglish(page) {
  const lang = await page.evaluate(() => document.documentElement.lang);
  if (!/^en\b/i.test(lang)) {
    const here = new URL(page.url());
    await page.goto(`/lang/en?next=${encodeURIComponent(here.pathname + here.search)}`);
  }
  assert.match(await page.evaluate(() => document.documentElement.lang), /^en\b/i, `html[lang] after /lang/en on ${page.url()}`);
}

/** Goes to `path` and asserts the answer's status (200 by default). */
export async function open(page, pathname, status = 200) {
  const res = await page.goto(pathname);
  assert.ok(res, `no response for ${pathname}`);
  assert.equal(res.status(), status, `GET ${pathname} → ${res.status()} (${page.url()})`);
  return res;
}

/** The issue id in /issues/{id}. */
export function issueIdOf(url) {
  const m = new URL(url).pathname.match(/^\/issues\/(\d+)$/);
  assert.ok(m, `expected to be on /issues/{id}, at ${url}`);
  return m[1];
}

/** The issue page's machine status (`[data-status]`). */
export async function statusOf(page) {
  const el = page.locator('[data-status]').first();
  await el.waitFor();
  return el.getAttribute('data-status');
}

/** How many entries the issue page's timeline has. */
export async function timelineLength(page) {
  await page.locator('ol.timeline').first().waitFor();
  return page.locator('ol.timeline > li').count();
}

/** The form posting to `/issues/{id}/{action}` on the current page. */
export function actionForm(page, id, action) {
  return page.locator(`form[action$="/issues/${id}/${action}"]`);
}

/**
 * Submits the action form `action` of issue `id` by clicking its button `label`, after `fill`
 * has filled it, and waits for the page it lands on (a 303 back to a page).
 */
export async function act(page, id, action, label, fill = async () => {}) {
  const form = actionForm(page, id, action);
  await form.first().waitFor({ state: 'attached' }).catch(() => {
    throw new Error(`no form posting to /issues/${id}/${action} on ${page.url()}`);
  });
  await fill(form.first());
  const button = form.first().getByRole('button', { name: label, exact: true });
  const [res] = await Promise.all([page.waitForNavigation(), button.click()]);
  assert.ok(res, `clicking ${label} on issue ${id} loaded no page`);
  const posted = res.request().redirectedFrom();
  assert.ok(posted && posted.method() === 'POST',
    `${label} on issue ${id}: expected POST → 303 → page, got ${res.request().method()} ${res.url()} ${res.status()}`);
  assert.equal(res.status(), 200, `after ${label} on issue ${id}, the 303 leads to GET ${new URL(res.url()).pathname} → ${res.status()}`);
  const alert = await page.locator('[role=alert]').allTextContents();
  assert.deepEqual(alert.filter((t) => t.trim()), [], `after ${label} on issue ${id}: alert shown`);
}

/** All fields of a form as the browser would send them (files left out), from the DOM. */
export async function formFields(form) {
  return form.evaluate((f) => {
    const out = {};
    for (const [k, v] of new FormData(f).entries()) {
      if (typeof v === 'string') out[k] = v;
    }
    return { fields: out, enctype: f.enctype, action: f.action, method: f.method };
  });
}

/**
 * POSTs `fields` to `url` with this page's cookies (its session), like a second tab or a
 * replayed request would, without following the redirect.
 */
export async function postForm(page, url, fields, { multipart = false } = {}) {
  return page.request.post(url, {
    ...(multipart ? { multipart: fields } : { form: fields }),
    maxRedirects: 0,
    failOnStatusCode: false,
  });
}

/** A valid PNG (a coloured square) made by the browser's canvas, as a Buffer. */
export async function makePng(page) {
  const dataUrl = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 48;
    const g = c.getContext('2d');
    g.fillStyle = '#c33'; g.fillRect(0, 0, 64, 48);
    g.fillStyle = '#fff'; g.fillRect(8, 8, 20, 20);
    return c.toDataURL('image/png');
  });
  return Buffer.from(dataUrl.split(',')[1], 'base64');
}

/** A full-page PNG under target/browser/screenshots/. */
export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Basic accessibility of the current page: a lang attribute, exactly one h1, a label for every
 * visible input/select/textarea, no repeated id; at `maxWidth` (the phone's 360 px) no
 * horizontal scroll.
 * Returns a list of problems (empty when fine).
 */
export async function a11yProblems(page, { maxWidth } = {}) {
  return page.evaluate((maxWidth) => {
    const problems = [];
    const lang = document.documentElement.getAttribute('lang');
    if (!lang || !lang.trim()) problems.push('<html> has no lang attribute');
    const h1 = document.querySelectorAll('h1').length;
    if (h1 !== 1) problems.push(`${h1} <h1> elements (want exactly one)`);
    const visible = (el) => {
      const s = getComputedStyle(el);
      if (s.display === 'none' || s.visibility === 'hidden') return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 || r.height > 0 || el.getClientRects().length > 0;
    };
    const describe = (el) => `<${el.tagName.toLowerCase()}${el.type ? ` type=${el.type}` : ''}${el.name ? ` name=${el.name}` : ''}${el.id ? ` id=${el.id}` : ''}>`;
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.tagName === 'INPUT' && ['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type)) continue;
      if (!visible(el)) continue;
      const labelled = (el.labels && [...el.labels].some((l) => l.textContent.trim()))
        || (el.getAttribute('aria-label') || '').trim()
        || (el.getAttribute('aria-labelledby') || '').split(/\s+/).some((id) => id && document.getElementById(id)?.textContent.trim());
      if (!labelled) problems.push(`${describe(el)} has no label`);
    }
    // A repeated id breaks <label for=…> (it names the first element only).
    const ids = new Map();
    for (const el of document.querySelectorAll('[id]')) ids.set(el.id, (ids.get(el.id) ?? 0) + 1);
    for (const [id, n] of ids) if (n > 1) problems.push(`id "${id}" is used ${n} times`);
    if (maxWidth) {
      const w = document.documentElement.scrollWidth;
      if (w > maxWidth) {
        const wide = [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > maxWidth + 1)
          .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= maxWidth + 1)
          .slice(0, 3)
          .map((el) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} (right ${Math.round(el.getBoundingClientRect().right)})`);
        problems.push(`horizontal scroll at ${maxWidth} px: scrollWidth ${w}${wide.length ? `; widest: ${wide.join(', ')}` : ''}`);
      }
    }
    return problems;
  }, maxWidth ?? 0);
}

/** The report form on /issues/new. */
export function reportForm(page) {
  return page.locator('form').filter({ has: page.locator('[name=title]') }).first();
}

/**
 * Fills the report form: the first enterprise offered, the category `category`, priority,
 * title, description, and a photo when `photo` (a PNG Buffer) is given and the form has a file
 * input. Returns the enterprise values offered, for checks.
 */
export async function fillReport(page, { title, description = '', category = CATEGORY, categoryName = CATEGORY_NAME, priority = 'normal', photo }) {
  const form = reportForm(page);
  await form.waitFor();
  const ent = form.locator('[name=enterprise]');
  const tag = await ent.evaluate((e) => e.tagName);
  let offered;
  if (tag === 'SELECT') {
    offered = await ent.locator('option').evaluateAll((os) => os.filter((o) => o.value).map((o) => ({ value: o.value, text: o.textContent.trim() })));
    assert.ok(offered.length > 0, 'the enterprise select offers nothing');
    await ent.selectOption(offered[0].value);
  } else {
    const list = await ent.getAttribute('list');
    assert.ok(list, 'the enterprise input is neither a select nor tied to a datalist');
    offered = await page.locator(`datalist[id="${list}"] option`).evaluateAll((os) => os.map((o) => ({ value: o.value, text: (o.label || o.textContent || '').trim() })));
    assert.ok(offered.length > 0, 'the enterprise datalist offers nothing');
    await ent.fill(offered[0].value);
  }
  const cat = form.locator('select[name=category]');
  const cats = await cat.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent.trim() })));
  const pick = cats.find((o) => o.value === category)
    || cats.find((o) => new RegExp(`\\b${category}\\b`, 'i').test(o.text))
    || cats.find((o) => o.text.includes(categoryName));
  assert.ok(pick, `category ${category} not offered: ${JSON.stringify(cats)}`);
  await cat.selectOption(pick.value);
  await form.locator('[name=priority]').selectOption(priority);
  await form.locator('[name=title]').fill(title);
  await form.locator('[name=description]').fill(description);
  if (photo) {
    const file = form.locator('input[type=file][name=photo]');
    if (await file.count()) {
      await file.setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: photo });
    }
  }
  return { form, offered };
}

/** The report form's submit button ("Report"). */
export function reportButton(page) {
  return reportForm(page).getByRole('button', { name: 'Report', exact: true });
}

/** Links on the current page to `/issues/{id}` (relative or absolute). */
export function linksTo(page, id) {
  return page.locator(`a[href$="/issues/${id}"]`);
}
