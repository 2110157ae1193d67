// The daily views in a real browser, on a desktop's and a phone's screen, in light and dark
// mode: the grid's dates (with the year when the runs span years), run types and state
// legend; graph labels inside their boxes; long code lines wrapped; the trigger dialog's
// configuration JSON; searching a log; the lake and the DAG list without sideways
// scrolling; sorting the DAG list.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkA11y, finish, launch, login, newPage, startStandalone, taskHref, writeDag } from './harness.mjs';

// One task in each state a run can leave it in. In a test run every task finishes (the run
// succeeds); in any other run `retries` fails and waits an hour: up_for_retry.
const EVERY_STATE = `dag_id: every_state
description: One task in each state
schedule: "@daily"
start_date: 2020-12-01
end_date: 2021-06-30
catchup: false
tags: [views]
params:
  note: {type: string, default: from the form}
tasks:
  - task_id: ok
    operator: bash
    command: echo fine
  - task_id: fails
    operator: bash
    command: for i in 1 2 3; do echo "needle $i"; done; echo "the NEEDLE broke" >&2; exit 3
  - task_id: never_ran
    operator: empty
    depends_on: [fails]
  - task_id: cleanup
    operator: empty
    trigger_rule: all_done
    depends_on: [never_ran]
  - task_id: skips
    operator: bash
    command: exit 99
  - task_id: retries
    operator: bash
    retries: 1
    retry_delay: 1h
    command: 'case "{{ run_id }}" in test__*) exit 0;; *) exit 1;; esac'
`;

const LONG_ID = 'load_the_yellow_taxi_trip_records_into_the_warehouse_partitioned_by_month_and_vendor';
const MEDIUM_ID = 'aggregate_daily_revenue_by_pickup_zone';
const LONG_LINE = `echo ${'a-long-line-of-words-that-goes-on '.repeat(12)}end`;

// Task ids longer than a graph box, and a command far wider than a phone.
const LONG_NAMES = `dag_id: long_names
schedule: null
start_date: 2021-01-01
tags: [views]
tasks:
  - task_id: extract
    operator: empty
  - task_id: ${MEDIUM_ID}
    operator: empty
    depends_on: [extract]
  - task_id: ${LONG_ID}
    operator: bash
    depends_on: [${MEDIUM_ID}]
    command: ${LONG_LINE}
`;

// Two small CSV files landed as Parquet; land_long's keys are long enough to wrap on a phone.
const LAND = readFileSync(new URL('../fixtures/dags/land_demo.yaml', import.meta.url), 'utf8').replace(
  'schedule: null',
  'schedule: null\ntags: [views]',
);
const LONG_DATASET = 'raw/a_dataset_whose_name_is_much_longer_than_a_phone_is_wide';
const LAND_LONG = LAND.replace('dag_id: land_demo', 'dag_id: land_long').replace(
  'lake://raw/demo/',
  `lake://${LONG_DATASET}/partitioned_by_a_long_key_name=value/`,
);

const SCREENS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const TWO_MODES = [
  ['desktop', 'light'],
  ['phone', 'dark'],
];
const ALL_MODES = [...TWO_MODES, ['desktop', 'dark'], ['phone', 'light']];

const TEST_2020 = 'test__2020-12-31T00:00:00+00:00';
const TEST_2021 = 'test__2021-01-01T00:00:00+00:00';

let weir;
let browser;
let manualRun;

before(async () => {
  weir = await startStandalone((home) => {
    writeDag(`${home}/dags`, 'every_state.yaml', EVERY_STATE);
    writeDag(`${home}/dags`, 'long_names.yaml', LONG_NAMES);
    writeDag(`${home}/dags`, 'land_demo.yaml', LAND);
    writeDag(`${home}/dags`, 'land_long.yaml', LAND_LONG);
  });
  // Runs in two years (test runs), a manual run and a backfill run.
  weir.cli(['dags', 'test', 'every_state', '2020-12-31']);
  weir.cli(['dags', 'test', 'every_state', '2021-01-01']);
  weir.cli(['dags', 'test', 'land_demo', '2021-01-01']);
  weir.cli(['dags', 'test', 'land_long', '2021-02-01']);
  weir.cli(['dags', 'backfill', 'every_state', '-s', '2021-01-04', '-e', '2021-01-04']);
  const run = JSON.parse(weir.cli(['dags', 'trigger', 'every_state', '-o', 'json']));
  manualRun = run.run_id ?? run[0]?.run_id;
  assert.ok(manualRun, 'weir dags trigger printed no run id');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

async function open(screen, scheme) {
  const page = await newPage(browser, { viewport: SCREENS[screen] });
  await page.emulateMedia({ colorScheme: scheme });
  await login(page, weir.url, 'admin', weir.password);
  return page;
}

// How far the page, and each table or code box in it, scrolls sideways (0 when it fits).
async function sideways(page) {
  return page.evaluate(() => {
    const s = document.scrollingElement;
    const boxes = [...document.querySelectorAll('main .scroll, main pre.source')].map((e) => e.scrollWidth - e.clientWidth);
    return { page: s.scrollWidth - s.clientWidth, boxes: Math.max(0, ...boxes) };
  });
}

const api = async (page, path) => {
  const r = await page.request.get(weir.url + 'api/v1' + path);
  assert.equal(r.status(), 200, `GET ${path}: ${await r.text()}`);
  return r.json();
};

for (const [screen, scheme] of ALL_MODES) {
  test(`grid: dates with the year, run types and a legend of every state (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    await page.goto(weir.url + '#/dags/every_state/grid');
    const column = (run) => page.locator('[data-testid=grid] thead th', { has: page.locator(`button.run-bar[data-run="${run}"]`) });
    await column(manualRun).waitFor();
    // The runs span 2020, 2021 and now: each date says its year.
    assert.equal(await column(TEST_2020).locator('.run-date').innerText(), '2020-12-31');
    assert.equal(await column(TEST_2021).locator('.run-date').innerText(), '2021-01-01');
    // Each column says its run's type: T for a test run, B backfill, M manual, with a name.
    assert.equal(await column(TEST_2020).locator('.run-type').innerText(), 'T');
    const backfill = page.locator('[data-testid=grid] thead th', { has: page.locator('button.run-bar[data-run^="backfill__"]') });
    assert.equal(await backfill.locator('.run-type').innerText(), 'B');
    const manual = column(manualRun).locator('.run-type[data-run-type=manual]');
    assert.equal(await manual.innerText(), 'M');
    assert.match(await manual.getAttribute('aria-label'), /manual run/);
    assert.match(await column(manualRun).locator('button.run-bar').getAttribute('aria-label'), /manual run/);
    // Cells in the states that look alike, and the legend that tells them apart.
    await page.locator('a.cell[data-task=retries][data-state=up_for_retry]').first().waitFor({ timeout: 60000 });
    await page.locator(`a.cell[data-run="${TEST_2020}"][data-task=never_ran][data-state=upstream_failed]`).waitFor();
    await page.locator(`a.cell[data-run="${TEST_2020}"][data-task=skips][data-state=skipped]`).waitFor();
    const legend = page.locator('[data-testid=state-legend]');
    const states = await legend.locator('li').evaluateAll((lis) => lis.map((li) => li.dataset.state));
    for (const s of [
      'success',
      'failed',
      'running',
      'queued',
      'up_for_retry',
      'upstream_failed',
      'skipped',
      'scheduled',
      'removed',
      'none',
    ]) {
      assert.ok(states.includes(s), `the legend lacks ${s}`);
    }
    assert.equal(await legend.locator('li[data-state=upstream_failed]').innerText(), 'upstream failed');
    const looks = await legend
      .locator('li .cell')
      .evaluateAll((cells) =>
        Object.fromEntries(
          cells.map((c) => [
            c.parentElement.dataset.state,
            getComputedStyle(c).backgroundColor + ' ' + getComputedStyle(c).backgroundImage,
          ]),
        ),
      );
    const alike = ['up_for_retry', 'upstream_failed', 'skipped', 'queued', 'removed'].map((s) => looks[s]);
    assert.equal(new Set(alike).size, alike.length, `states look the same: ${JSON.stringify(looks)}`);
    assert.match(looks.upstream_failed, /gradient/, 'upstream_failed has no pattern');
    // The legend matches the cells: same colour as a real upstream_failed cell.
    const cellLook = await page
      .locator('a.cell[data-state=upstream_failed]')
      .first()
      .evaluate((c) => getComputedStyle(c).backgroundColor + ' ' + getComputedStyle(c).backgroundImage);
    assert.equal(cellLook, looks.upstream_failed);
    const types = page.locator('[data-testid=run-type-legend]');
    assert.match(await types.innerText(), /M\s*manual run/);
    assert.match(await types.innerText(), /B\s*backfill run/);
    // The page itself never scrolls sideways (the grid scrolls inside its box).
    assert.equal((await sideways(page)).page, 0);
    await checkA11y(page, `the grid (${screen}, ${scheme})`);
    // Runs within one year: month and day only.
    await page.goto(weir.url + '#/dags/land_demo/grid');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=grid] .run-date').length === 1);
    assert.deepEqual(await page.locator('[data-testid=grid] .run-date').allInnerTexts(), ['01-01']);
    await page.goto(weir.url + '#/dags/every_state/grid');
    await column(manualRun).waitFor();
    await finish(t, page);
  });
}

for (const [screen, scheme] of TWO_MODES) {
  test(`graph: every label lies inside its box (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    await page.goto(weir.url + '#/dags/long_names/graph');
    const nodes = page.locator('[data-testid=graph] g.node');
    await nodes.nth(2).waitFor();
    const boxes = await nodes.evaluateAll((gs) =>
      gs.map((g) => {
        const r = g.querySelector('rect').getBoundingClientRect();
        return {
          task: g.dataset.task,
          title: g.querySelector('title').textContent,
          rect: { left: r.left, right: r.right, top: r.top, bottom: r.bottom },
          texts: [...g.querySelectorAll('text')].map((x) => {
            const b = x.getBoundingClientRect();
            return { text: x.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom };
          }),
        };
      }),
    );
    assert.equal(boxes.length, 3);
    for (const n of boxes) {
      for (const x of n.texts) {
        assert.ok(
          x.left >= n.rect.left && x.right <= n.rect.right && x.top >= n.rect.top && x.bottom <= n.rect.bottom,
          `"${x.text}" of ${n.task} leaves its box: ${JSON.stringify(x)} in ${JSON.stringify(n.rect)}`,
        );
      }
      assert.ok(n.title.startsWith(n.task + '\n'), `${n.task}'s tooltip does not name it: ${n.title}`);
    }
    const byTask = Object.fromEntries(boxes.map((n) => [n.task, n]));
    // A box grows to fit a longer id; one too long for the widest box is cut with an ellipsis.
    assert.equal(byTask[MEDIUM_ID].texts[0].text, MEDIUM_ID);
    assert.ok(byTask[MEDIUM_ID].rect.right - byTask[MEDIUM_ID].rect.left > byTask.extract.rect.right - byTask.extract.rect.left);
    assert.match(byTask[LONG_ID].texts[0].text, /^load_the_yellow_taxi.*…$/);
    assert.equal((await sideways(page)).page, 0);
    await checkA11y(page, `the graph (${screen}, ${scheme})`);
    await finish(t, page);
  });

  test(`code: long lines wrap beside their line numbers (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    await page.goto(weir.url + '#/dags/long_names/code');
    const source = page.locator('[data-testid=source]');
    await source.filter({ hasText: 'dag_id: long_names' }).waitFor();
    const lines = await source.locator('.line').evaluateAll((ls) =>
      ls.map((l) => {
        const ln = l.querySelector('.ln').getBoundingClientRect();
        const lt = l.querySelector('.lt').getBoundingClientRect();
        return {
          n: l.querySelector('.ln').textContent,
          text: l.querySelector('.lt').textContent,
          lnTop: ln.top,
          ltTop: lt.top,
          ltLeft: lt.left,
          height: lt.height,
        };
      }),
    );
    const fileLines = LONG_NAMES.replace(/\n$/, '').split('\n');
    assert.equal(lines.length, fileLines.length);
    assert.deepEqual(
      lines.map((l) => l.n),
      fileLines.map((_, i) => String(i + 1)),
    );
    const lineHeight = await source.evaluate((p) => parseFloat(getComputedStyle(p).lineHeight));
    const long = lines.find((l) => l.text.includes(LONG_LINE));
    assert.ok(long.height > 1.5 * lineHeight, `the long line did not wrap (height ${long.height}, line ${lineHeight})`);
    for (const l of lines) {
      // Each number on its line's first row, every text in the same column: aligned.
      assert.ok(Math.abs(l.lnTop - l.ltTop) < 1, `line ${l.n}'s number is not beside it`);
      assert.ok(Math.abs(l.ltLeft - lines[0].ltLeft) < 1, `line ${l.n} starts in another column`);
      if (l.text.length < 30) assert.ok(l.height < 1.5 * lineHeight, `the short line ${l.n} takes more than one row`);
    }
    assert.deepEqual(await sideways(page), { page: 0, boxes: 0 });
    // The lines' text is the file, nothing lost or added by the wrapping.
    assert.equal(lines.map((l) => l.text).join(''), fileLines.join('\n') + '\n');
    await checkA11y(page, `the code (${screen}, ${scheme})`);
    await finish(t, page);
  });

  test(`trigger: the configuration JSON joins the form's params; invalid JSON blocks it (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    await page.goto(weir.url + '#/dags/every_state/grid');
    await page.click('[data-testid=trigger]');
    const form = page.locator('[data-testid=trigger-form]');
    await form.locator('summary:text-is("Configuration JSON")').click();
    const box = form.locator('#conf-json');
    const submit = form.locator('button[type=submit]');
    const runsNow = async () => (await api(page, '/dags/every_state/dagRuns?limit=1')).total_entries;
    const before = await runsNow();

    // Not JSON: said beside the box, and nothing is triggered, by the button or otherwise.
    await box.fill('{"extra": 1');
    const error = form.locator('[data-testid=conf-error]');
    await error.waitFor();
    assert.match(await error.innerText(), /Not valid JSON/);
    assert.equal(await box.getAttribute('aria-invalid'), 'true');
    assert.equal(await submit.isDisabled(), true);
    await checkA11y(page, `the trigger dialog with an error (${screen}, ${scheme})`);
    await form.evaluate((f) => f.requestSubmit());
    await box.fill('[1, 2]');
    assert.match(await error.innerText(), /must be a JSON object/);
    await page.waitForTimeout(500);
    assert.equal(await runsNow(), before, 'a run was created from invalid JSON');

    // Valid: its keys join the params (on the phone it also replaces the form's note).
    const conf = screen === 'desktop' ? { extra: 1 } : { extra: 1, note: 'from the JSON' };
    await box.fill(JSON.stringify(conf));
    await error.waitFor({ state: 'detached' });
    if (conf.note) assert.match(await form.innerText(), /Replaces the form's note/);
    await submit.click();
    await page.waitForFunction(() => location.hash.includes('run=manual__'));
    const runId = new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('run');
    const run = await api(page, `/dags/every_state/dagRuns/${encodeURIComponent(runId)}`);
    assert.deepEqual(run.conf, { note: conf.note ?? 'from the form', extra: 1 });
    assert.equal(await runsNow(), before + 1);
    // The run's panel shows its conf.
    await page.locator(`section.panel[aria-label="Run ${runId}"]`).filter({ hasText: '"extra":1' }).waitFor();
    await finish(t, page);
  });
}

for (const [screen, scheme] of ALL_MODES) {
  test(`log: search highlights and counts matches; the error is shown once (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    await page.goto(weir.url + taskHref('every_state', TEST_2020, 'fails'));
    const log = page.locator('[data-testid=log]');
    await log.filter({ hasText: 'needle 3' }).waitFor();
    const file = readFileSync(join(weir.home, 'logs', 'every_state', TEST_2020, 'fails', 'attempt-1.log'), 'utf8');
    const m = file.match(/needle/gi).length;
    assert.ok(m >= 3, `the log has ${m} needles`);
    // The error once, not again under the log.
    assert.equal(await page.locator('main .error', { hasText: 'exited with status 3' }).count(), 1);
    await page.fill('[data-testid=log-search]', 'NEEDLE');
    const count = page.locator('[data-testid=log-search-count]');
    await count.filter({ hasText: `1 of ${m}` }).waitFor();
    assert.equal(await log.locator('mark').count(), m);
    assert.equal(await log.locator('mark.current').getAttribute('data-match'), '0');
    await page.click('button[aria-label="Next match"]');
    await count.filter({ hasText: `2 of ${m}` }).waitFor();
    await page.press('[data-testid=log-search]', 'Enter');
    await count.filter({ hasText: `3 of ${m}` }).waitFor();
    await page.press('[data-testid=log-search]', 'Shift+Enter');
    await count.filter({ hasText: `2 of ${m}` }).waitFor();
    await page.click('button[aria-label="Previous match"]');
    await page.click('button[aria-label="Previous match"]');
    await count.filter({ hasText: `${m} of ${m}` }).waitFor();
    assert.equal(await log.locator('mark.current').getAttribute('data-match'), String(m - 1));
    // The current match is in view inside the log's box.
    const [mark, box] = await Promise.all([log.locator('mark.current').boundingBox(), log.boundingBox()]);
    assert.ok(mark.y >= box.y && mark.y + mark.height <= box.y + box.height, 'the current match is scrolled out of the log');
    await checkA11y(page, `a log with matches (${screen}, ${scheme})`);
    await page.fill('[data-testid=log-search]', 'no such words');
    await count.filter({ hasText: 'no matches' }).waitFor();
    assert.equal(await log.locator('mark').count(), 0);
    await page.fill('[data-testid=log-search]', 'needle');
    await count.filter({ hasText: `1 of ${m}` }).waitFor();
    await finish(t, page);
  });
}

for (const [screen, scheme] of TWO_MODES) {
  test(`lake: datasets and objects fit the screen (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    await page.goto(weir.url + '#/lake');
    await page.locator(`[data-testid=datasets] a:text-is("${LONG_DATASET}")`).waitFor();
    assert.deepEqual(await sideways(page), { page: 0, boxes: 0 }, 'the dataset list scrolls sideways');
    await checkA11y(page, `the lake (${screen}, ${scheme})`);
    await page.click(`[data-testid=datasets] a:text-is("${LONG_DATASET}")`);
    await page.locator('[data-testid=objects] tbody tr').first().waitFor();
    assert.match(await page.locator('[data-testid=objects]').innerText(), /partitioned_by_a_long_key_name=value/);
    await page.locator('[data-testid=current-schema]').waitFor();
    assert.deepEqual(await sideways(page), { page: 0, boxes: 0 }, "a dataset's page scrolls sideways");
    await checkA11y(page, `a dataset (${screen}, ${scheme})`);
    await finish(t, page);
  });

  test(`DAG list: sorted by a column header, and it fits the screen (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    assert.deepEqual(await sideways(page), { page: 0, boxes: 0 }, 'the DAG list scrolls sideways');
    await checkA11y(page, `the DAG list (${screen}, ${scheme})`);
    await page.goto(weir.url + '#/dags?tags=views');
    const ids = () => page.locator('table.dags tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.dag));
    const th = (key) => page.locator('table.dags th', { has: page.locator(`button[data-sort=${key}]`) });
    const sortedAs = async (order) => {
      await page.waitForFunction((want) => {
        const got = [...document.querySelectorAll('table.dags tbody tr')].map((r) => r.dataset.dag);
        return JSON.stringify(got) === JSON.stringify(want);
      }, order);
      assert.deepEqual(await ids(), order);
    };
    // By DAG id, A to Z, unless asked otherwise.
    await sortedAs(['every_state', 'land_demo', 'land_long', 'long_names']);
    assert.equal(await th('dag_id').getAttribute('aria-sort'), 'ascending');
    await th('dag_id').locator('button').click();
    await sortedAs(['long_names', 'land_long', 'land_demo', 'every_state']);
    assert.equal(await th('dag_id').getAttribute('aria-sort'), 'descending');
    assert.match(page.url(), /sort=-dag_id/);
    // The last run, newest first; a DAG never run comes last either way.
    await th('last_run').locator('button').click();
    await sortedAs(['every_state', 'land_long', 'land_demo', 'long_names']);
    assert.equal(await th('last_run').getAttribute('aria-sort'), 'descending');
    assert.equal(await th('dag_id').getAttribute('aria-sort'), null);
    await th('last_run').locator('button').click();
    await sortedAs(['land_demo', 'land_long', 'every_state', 'long_names']);
    // By the newest run's state: the one still running (a task waits to retry) first.
    await th('state').locator('button').click();
    await sortedAs(['every_state', 'land_demo', 'land_long', 'long_names']);
    // The order is in the address: a reload keeps it.
    await page.reload();
    await page.locator('table.dags tbody tr').first().waitFor();
    await sortedAs(['every_state', 'land_demo', 'land_long', 'long_names']);
    assert.equal(await th('state').getAttribute('aria-sort'), 'ascending');
    assert.deepEqual(await sideways(page), { page: 0, boxes: 0 });
    await checkA11y(page, `the sorted DAG list (${screen}, ${scheme})`);
    await finish(t, page);
  });
}

for (const [screen, scheme] of TWO_MODES) {
  test(`grid: filters by run type, run state and a base date (${screen}, ${scheme})`, async (t) => {
    const page = await open(screen, scheme);
    await page.goto(weir.url + '#/dags/every_state/grid');
    const runs = () => page.locator('[data-testid=grid] button.run-bar').evaluateAll((bs) => bs.map((b) => b.dataset.run));
    await page.locator(`button.run-bar[data-run="${manualRun}"]`).waitFor();
    // Test runs only: the two of 2020-12-31 and 2021-01-01.
    await page.selectOption('[data-testid=grid-run-type]', 'test');
    await page.waitForFunction(() => location.hash.includes('run_type=test'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=grid] button.run-bar').length === 2);
    assert.deepEqual((await runs()).sort(), [TEST_2020, TEST_2021]);
    // And up to 2020-12-31: the older one.
    await page.fill('[data-testid=grid-base-date]', '2020-12-31');
    await page.waitForFunction(() => location.hash.includes('base_date=2020-12-31'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=grid] button.run-bar').length === 1);
    assert.deepEqual(await runs(), [TEST_2020]);
    // The address holds the filters: a reload keeps them, as the API's answer does.
    await page.reload();
    await page.locator(`button.run-bar[data-run="${TEST_2020}"]`).waitFor();
    assert.deepEqual(await runs(), [TEST_2020]);
    const viaApi = await api(page, '/dags/every_state/grid?run_type=test&base_date=2020-12-31');
    assert.deepEqual(
      viaApi.runs.map((r) => r.run_id),
      [TEST_2020],
    );
    // Clear, then successful runs only: no manual run (it waits in up_for_retry).
    await page.click('text=Clear filters');
    await page.locator(`button.run-bar[data-run="${manualRun}"]`).waitFor();
    await page.selectOption('[data-testid=grid-run-state]', 'success');
    await page.waitForFunction(() => location.hash.includes('run_state=success'));
    await page.waitForFunction((run) => !document.querySelector(`[data-testid=grid] button.run-bar[data-run="${run}"]`), manualRun);
    for (const run of await runs()) {
      const state = (await api(page, `/dags/every_state/dagRuns/${encodeURIComponent(run)}`)).state;
      assert.equal(state, 'success', `${run} is ${state}`);
    }
    assert.equal((await sideways(page)).page, 0);
    await checkA11y(page, `the filtered grid (${screen}, ${scheme})`);
    await finish(t, page);
  });
}
