// Airflow 2's other views, as a user sees them on a desktop and a phone, in light and dark
// mode: a DAG's Durations, Landed, Gantt and Calendar tabs; Browse's lists of every DAG's runs
// and task instances with their filters and bulk changes (each previewed first); notes on a
// run and a task instance (kept, audited, read-only for viewers); and the pools' slots.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkA11y, finish, launch, login, newPage, SHOTS, startStandalone, taskHref, WEIR, weirCli, writeDag } from './harness.mjs';

// extract, then transform and load side by side. transform fails on the 2nd of a month,
// except at 18:00: 2021-03-02 has two failed runs and one that succeeded.
const ALPHA = `dag_id: alpha
schedule: null
start_date: 2020-01-01
tasks:
  - task_id: extract
    operator: bash
    command: sleep 1
  - task_id: transform
    operator: bash
    depends_on: [extract]
    command: |
      if [ "{{ logical_date.strftime('%d') }}" = "02" ] && [ "{{ logical_date.strftime('%H') }}" != "18" ]; then exit 1; fi
  - task_id: load
    operator: bash
    depends_on: [extract]
    command: echo loaded
`;

// Fails on the 3rd of a month.
const BETA = `dag_id: beta
schedule: null
start_date: 2020-01-01
tasks:
  - task_id: ping
    operator: bash
    command: |
      if [ "{{ logical_date.strftime('%d') }}" = "03" ]; then exit 1; fi
`;

// Always fails: the task instances the bulk clear clears.
const failing = (dag) => `dag_id: ${dag}
schedule: null
start_date: 2020-01-01
tasks:
  - task_id: boom
    operator: bash
    command: exit 1
`;

// Two tasks that want the one slot of pool tiny: one runs, the other waits.
const POOLED = `dag_id: pooled
schedule: null
start_date: 2020-01-01
tasks:
  - task_id: first
    operator: bash
    pool: tiny
    command: sleep 120
  - task_id: second
    operator: bash
    pool: tiny
    command: sleep 120
`;

const ALPHA_DATES = ['2020-12-30', '2021-03-01', '2021-03-02T00:00:00', '2021-03-02T06:00:00', '2021-03-02T18:00:00', '2021-03-03'];
const FAILED_RUN = 'test__2021-03-02T00:00:00+00:00';
const NOTED_RUN = 'test__2021-03-01T00:00:00+00:00';
const SCREENS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};
const MODES = [
  ['desktop', 'light'],
  ['phone', 'dark'],
];

let weir;
let browser;

// `weir dags test`, which exits 1 when the run fails: both are a run made.
function dagsTest(home, dag, date) {
  const p = spawnSync(WEIR, ['dags', 'test', dag, date], {
    env: { ...process.env, WEIR_HOME: home },
    encoding: 'utf8',
    timeout: 120000,
  });
  assert.ok(p.status === 0 || p.status === 1, `weir dags test ${dag} ${date} failed:\n${p.stdout}\n${p.stderr}`);
}

before(async () => {
  weir = await startStandalone((home) => {
    const dags = join(home, 'dags');
    writeDag(dags, 'alpha.yaml', ALPHA);
    writeDag(dags, 'beta.yaml', BETA);
    writeDag(dags, 'gamma.yaml', failing('gamma'));
    writeDag(dags, 'delta.yaml', failing('delta'));
    writeDag(dags, 'pooled.yaml', POOLED);
    for (const date of ALPHA_DATES) dagsTest(home, 'alpha', date);
    dagsTest(home, 'beta', '2021-03-01');
    dagsTest(home, 'beta', '2021-03-03');
    dagsTest(home, 'gamma', '2021-04-01');
    dagsTest(home, 'delta', '2021-04-01');
    weirCli(home, ['pools', 'set', 'tiny', '1']);
  });
  // After the start: standalone makes its admin only in a home without users.
  weir.cli(['users', 'create', 'vic', '--role', 'viewer', '--password-stdin'], 'pw-vic-12345\n');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

async function open(screen, scheme, user = ['admin', weir.password]) {
  const page = await newPage(browser, { viewport: SCREENS[screen] });
  await page.emulateMedia({ colorScheme: scheme });
  await login(page, weir.url, ...user);
  return page;
}

const api = async (page, path) => {
  const r = await page.request.get(weir.url + 'api/v1' + path);
  assert.equal(r.status(), 200, `GET ${path}: ${await r.text()}`);
  return r.json();
};

// The page never scrolls sideways: only a chart's or a table's own box may.
async function noSideways(page, what) {
  const over = await page.evaluate(() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth);
  assert.ok(over <= 0, `${what} scrolls sideways by ${over}px`);
}

// A screenshot of one view of a test (finish() saves the test's last one).
async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({
    path: join(SHOTS, `browse_${name}.png`),
    fullPage: true,
  });
}

// Axe, no sideways scrolling and a screenshot: what every view gets on every screen.
async function check(page, what, name) {
  await checkA11y(page, what);
  await noSideways(page, what);
  await shot(page, name);
}

for (const [screen, scheme] of MODES) {
  test(`Durations and Landed chart one entry per run and task (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    const grid = await api(page, '/dags/alpha/grid');
    const runIds = grid.runs.map((r) => r.run_id).sort();
    assert.equal(runIds.length, ALPHA_DATES.length);

    await page.goto(weir.url + '#/dags/alpha/durations');
    const chart = page.locator('[data-testid=durations-chart]');
    await chart.locator('circle.point').first().waitFor();
    const points = await chart
      .locator('g[data-series] circle.point')
      .evaluateAll((cs) => cs.map((c) => `${c.parentElement.dataset.series} ${c.dataset.run}`));
    const expected = ['extract', 'transform', 'load'].flatMap((task) => runIds.map((r) => `${task} ${r}`));
    assert.deepEqual(points.sort(), expected.sort(), 'not one point per run and task');
    assert.match(await chart.locator('.axis-title').textContent(), /^Duration \((seconds|minutes)\)$/);
    const legend = await page.locator('[data-testid=chart-legend] li').evaluateAll((lis) => lis.map((li) => li.dataset.series));
    assert.deepEqual(legend, grid.tasks);
    // The table beside it has a row per run.
    await page.getByText('The durations as a table').click();
    assert.equal(await page.locator('[data-testid=durations-table] tbody tr').count(), runIds.length);
    await check(page, 'the Durations tab', `durations_${screen}_${scheme}`);

    await page.getByRole('link', { name: 'Landed', exact: true }).click();
    const landed = page.locator('[data-testid=landed-chart]');
    await landed.locator('rect.bar').first().waitFor();
    const bars = await landed.locator('rect.bar').evaluateAll((rs) => rs.map((r) => r.dataset.run));
    assert.deepEqual(bars.sort(), runIds, 'not one bar per run');
    // Test runs of 2021 landed years after their interval ended: counted in days.
    assert.equal(await landed.locator('.axis-title').textContent(), 'Landing delay (days)');
    await check(page, 'the Landed tab', `landed_${screen}_${scheme}`);
    await finish(t, page);
  });

  test(`Gantt has a bar per task instance of the run, opened from the run panel (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    await page.goto(weir.url + `#/dags/alpha/grid?run=${encodeURIComponent(FAILED_RUN)}`);
    await page.locator('[data-testid=run-gantt]').click();
    await page.waitForFunction(() => location.hash.startsWith('#/dags/alpha/gantt?run='));
    const gantt = page.locator('[data-testid=gantt]');
    await gantt.locator('rect.bar').first().waitFor();
    const bars = await gantt.locator('rect.bar').evaluateAll((rs) =>
      Object.fromEntries(
        rs.map((r) => [
          r.dataset.task,
          {
            state: r.dataset.state,
            x: +r.getAttribute('x'),
            w: +r.getAttribute('width'),
          },
        ]),
      ),
    );
    assert.deepEqual(Object.keys(bars).sort(), ['extract', 'load', 'transform']);
    assert.equal(bars.transform.state, 'failed');
    assert.equal(bars.extract.state, 'success');
    // transform waited for extract: its bar starts where extract's ends (give or take a pixel).
    assert.ok(bars.transform.x >= bars.extract.x + bars.extract.w - 1, `transform starts before extract ends: ${JSON.stringify(bars)}`);
    const label = await gantt.locator('a', { has: page.locator('rect.bar[data-task=transform]') }).getAttribute('aria-label');
    assert.match(label, /^transform, try 1: failed, started at \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?, took /);
    await check(page, 'the Gantt tab', `gantt_${screen}_${scheme}`);
    await finish(t, page);
  });

  test(`Calendar colours a failed day failed, counts its runs and switches years (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    await page.goto(weir.url + '#/dags/alpha/calendar');
    const day = (date) => page.locator(`[data-testid=calendar] rect.day[data-date="${date}"]`);
    await day('2021-03-02').waitFor();
    assert.equal(await day('2021-03-02').getAttribute('data-state'), 'failed');
    const link = (date) => page.locator(`[data-testid=calendar] a:has(rect.day[data-date="${date}"])`);
    assert.equal(await link('2021-03-02').getAttribute('aria-label'), '2021-03-02: 1 success, 2 failed');
    assert.equal(await link('2021-03-01').getAttribute('aria-label'), '2021-03-01: 1 success');
    assert.equal(await day('2021-03-04').getAttribute('data-state'), 'none');
    assert.equal(await link('2021-03-04').count(), 0, 'a day without runs is a link');
    // The failed day has the legend's failed colour; a successful day another.
    const fill = (l) => l.evaluate((e) => getComputedStyle(e).fill);
    const legendFailed = await page
      .locator('[data-testid=calendar-legend] li[data-state=failed] .cell')
      .evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(await fill(day('2021-03-02')), legendFailed);
    assert.notEqual(await fill(day('2021-03-01')), legendFailed);
    await check(page, 'the Calendar tab', `calendar_${screen}_${scheme}`);

    // The year before has the run of 2020-12-30; the select goes back.
    await page.getByRole('link', { name: 'Previous year, 2020' }).click();
    await day('2020-12-30').waitFor();
    assert.equal(await link('2020-12-30').getAttribute('aria-label'), '2020-12-30: 1 success');
    assert.equal(await page.getByRole('link', { name: /Previous year/ }).count(), 0);
    await page.getByRole('combobox', { name: 'Year', exact: true }).selectOption('2021');
    await day('2021-03-02').waitFor();

    // A day opens the grid at that day: its runs and older ones, not the day after's.
    await link('2021-03-02').click();
    await page.waitForFunction(() => location.hash.startsWith('#/dags/alpha/grid?base_date=2021-03-02'));
    await page.locator('[data-testid=base-date]').waitFor();
    const columns = page.locator('[data-testid=grid] button.run-bar');
    await page.locator(`[data-testid=grid] button.run-bar[data-run="test__2021-03-02T18:00:00+00:00"]`).waitFor();
    const shown = await columns.evaluateAll((bs) => bs.map((b) => b.dataset.run));
    assert.ok(!shown.includes('test__2021-03-03T00:00:00+00:00'), `the grid shows a run after the day: ${shown}`);
    await finish(t, page);
  });

  test(`Browse lists every DAG's runs and task instances by the filters in the address (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    const failed = await api(page, '/dags/~/dagRuns?state=failed');
    await page.goto(weir.url + '#/browse/runs?state=failed');
    const rows = page.locator('[data-testid=browse-runs] tbody tr');
    await rows.first().waitFor();
    const listed = await rows.evaluateAll((trs) =>
      trs.map((tr) => ({
        dag: tr.dataset.dag,
        run: tr.dataset.run,
        state: tr.dataset.state,
      })),
    );
    assert.ok(
      listed.every((r) => r.state === 'failed'),
      `a run that did not fail: ${JSON.stringify(listed)}`,
    );
    const dags = new Set(listed.map((r) => r.dag));
    assert.ok(dags.has('alpha') && dags.has('beta'), `not every DAG's failed runs: ${[...dags]}`);
    assert.equal(listed.length, failed.total_entries);
    assert.equal(await page.locator('[data-testid=browse-total]').innerText(), `1–${failed.total_entries} of ${failed.total_entries}`);
    assert.equal(await page.getByLabel('State').inputValue(), 'failed');
    await check(page, 'Browse > DAG runs', `runs_${screen}_${scheme}`);

    // The form puts its filters in the address: beta's failed runs alone.
    await page.getByLabel('DAG').fill('beta');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(() => location.hash.includes('dag_id=beta') && location.hash.includes('state=failed'));
    await page
      .locator('[data-testid=browse-total]')
      .filter({ hasText: /^1–1 of 1$/ })
      .waitFor();
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.run)), ['test__2021-03-03T00:00:00+00:00']);

    await page.goto(weir.url + '#/browse/tasks?dag_id=alpha&task_id=transform&to=2021-03-02');
    const tasks = page.locator('[data-testid=browse-tasks] tbody tr');
    await page
      .locator('[data-testid=browse-total]')
      .filter({ hasText: /^1–5 of 5$/ })
      .waitFor();
    const tis = await tasks.evaluateAll((trs) => trs.map((tr) => `${tr.dataset.task} ${tr.dataset.state}`));
    // 2020-12-30, 2021-03-01 and the three runs of 2021-03-02: the "to" day counts whole.
    assert.deepEqual(tis.sort(), ['transform failed', 'transform failed', 'transform success', 'transform success', 'transform success']);
    await check(page, 'Browse > Task instances', `tasks_${screen}_${scheme}`);
    await finish(t, page);
  });
}

test('bulk clear of two task instances of two DAGs lists both first, and only Confirm clears them', async (t) => {
  const page = await open('desktop', 'light');
  await page.goto(weir.url + '#/browse/tasks?state=failed&task_id=boom');
  const row = (dag) => page.locator(`[data-testid=browse-tasks] tbody tr[data-dag=${dag}][data-task=boom]`);
  await row('gamma').waitFor();
  await row('gamma').getByRole('checkbox').check();
  await row('delta').getByRole('checkbox').check();
  assert.equal(await page.locator('[data-testid=selected-count]').innerText(), '2 task instances ticked');
  await page.locator('[data-testid=bulk-clear]').click();
  const dialog = page.getByRole('dialog', { name: 'Clear 2 task instances' });
  const items = dialog.locator('[data-testid=change-list] li');
  await items.first().waitFor();
  const listed = await items.evaluateAll((lis) => lis.map((li) => `${li.dataset.dag}.${li.dataset.task}`));
  assert.deepEqual(listed.sort(), ['delta.boom', 'gamma.boom']);
  assert.equal(await dialog.locator('.bulk-group h3').count(), 2, 'not grouped by DAG');
  assert.match(await dialog.locator('[data-testid=change-summary]').innerText(), /These 2 task instances of 2 DAGs will be cleared/);
  await checkA11y(page, 'the bulk clear dialog');
  await shot(page, 'bulk_clear_dialog');
  const state = async (dag) => (await api(page, `/dags/${dag}/dagRuns/~/taskInstances?task_id=boom`)).task_instances[0].state;
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual([await state('gamma'), await state('delta')], ['failed', 'failed']);

  await page.locator('[data-testid=bulk-clear]').click();
  await items.first().waitFor();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await dialog.waitFor({ state: 'hidden' });
  for (const dag of ['gamma', 'delta'])
    assert.ok(['none', 'queued', 'scheduled'].includes(await state(dag)), `${dag}.boom was not cleared`);
  // Cleared, they leave the list of failed ones, and the ticks go with them.
  await row('gamma').waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-testid=selected-count]').innerText(), 'Tick task instances to clear or mark them');
  await finish(t, page);
});

test("a run's bulk mark lists what changes and says the runs change too", async (t) => {
  const page = await open('desktop', 'light');
  await page.goto(weir.url + '#/browse/runs?dag_id=beta&state=failed');
  await page.locator('[data-testid=browse-runs] tbody tr').first().getByRole('checkbox').check();
  await page.locator('[data-testid=bulk-success]').click();
  const dialog = page.getByRole('dialog', { name: 'Mark 1 run success' });
  await dialog.locator('[data-testid=change-summary]').waitFor();
  assert.match(await dialog.innerText(), /The runs themselves become success\./);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await api(page, '/dags/beta/dagRuns?state=failed')).total_entries, 1);
  await finish(t, page);
});

test('notes on a run and a task instance stay after a reload, show in Browse and in the audit log', async (t) => {
  const page = await open('desktop', 'light');
  const runNote = 'Re-run on 3 March after the upstream fix ✓';
  const taskNote = 'transform failed: see ticket OPS-42';
  await page.goto(weir.url + `#/dags/alpha/grid?run=${encodeURIComponent(NOTED_RUN)}`);
  const input = page.locator('[data-testid=note-input]');
  await input.fill(runNote);
  // ✓ is three bytes in UTF-8: the counter counts bytes, as the API's limit does.
  assert.equal(await page.locator('[data-testid=note-count]').innerText(), `${Buffer.byteLength(runNote)} / 1000 bytes`);
  await page.locator('[data-testid=note-save]').click();
  await page
    .locator('[data-testid=note-meta]')
    .filter({ hasText: /^Written by admin at / })
    .waitFor();
  // Over 1000 bytes, the counter says by how much and Save is off.
  await input.fill('é'.repeat(501));
  assert.equal(await page.locator('[data-testid=note-count]').innerText(), '1002 / 1000 bytes: 2 too many');
  assert.equal(await page.locator('[data-testid=note-save]').isDisabled(), true);
  await page.getByRole('button', { name: 'Discard' }).click();
  await page.reload();
  await page.locator('[data-testid=note-input]').waitFor();
  assert.equal(await page.locator('[data-testid=note-input]').inputValue(), runNote);
  await checkA11y(page, 'the run panel with a note');
  await shot(page, 'run_note');

  await page.goto(weir.url + taskHref('alpha', FAILED_RUN, 'transform'));
  await page.locator('[data-testid=note-input]').fill(taskNote);
  await page.locator('[data-testid=note-save]').click();
  await page.locator('[data-testid=note-meta]').waitFor();
  await page.reload();
  await page.locator('[data-testid=note-meta]').waitFor();
  assert.equal(await page.locator('[data-testid=note-input]').inputValue(), taskNote);
  await checkA11y(page, 'the task instance with a note');
  await shot(page, 'task_note');

  // Browse shows both notes in their rows.
  await page.goto(weir.url + '#/browse/runs?dag_id=alpha');
  const runRow = page.locator(`[data-testid=browse-runs] tr[data-run="${NOTED_RUN}"]`);
  await runRow.locator('[data-testid=note-cell]').waitFor();
  assert.equal(await runRow.locator('[data-testid=note-cell]').getAttribute('title'), runNote);
  await page.goto(weir.url + '#/browse/tasks?dag_id=alpha&task_id=transform');
  const taskRow = page.locator(`[data-testid=browse-tasks] tr[data-run="${FAILED_RUN}"]`);
  assert.equal(await taskRow.locator('[data-testid=note-cell]').innerText(), taskNote);

  // Both are in the audit log, with who wrote them.
  await page.goto(weir.url + '#/audit?event=note_set');
  const events = page.locator('[data-testid=audit] tbody tr');
  await events.nth(1).waitFor();
  const text = await page.locator('[data-testid=audit] tbody').innerText();
  assert.ok(text.includes(runNote) && text.includes(taskNote), `the audit log lacks the notes:\n${text}`);
  assert.equal(await events.count(), 2);

  // Saving an empty note removes it.
  await page.goto(weir.url + taskHref('alpha', FAILED_RUN, 'load'));
  await page.locator('[data-testid=note-input]').fill('for a moment');
  await page.locator('[data-testid=note-save]').click();
  await page.locator('[data-testid=note-meta]').waitFor();
  await page.locator('[data-testid=note-input]').fill('');
  assert.match(await page.locator('[data-testid=note-count]').innerText(), /saving removes the note/);
  await page.locator('[data-testid=note-save]').click();
  await page.locator('[data-testid=note-meta]').waitFor({ state: 'detached' });
  assert.equal((await api(page, `/dags/alpha/dagRuns/${encodeURIComponent(FAILED_RUN)}/taskInstances/load`)).note, '');
  await finish(t, page);
});

test('a viewer reads the notes but has no note editor, no ticks and no bulk buttons', async (t) => {
  const page = await open('phone', 'light', ['vic', 'pw-vic-12345']);
  await page.goto(weir.url + `#/dags/alpha/grid?run=${encodeURIComponent(NOTED_RUN)}`);
  await page.locator('[data-testid=note-text]').waitFor();
  assert.match(await page.locator('[data-testid=note-text]').innerText(), /upstream fix/);
  assert.equal(await page.locator('[data-testid=note-input]').count(), 0);
  await page.goto(weir.url + taskHref('alpha', FAILED_RUN, 'transform'));
  await page.locator('[data-testid=note-text]').filter({ hasText: 'OPS-42' }).waitFor();
  assert.equal(await page.locator('textarea').count(), 0);
  await check(page, 'a task instance as a viewer', 'viewer_task');
  for (const list of ['runs', 'tasks']) {
    await page.goto(weir.url + `#/browse/${list}`);
    await page.locator(`[data-testid=browse-${list}] tbody tr`).first().waitFor();
    assert.equal(await page.locator('[data-testid^=bulk-]').count(), 0, `a viewer sees bulk buttons on ${list}`);
    assert.equal(await page.locator(`[data-testid=browse-${list}] input[type=checkbox]`).count(), 0);
  }
  await check(page, 'Browse as a viewer', 'viewer_browse');
  await finish(t, page);
});

let pooledRun = '';
for (const [screen, scheme] of MODES) {
  test(`the pools page shows running, queued and open slots (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    if (!pooledRun) pooledRun = JSON.parse(weir.cli(['dags', 'trigger', 'pooled', '-o', 'json'])).run_id;
    // One of the two tasks holds tiny's only slot; the other waits for it.
    let tiny;
    for (let i = 0; i < 120; i++) {
      tiny = (await api(page, '/pools')).pools.find((p) => p.name === 'tiny');
      if (tiny.running_slots === 1 && tiny.scheduled_slots === 1) break;
      await page.waitForTimeout(500);
    }
    assert.deepEqual([tiny.running_slots, tiny.queued_slots, tiny.open_slots], [1, 0, 0], JSON.stringify(tiny));
    await page.goto(weir.url + '#/admin/pools');
    const row = page.locator('[data-testid=pools] tr[data-pool=tiny]');
    await row.waitFor();
    const cell = (name) => row.locator(`[data-testid=${name}]`).innerText();
    assert.deepEqual([await cell('slots'), await cell('running'), await cell('queued'), await cell('open')], ['1', '1', '0', '0']);
    assert.equal(await cell('scheduled'), String(tiny.scheduled_slots));
    assert.equal(await row.locator('svg.usage').getAttribute('aria-label'), '1 of 1 slots in use: 1 running, 0 queued');
    await check(page, 'the pools page', `pools_${screen}_${scheme}`);
    await finish(t, page);
  });
}

test('the pooled run ends (its sleeping tasks are killed)', () => {
  if (pooledRun) weir.cli(['runs', 'mark', 'pooled', pooledRun, '--state', 'failed']);
});
