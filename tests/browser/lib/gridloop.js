// Runs the real `gridloop` binary for the browser tests: a fresh SQLite database under
// target/browser/, seeded by `gridloop demo --seed-only --no-history`, passwords set with
// `gridloop user passwd`, and `gridloop serve` on a free loopback port (127.0.0.1:0; the
// address is read from the line it prints), ready once /readyz answers 200.
//
// The seeded database (with its passwords) is made once per binary and copied for each test
// file, so every file starts from the same park without paying for the seeding again.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: `gridloop` finds config/ relative to its working directory. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Everything the browser tests write: databases, logs, screenshots. */
export const OUT = path.join(ROOT, 'target', 'browser');
export const SCREENSHOTS = path.join(OUT, 'screenshots');
/** The password every test account gets. */
export const PASSWORD = 'secret-pass';

/**
 * The accounts the tests sign in with (see crates/app/src/demo/park.rs): post01 walks grid
 * g1 (posts p01–p13), post14 is a post member of grid g2, comm01 a commissioner of g1; the
 * category used is `power`, whose default unit is `power` with its head `power-head`.
 */
export const USERS = {
  post: 'post01',
  otherGridPost: 'post14',
  commissioner: 'comm01',
  dispatcher: 'dispatch',
  unit: 'power',
  unitHead: 'power-head',
  supervisor: 'lead',
  admin: 'admin',
};
/** The category the tests report under, and the unit it suggests. */
export const CATEGORY = 'power';
export const CATEGORY_NAME = '电力供应';
export const SUGGESTED_UNIT = 'power';

export function gridloopBin() {
  const bin = process.env.GRIDLOOP_BIN
    || path.join(process.env.CARGO_TARGET_DIR || 'target', 'debug', 'gridloop');
  const abs = path.resolve(ROOT, bin);
  if (!fs.existsSync(abs)) {
    throw new Error(`the gridloop binary is not at ${abs} (build it: cargo build -p gridloop --bin gridloop, or set GRIDLOOP_BIN)`);
  }
  return abs;
}

/** The environment every gridloop process of one run gets. */
function envFor(dir, extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    // Nothing from the caller's configuration leaks in (a developer's GRIDLOOP_DATABASE_URL…).
    if (key.startsWith('GRIDLOOP_') && key !== 'GRIDLOOP_BIN') delete env[key];
  }
  env.GRIDLOOP_DATABASE_URL = `sqlite://${path.join(dir, 'gridloop.db')}`;
  // Attachments and the file outbox of notifications stay inside this run's folder.
  env.GRIDLOOP_SERVER__DATA_DIR = path.join(dir, 'data');
  env.RUST_LOG = process.env.GRIDLOOP_BROWSER_RUST_LOG || 'warn';
  return { ...env, ...extra };
}

/** Runs `gridloop ARGS` to completion; throws with its output when it fails. */
function run(bin, dir, args, { input, env } = {}) {
  const res = spawnSync(bin, args, {
    cwd: ROOT,
    env: envFor(dir, env),
    input: input ?? '',
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (res.error) throw res.error;
  if (res.status !== 0) {
    throw new Error(`gridloop ${args.join(' ')} exited ${res.status}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}`);
  }
  return res.stdout;
}

function copyDb(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const suffix of ['', '-wal']) {
    const src = path.join(from, `gridloop.db${suffix}`);
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(to, `gridloop.db${suffix}`));
  }
}

/**
 * The seeded database with every test account's password, made once per binary (keyed by its
 * size and mtime) under target/browser/template-<key>/. Made in a scratch folder and renamed
 * into place, so two test files racing to make it both end up with a whole one.
 */
function template(bin) {
  const st = fs.statSync(bin);
  const key = `${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}`;
  const dir = path.join(OUT, `template-${key}`);
  if (fs.existsSync(path.join(dir, 'ready'))) return dir;
  fs.mkdirSync(OUT, { recursive: true });
  for (const old of fs.readdirSync(OUT)) {
    if (old.startsWith('template-') && old !== `template-${key}`) {
      fs.rmSync(path.join(OUT, old), { recursive: true, force: true });
    }
  }
  const scratch = fs.mkdtempSync(path.join(OUT, 'seeding-'));
  try {
    run(bin, scratch, ['demo', '--seed-only', '--no-history']);
    for (const login of Object.values(USERS)) {
      // As an operator would: `printf 'secret-pass\n' | gridloop user passwd LOGIN`.
      run(bin, scratch, ['user', 'passwd', login], { input: `${PASSWORD}\n` });
    }
    fs.writeFileSync(path.join(scratch, 'ready'), `${new Date().toISOString()}\n`);
    try {
      fs.renameSync(scratch, dir);
    } catch (e) {
      // Another file made it meanwhile: keep theirs.
      if (!fs.existsSync(path.join(dir, 'ready'))) throw e;
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  } catch (e) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

/**
 * Starts a server on a fresh copy of the seeded database in target/browser/runs/<name>/.
 * `env` is added to the server's environment (e.g. GRIDLOOP_NOW to set its clock), and `before`
 * runs with the handle before the server starts (to prepare data from the command line).
 * Returns { url, dir, cli(args, opts), json(args, opts), stop() }.
 */
export async function startGridloop(name, { env = {}, before } = {}) {
  const bin = gridloopBin();
  const tpl = template(bin);
  const dir = path.join(OUT, 'runs', name);
  fs.rmSync(dir, { recursive: true, force: true });
  copyDb(tpl, dir);
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const cli = (args, opts) => run(bin, dir, args, opts);
  const json = (args, opts) => JSON.parse(run(bin, dir, ['--json', ...args], opts));
  if (before) await before({ dir, cli, json });

  const log = fs.openSync(path.join(dir, 'serve.log'), 'w');
  const child = spawn(bin, ['serve', '--listen', '127.0.0.1:0'], {
    cwd: ROOT,
    env: envFor(dir, env),
    stdio: ['ignore', 'pipe', log],
  });
  running.add(child);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    running.delete(child);
    resolve({ code, signal });
  }));

  let out = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gridloop serve printed no address in 30 s:\n${out}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      fs.appendFileSync(path.join(dir, 'serve.out'), chunk);
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gridloop serve exited (${code ?? signal}) before listening; log: ${path.join(dir, 'serve.log')}\n${fs.readFileSync(path.join(dir, 'serve.log'), 'utf8').slice(-2000)}`));
    });
  });

  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`${url}/readyz did not answer 200 within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    dir,
    /** `gridloop ARGS` on this run's database (the CLI and the server share the SQLite file). */
    cli,
    /** `gridloop --json ARGS`, parsed. */
    json,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      fs.closeSync(log);
    },
  };
}

/** The enterprises of a grid, as `gridloop enterprise list --grid G` gives them. */
export function enterprisesOf(gl, grid) {
  return gl.json(['enterprise', 'list', '--grid', grid]);
}

/** Reports an issue from the command line (faster than the form, for tests about other pages). */
export function reportViaCli(gl, { title, login = USERS.post, grid = 'g1', category = CATEGORY, description = '' }) {
  const enterprise = String(enterprisesOf(gl, grid)[0].id);
  return gl.json(['issue', 'report', '--as', login, '--enterprise', enterprise, '--category', category,
    '--title', title, '--description', description]);
}

/** `gridloop issue act ID ACTION --as LOGIN …` */
export function actViaCli(gl, id, action, login, extra = []) {
  return gl.json(['issue', 'act', String(id), action, '--as', login, ...extra]);
}

/** The issues in the store, newest first (`gridloop issue list`; a test run has far fewer than 500). */
export function allIssues(gl) {
  const all = gl.json(['issue', 'list', '--limit', '500']);
  return Array.isArray(all) ? all : all.items ?? [];
}

/** Every issue whose title is exactly `title`. */
export function issuesTitled(gl, title) {
  return allIssues(gl).filter((i) => i.title === title);
}
