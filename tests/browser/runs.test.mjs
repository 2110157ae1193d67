// Runs in a real browser against the real scheduler: trigger simple_dag with params and watch
// the grid turn green without a reload, follow a task's log while it is written, clear a task
// and watch it run again, and the graph and code of a run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finish, launch, login, newPage, startStandalone, taskHref, writeDag } from './harness.mjs';

// Prints a numbered line every half second: a log that grows while the page watches it.
const TICKER = `dag_id: ticker
schedule: null
start_date: 2021-01-01
params:
  lines: {type: integer, default: 12, minimum: 1}
tasks:
  - task_id: tick
    operator: bash
    command: for i in $(seq 1 {{ params.lines }}); do echo "tick $i"; sleep 0.5; done
`;

// 30 daily runs of one empty task: more than the grid's 25 newest.
const MONTH = `dag_id: january
schedule: "@daily"
start_date: 2021-01-01
end_date: 2021-01-30
catchup: true
max_active_runs: 8
tasks:
  - task_id: nothing
    operator: empty
`;

let weir;
let browser;

before(async () => {
  weir = await startStandalone((home) => {
    writeDag(`${home}/dags`, 'ticker.yaml', TICKER);
    writeDag(`${home}/dags`, 'january.yaml', MONTH);
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

const runIdFromUrl = (url) => new URLSearchParams(new URL(url).hash.split('?')[1]).get('run');

test('trigger simple_dag with params and watch the grid turn green without a reload', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.click('a.dag-link:text-is("simple_dag")');
  await page.waitForSelector('[data-testid=grid]');
  await page.click('[data-testid=trigger]');
  const form = page.locator('[data-testid=trigger-form]');
  assert.equal(await form.locator('#param-sleep_seconds').inputValue(), '3');
  // A string param's max_length reaches the form (the API checks it again).
  assert.equal(await form.locator('#param-message').getAttribute('maxlength'), '500');
  await form.locator('#param-sleep_seconds').fill('1');
  await form.locator('#param-message').fill('hello from the browser');
  await form.locator('button[type=submit]').click();
  await page.waitForFunction(() => location.hash.includes('run=manual__'));
  const runId = runIdFromUrl(page.url());
  let loads = 0;
  page.on('load', () => loads++);
  const cell = (task, state) => `[data-testid=grid] a.cell[data-run="${runId}"][data-task="${task}"][data-state="${state}"]`;
  // The new run's column appears, then every task in it turns green as the scheduler runs it.
  for (const task of ['print_date', 'sleep', 'print_end']) {
    await page.waitForSelector(cell(task, 'success'), { timeout: 90000 });
  }
  assert.equal(loads, 0, 'the page reloaded');
  const summary = await page.locator('[data-testid=run-summary]').innerText();
  assert.match(summary, /covers \[\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?, \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?\), started at \d{4}-/);
  // The params reached the tasks.
  await page.click(cell('print_end', 'success'));
  await page.locator('[data-testid=log]').filter({ hasText: 'hello from the browser for' }).waitFor();
  await page.locator('pre.code').filter({ hasText: 'hello from the browser' }).first().waitFor();
  await finish(t, page);
});

test("a running task's log is followed live, then shown complete", async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  const run = JSON.parse(weir.cli(['dags', 'trigger', 'ticker', '-o', 'json']));
  const runId = run.run_id ?? run[0]?.run_id;
  assert.ok(runId, 'weir dags trigger printed no run id');
  await page.goto(weir.url + taskHref('ticker', runId, 'tick'));
  const log = page.locator('[data-testid=log]');
  // While the task runs: the first lines are on screen, the last not yet, and the view says live.
  await log.filter({ hasText: 'tick 2' }).waitFor({ timeout: 60000 });
  const early = await log.innerText();
  assert.ok(!early.includes('tick 12'), 'the whole log was there at once: not a live view');
  assert.match(await page.locator('[data-testid=log-status]').innerText(), /live/);
  await log.filter({ hasText: 'tick 12' }).waitFor({ timeout: 30000 });
  await page.locator('[data-testid=log-status]').filter({ hasText: 'complete' }).waitFor({ timeout: 30000 });
  // Every line starts with the time it was written (UTC, to the millisecond).
  const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
  const all = (await log.innerText()).split('\n').filter((l) => l !== '');
  assert.ok(
    all.every((l) => STAMP.test(l)),
    'a log line without its time:\n' + all.join('\n'),
  );
  const lines = all.map((l) => l.replace(STAMP, '')).filter((l) => l.startsWith('tick '));
  assert.deepEqual(
    lines,
    Array.from({ length: 12 }, (_, i) => `tick ${i + 1}`),
    'lines lost or repeated while following',
  );
  // Download saves the whole log as a file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-log]')]);
  assert.match(download.suggestedFilename(), /^ticker__manual__.*__tick__try-1\.log$/);
  const saved = readFileSync(await download.path(), 'utf8');
  assert.equal(saved, readFileSync(join(weir.home, 'logs', 'ticker', runId, 'tick', 'attempt-1.log'), 'utf8'));
  await finish(t, page);
});

test('clearing a task runs it again: a second try appears and succeeds', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  const run = JSON.parse(weir.cli(['dags', 'trigger', 'ticker', '--conf', '{"lines": 2}', '-o', 'json']));
  const runId = run.run_id ?? run[0]?.run_id;
  await page.goto(weir.url + taskHref('ticker', runId, 'tick'));
  await page.locator('main > .toolbar .state.s-success').waitFor({ timeout: 60000 });
  assert.equal(await page.locator('[data-testid=tries] tbody tr').count(), 1);
  await page.click('[data-testid=clear-task]');
  // It asks first, listing what it clears.
  const dialog = page.getByRole('dialog', { name: 'Clear' });
  await dialog.locator('[data-testid=change-list] li[data-task=tick]').waitFor();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await page.locator('[data-testid=tries] tbody tr').nth(1).waitFor({ timeout: 60000 });
  await page.locator('main > .toolbar .state.s-success').waitFor({ timeout: 60000 });
  await page.locator('[data-testid=tries] tbody tr').nth(1).locator('.state.s-success').waitFor({ timeout: 60000 });
  assert.match(await page.locator('main > .toolbar').innerText(), /try 2 of/);
  await finish(t, page);
});

test('the graph shows live states and the code of the version a run used', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.goto(weir.url + '#/dags/simple_dag/graph');
  for (const task of ['print_date', 'sleep', 'print_end']) {
    await page.locator(`[data-testid=graph] g.node[data-task="${task}"]`).waitFor();
  }
  await page.locator('[data-testid=graph] g.node[data-task="print_end"][data-state="success"]').waitFor({ timeout: 60000 });
  assert.equal(await page.locator('[data-testid=graph] path.edge').count(), 2);
  await page.click('a:text-is("the version this run used")');
  await page.locator('[data-testid=source]').filter({ hasText: 'dag_id: simple_dag' }).waitFor();
  await finish(t, page);
});

test("a run older than the grid's newest 25 opens from the runs list; more runs can be shown", async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.goto(weir.url + '#/dags/january/runs');
  await page.locator('[data-testid=runs] tbody tr').nth(29).waitFor({ timeout: 60000 });
  await page.locator('[data-testid=runs] a', { hasText: 'scheduled__2021-01-01T00:00:00+00:00' }).click();
  // Not among the 25 columns, but its panel is there.
  const summary = page.locator('[data-testid=run-summary]');
  await summary.filter({ hasText: 'covers [2021-01-01 00:00, 2021-01-02 00:00)' }).waitFor();
  assert.equal(await page.locator('[data-testid=grid] button.run-bar').count(), 25);
  await page.selectOption('.runs-shown select', '50');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=grid] button.run-bar').length === 30);
  const pressed = page.locator('[data-testid=grid] button.run-bar[aria-pressed=true]');
  assert.equal(await pressed.getAttribute('data-run'), 'scheduled__2021-01-01T00:00:00+00:00');
  assert.match(page.url(), /runs=50/);
  await finish(t, page);
});
