// The browser tests' harness: a real `weir standalone` on a fresh home and a free port, and
// Debian's Chromium driven by playwright-core. A page that throws or logs a JavaScript error
// fails its test; every test saves a screenshot (WEIR_SCREENSHOTS, default /tmp/weir-screenshots).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
// playwright-core is installed with the other test packages in tests/js (scripts/setup).
import { chromium } from '../js/node_modules/playwright-core/index.mjs';

export const WEIR = process.env.WEIR_BIN || new URL('../../build/weir', import.meta.url).pathname;
export const SHOTS = process.env.WEIR_SCREENSHOTS || join(tmpdir(), 'weir-screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// `weir <args>` in `home`, synchronously; fails the test on a non-zero exit.
export function weirCli(home, args, input) {
  const p = spawnSync(WEIR, args, { env: weirEnv(home), input, encoding: 'utf8', timeout: 120000 });
  assert.equal(p.status, 0, `weir ${args.join(' ')} failed:\n${p.stdout}\n${p.stderr}`);
  return p.stdout;
}

function weirEnv(home) {
  // The taxi examples point at a closed local port: the tests never reach out to the web.
  return { ...process.env, WEIR_HOME: home, WEIR_WEBSERVER_PORT: '0', WEIR_WEBSERVER_HOST: '127.0.0.1' };
}

// A fresh home, as a new user has it: `weir standalone` adds the examples and an admin.
// `prepare(home)` runs before the start (write DAGs, run `weir dags test`, add users).
export async function startStandalone(prepare) {
  const home = mkdtempSync(join(tmpdir(), 'weir-ui-'));
  weirCli(home, ['variables', 'set', 'taxi_base_url', 'http://127.0.0.1:9/']);
  if (prepare) await prepare(home);
  return startWeir(home, ['standalone']);
}

// `weir <args>` (standalone, webserver or scheduler) in `home`, once it printed `ready`.
// The result knows its UI address and, for a first standalone, the admin's password.
export async function startWeir(home, args) {
  const proc = spawn(WEIR, args, { env: weirEnv(home), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  proc.stderr.on('data', (d) => (out += d));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('weir standalone did not start:\n' + out)), 30000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (/^ready in/m.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    proc.on('exit', (code) => reject(new Error(`weir standalone exited (${code}):\n${out}`)));
  });
  const url = ready.match(/ui\s+(http:\/\/127\.0\.0\.1:\d+\/)/)?.[1];
  const password = ready.match(/login\s+admin \/ (\S+)/)?.[1];
  if (args[0] === 'standalone') assert.ok(url && password, 'standalone did not print the UI address and the admin password:\n' + ready);
  return {
    home,
    url,
    password,
    dags: join(home, 'dags'),
    cli: (args, input) => weirCli(home, args, input),
    async stop() {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {}
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
      if (args[0] === 'standalone') rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
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

// A page in its own context that records JavaScript errors and failed API calls.
export async function newPage(browser, { viewport = { width: 1280, height: 860 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.jsErrors = [];
  page.on('pageerror', (e) => page.jsErrors.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    // The browser logs a failed request as a console error; the API's 4xx answers are checked
    // by the tests themselves, a 5xx below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.jsErrors.push(`console.error: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) page.jsErrors.push(`HTTP ${r.status()} from ${r.url()}`);
  });
  return page;
}

export async function login(page, url, username, password) {
  await page.goto(url);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('table.dags, [data-testid=no-dags]');
}

// Saves the page as <test name>.png and fails when the page logged a JavaScript error.
export async function finish(t, page) {
  mkdirSync(SHOTS, { recursive: true });
  const name = t.name.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '');
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  assert.deepEqual(page.jsErrors, [], 'the page logged JavaScript errors');
  await page.context().close();
}

export function writeDag(dir, name, text) {
  writeFileSync(join(dir, name), text);
}

// The UI's hash route for a task instance (ids percent-encoded, as the UI builds them).
export function taskHref(dag, run, task) {
  return `#/${['dags', dag, 'runs', run, 'tasks', task].map(encodeURIComponent).join('/')}`;
}

// Accessibility: axe-core (tests/js) run on the page as it is now, against WCAG 2 A and AA;
// fails on any serious or critical violation, naming the rule and the elements.
const AXE = readFileSync(new URL('../js/node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

export async function checkA11y(page, what) {
  // page.evaluate runs outside the page's Content-Security-Policy, which forbids inline scripts.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes
            .slice(0, 5)
            .map((n) => n.target.join(' '))
            .join('\n    ')}`,
      );
  });
  assert.deepEqual(violations, [], `accessibility problems on ${what}`);
}
