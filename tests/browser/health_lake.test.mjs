// The DAG list's health line and each DAG's run and task counts; a lake object's own page
// (checksum, source, the task that wrote it, its versions); a task instance's "Wrote" links
// and its schema-drift warning; the audit log's dag_delete filter. On a laptop in light mode
// and a phone in dark mode: axe passes and no page scrolls sideways.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkA11y, finish, launch, login, newPage, startStandalone, taskHref, WEIR, writeDag } from './harness.mjs';

// Two months of a small CSV landed as Parquet; February's file has one more column, which
// lake_put publishes with a schema-drift warning (schema_policy warn, its default).
const LAND = readFileSync(new URL('../fixtures/dags/land_demo.yaml', import.meta.url), 'utf8');

// Always fails: the failing count.
const FAIL = `dag_id: fail_demo
schedule: null
start_date: 2021-01-01
tasks:
  - task_id: boom
    operator: bash
    command: exit 1
`;

const JAN = 'lake://raw/demo/year=2021/month=01/demo.parquet';
const FEB = 'lake://raw/demo/year=2021/month=02/demo.parquet';
const JAN_RUN = 'test__2021-01-01T00:00:00+00:00';
const JAN_NOON_RUN = 'test__2021-01-01T12:00:00+00:00';
const FEB_RUN = 'test__2021-02-01T00:00:00+00:00';

const SCREENS = [
  ['desktop', { width: 1280, height: 800 }, 'light'],
  ['phone', { width: 390, height: 844 }, 'dark'],
];

let weir;
let browser;

// `weir dags test`, which exits 1 when the run fails: both are a run made.
function dagsTest(dag, date) {
  const p = spawnSync(WEIR, ['dags', 'test', dag, date], {
    env: { ...process.env, WEIR_HOME: weir.home },
    encoding: 'utf8',
    timeout: 120000,
  });
  assert.ok(p.status === 0 || p.status === 1, `weir dags test ${dag} ${date} failed:\n${p.stdout}\n${p.stderr}`);
}

before(async () => {
  weir = await startStandalone((home) => {
    writeDag(join(home, 'dags'), 'land_demo.yaml', LAND);
    writeDag(join(home, 'dags'), 'fail_demo.yaml', FAIL);
  });
  dagsTest('land_demo', '2021-01-01');
  dagsTest('land_demo', '2021-02-01');
  // Noon of the same month writes January's object again: it gets a second version.
  dagsTest('land_demo', '2021-01-01T12:00:00');
  dagsTest('fail_demo', '2021-01-01');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

async function open(size, scheme) {
  const page = await newPage(browser, { viewport: size });
  await page.emulateMedia({ colorScheme: scheme });
  await login(page, weir.url, 'admin', weir.password);
  return page;
}

const api = async (page, path) => {
  const r = await page.request.get(weir.url + 'api/v1' + path);
  assert.equal(r.status(), 200, `GET ${path}: ${await r.text()}`);
  return r.json();
};

// How far the page, and each table box in it, scrolls sideways (0 when it fits).
async function sideways(page) {
  return page.evaluate(() => {
    const s = document.scrollingElement;
    const boxes = [...document.querySelectorAll('main .scroll')].map((e) => e.scrollWidth - e.clientWidth);
    return {
      page: s.scrollWidth - s.clientWidth,
      boxes: Math.max(0, ...boxes),
    };
  });
}

// The counts a DAG row's badges show: {state: n}.
async function badges(cell) {
  const items = await cell.locator('li').evaluateAll((lis) => lis.map((li) => [li.dataset.state, li.textContent.trim()]));
  const out = {};
  for (const [state, text] of items) {
    const m = text.match(/^(\d+) (.+)$/);
    assert.ok(m, `a badge without a number and a state: "${text}"`);
    assert.equal(m[2], state.replace(/_/g, ' '), 'a badge names its state in words');
    out[state] = Number(m[1]);
  }
  return out;
}

const nonZero = (counts) => Object.fromEntries(Object.entries(counts ?? {}).filter(([, n]) => n > 0));

for (const [screen, size, scheme] of SCREENS) {
  test(`DAG list: the health line and each DAG's counts (${screen}, ${scheme})`, async (t) => {
    const page = await open(size, scheme);
    const line = page.locator('[data-testid=dags-health]');
    await line.waitFor();
    // The example DAGs may be running meanwhile: the line matches the API once both settle.
    let shown;
    let text;
    let health;
    for (let i = 0; i < 20; i++) {
      health = (await api(page, '/dags?limit=1000')).health;
      [shown, text] = await line.evaluate((ul) => [
        Object.fromEntries([...ul.querySelectorAll('li')].map((li) => [li.dataset.health, Number(li.dataset.count)])),
        ul.innerText,
      ]);
      if (Object.keys(health).every((k) => shown[k] === health[k]) && Object.keys(shown).length === Object.keys(health).length) break;
      await page.waitForTimeout(1000);
    }
    assert.deepEqual(shown, health, 'the health line does not match GET /dags');
    assert.ok(health.failing >= 1, 'fail_demo failed: at least one DAG is failing');
    for (const [label, key] of [
      [health.dags === 1 ? 'DAG' : 'DAGs', 'dags'],
      ['failing', 'failing'],
      ['with import errors', 'import_errors'],
      ['paused', 'paused'],
      ['running', 'running'],
    ]) {
      assert.match(text, new RegExp(`\\b${health[key]}\\s+${label}\\b`), `the line says "${health[key]} ${label}"`);
    }

    // land_demo ran three times, each task of its newest run succeeded; fail_demo failed.
    const dags = Object.fromEntries((await api(page, '/dags?limit=1000')).dags.map((d) => [d.dag_id, d]));
    const land = page.locator('tr[data-dag=land_demo]');
    assert.deepEqual(await badges(land.locator('[data-testid=run-counts]')), {
      success: 3,
    });
    assert.deepEqual(await badges(land.locator('[data-testid=run-counts]')), nonZero(dags.land_demo.run_counts));
    assert.deepEqual(await badges(land.locator('[data-testid=task-counts]')), {
      success: 3,
    });
    const fail = page.locator('tr[data-dag=fail_demo]');
    assert.deepEqual(await badges(fail.locator('[data-testid=run-counts]')), {
      failed: 1,
    });
    assert.deepEqual(await badges(fail.locator('[data-testid=task-counts]')), {
      failed: 1,
    });
    assert.match(await fail.locator('[data-testid=run-counts]').innerText(), /1 failed/);

    assert.deepEqual(await sideways(page), { page: 0, boxes: 0 }, 'the DAG list scrolls sideways');
    await checkA11y(page, `the DAG list (${screen}, ${scheme})`);

    // Sorting still works: by the newest run's state, failed first.
    await page.click('button[data-sort=state]');
    await page.waitForFunction(() => location.hash.includes('sort=state'));
    const order = await page.locator('table.dags tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.dag));
    assert.ok(order.indexOf('fail_demo') < order.indexOf('land_demo'), `failed is not first: ${order.join(', ')}`);

    // The paused count is a link to the list of paused DAGs, when there are some.
    if (health.paused > 0) {
      await line.locator('[data-health=paused] a').click();
      await page.waitForFunction(() => location.hash.includes('paused=true'));
      await page.waitForFunction(
        (n) =>
          [...document.querySelectorAll('table.dags tbody tr')].every((r) => r.classList.contains('paused')) &&
          document.querySelectorAll('table.dags tbody tr').length === n,
        health.paused,
      );
    }
    await finish(t, page);
  });

  test(`lake: an object's page with its checksum, source, writer and versions (${screen}, ${scheme})`, async (t) => {
    const page = await open(size, scheme);
    await page.click('header a:text-is("Lake")');
    await page.click('[data-testid=datasets] a:text-is("raw/demo")');
    await page.click(`[data-testid=objects] a:text-is("${JAN}")`);
    await page.waitForFunction(() => location.hash.startsWith('#/lake/object?uri='));
    const sha = page.locator('[data-testid=sha256]');
    await sha.waitFor();
    const [current] = (await api(page, '/lake/objects?prefix=' + encodeURIComponent(JAN))).objects;
    assert.equal(current.uri, JAN);
    assert.match(current.sha256, /^[0-9a-f]{64}$/);
    assert.equal((await sha.innerText()).trim(), current.sha256);
    const facts = await page.locator('[data-testid=object-facts]').innerText();
    assert.match(facts, /Rows\s+2\b/);
    assert.match(facts, /Format\s+parquet/);
    assert.match(facts, /version 1 of raw\/demo/);
    assert.match(await page.locator('[data-testid=object-columns]').innerText(), /id\s+BIGINT\s+fare\s+DOUBLE/);
    // Two versions, newest first: noon's is current, midnight's was replaced.
    const versions = page.locator('[data-testid=versions] tbody tr');
    assert.equal(await versions.count(), 2);
    assert.match(await versions.nth(0).innerText(), new RegExp(`${JAN_NOON_RUN.replace(/[+]/g, '\\+')}[\\s\\S]*current`));
    const older = await versions.nth(1).innerText();
    assert.match(older, new RegExp(JAN_RUN.replace(/[+]/g, '\\+')));
    assert.doesNotMatch(older, /current/);
    assert.match(older, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?\s*$/, 'the replaced version says when it was replaced');
    assert.deepEqual(await sideways(page), { page: 0, boxes: 0 }, "an object's page scrolls sideways");
    await checkA11y(page, `a lake object (${screen}, ${scheme})`);

    // The task instance that wrote it, one click away; its page links back.
    const writer = page.locator('[data-testid=written-by] a');
    assert.match(await writer.innerText(), /land_demo · test__2021-01-01T12:00:00\+00:00 · put · try 1/);
    await writer.click();
    await page.locator('h1:text-is("put")').waitFor();
    assert.ok(decodeURIComponent(page.url()).includes(`/runs/${JAN_NOON_RUN}/tasks/put`), page.url());
    const wrote = page.locator('[data-testid=wrote]');
    await wrote.waitFor();
    assert.match(await wrote.innerText(), new RegExp(`Wrote:\\s*${JAN.replace(/[.]/g, '\\.')}`));
    assert.equal(await page.locator('[data-testid=lake-warning]').count(), 0, 'January has no warning');
    await wrote.locator(`a:text-is("${JAN}")`).click();
    await page.locator('[data-testid=sha256]').waitFor();
    await finish(t, page);
  });

  test(`task instance: "Wrote" links and the schema-drift warning (${screen}, ${scheme})`, async (t) => {
    const page = await open(size, scheme);
    await page.goto(weir.url + taskHref('land_demo', FEB_RUN, 'put'));
    await page.locator('h1:text-is("put")').waitFor();
    const [feb] = (await api(page, '/lake/objects?prefix=' + encodeURIComponent(FEB))).objects;
    assert.match(feb.warning, /schema drift/);
    const warning = page.locator('[data-testid=lake-warning]');
    await warning.waitFor();
    assert.equal(await warning.getAttribute('role'), 'note');
    assert.ok((await warning.innerText()).includes(feb.warning), 'the notice states the warning');
    // Warning colours, not the success green.
    const [border, success] = await page.evaluate(() => {
      const w = document.querySelector('[data-testid=lake-warning]');
      const probe = document.createElement('span');
      probe.className = 'state s-success';
      document.body.append(probe);
      const colours = [getComputedStyle(w).borderTopColor, getComputedStyle(probe).backgroundColor];
      probe.remove();
      return colours;
    });
    assert.notEqual(border, success, 'the warning is painted as a success');
    const link = page.locator(`[data-testid=wrote] a:text-is("${FEB}")`);
    await link.waitFor();
    // The tries table may scroll inside its box on a phone; the page itself does not.
    assert.equal((await sideways(page)).page, 0, 'the task page scrolls sideways');
    await checkA11y(page, `a task that wrote a lake object (${screen}, ${scheme})`);
    await link.click();
    await page.locator('[data-testid=object-warning]').filter({ hasText: feb.warning }).waitFor();
    assert.equal((await page.locator('[data-testid=sha256]').innerText()).trim(), feb.sha256);

    // A task that wrote nothing into the lake says nothing about it.
    await page.goto(weir.url + taskHref('land_demo', FEB_RUN, 'convert'));
    await page.locator('h1:text-is("convert")').waitFor();
    await page.locator('[data-testid=log]').waitFor();
    assert.equal(await page.locator('[data-testid=wrote]').count(), 0);
    await finish(t, page);
  });
}

test('audit log: a deleted DAG is found by the dag_delete action', async (t) => {
  weir.cli(['dags', 'delete', 'fail_demo', '--yes']);
  const page = await open({ width: 1280, height: 800 }, 'light');
  await page.click('header a:text-is("Audit log")');
  await page.selectOption('select[name=event]', 'dag_delete');
  await page.click('button:text-is("Filter")');
  await page.waitForFunction(() => location.hash.includes('event=dag_delete'));
  const row = page.locator('[data-testid=audit] tbody tr', { hasText: 'fail_demo' });
  await row.waitFor();
  assert.equal(await page.locator('[data-testid=audit] tbody tr').count(), 1);
  assert.match(await row.innerText(), /dag delete|dag_delete/);
  await finish(t, page);
});
