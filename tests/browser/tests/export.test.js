// The list pages' export buttons, clicked: the browser downloads the ledger under its dated
// name, an xlsx (a zip) or a CSV with a byte-order mark and the headers in the page's language.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { DESKTOP, launch, newContext, open, signIn } from '../lib/browser.js';
import { USERS, reportViaCli, startGridloop } from '../lib/gridloop.js';

let gl;
let browser;
let ctx;

before(async () => {
  gl = await startGridloop('export');
  browser = await launch();
  ctx = await newContext(browser, gl.url, DESKTOP);
});

after(async () => {
  await ctx?.close().catch(() => {});
  await browser?.close();
  await gl?.stop();
});

/** Clicks the export link for `format` and returns the download's name and bytes. */
async function download(page, format) {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.locator(`a[data-export=${format}]`).click(),
  ]);
  const bytes = fs.readFileSync(await file.path());
  return { name: file.suggestedFilename(), bytes };
}

test('the export buttons on "my issues" download the ledger as xlsx and as CSV', async () => {
  const stamp = Date.now();
  reportViaCli(gl, { title: `Ledger row ${stamp}` });
  const page = await signIn(ctx, USERS.post);
  await open(page, '/my');

  const xlsx = await download(page, 'xlsx');
  assert.match(xlsx.name, /^ledger-\d{8}\.xlsx$/);
  assert.deepEqual([...xlsx.bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'a zip file');

  const csv = await download(page, 'csv');
  assert.match(csv.name, /^ledger-\d{8}\.csv$/);
  assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte-order mark');
  const text = csv.bytes.subarray(3).toString('utf8');
  assert.ok(text.startsWith('No.,Title,'), text.slice(0, 80));
  assert.ok(text.includes(`Ledger row ${stamp}`), 'the reported issue is a row');
});
