// What a run and a task wait for, in a real browser against the real scheduler: a run held
// back by max_active_runs shows "Waiting for: max_active_runs ..." in the run panel and on its
// task's page, naming the run that holds it, and the box goes away by itself once it starts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHOTS, checkA11y, finish, launch, login, newPage, startStandalone, taskHref, writeDag } from './harness.mjs';

// `hold` runs until the test creates `release`: the first run stays active without a timing.
const waitsDag = (release) => `dag_id: waits
max_active_runs: 1
tasks:
  - task_id: hold
    operator: bash
    command: while [ ! -e ${release} ]; do sleep 0.1; done
`;

let weir;
let browser;
let release;

before(async () => {
  weir = await startStandalone((home) => {
    release = join(home, 'release');
    writeDag(`${home}/dags`, 'waits.yaml', waitsDag(release));
  });
  browser = await launch();
});

after(async () => {
  if (release) writeFileSync(release, '');
  await browser?.close();
  await weir?.stop();
});

// Polls the CLI until `weir tasks state` says `state` (the scheduler acts on its own time).
async function waitForTaskState(dag, task, run, state) {
  const deadline = Date.now() + 60000;
  for (;;) {
    if (weir.cli(['tasks', 'state', dag, task, run]).trim() === state) return;
    assert.ok(Date.now() < deadline, `${task} of ${run} never became ${state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a queued run says in its panel and on its task page what it waits for, live', async (t) => {
  weir.cli(['dags', 'unpause', 'waits']);
  weir.cli(['dags', 'trigger', 'waits', '--run-id', 'first']);
  await waitForTaskState('waits', 'hold', 'first', 'running');
  weir.cli(['dags', 'trigger', 'waits', '--run-id', 'second']);

  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.goto(weir.url + '#/dags/waits/grid?run=second');
  const panel = page.locator('section.panel[aria-label="Run second"]');
  const waiting = panel.locator('[data-testid=waiting-for]');
  await waiting.waitFor();
  assert.equal(await waiting.getAttribute('data-status'), 'waiting');
  const text = await waiting.innerText();
  assert.match(text, /^Waiting for:/);
  assert.match(text, /max_active_runs: 1 of 1 runs of DAG 'waits' are running \(first\)/);
  assert.match(await panel.locator('[data-testid=run-summary]').innerText(), /queued at \d{4}-/);
  await checkA11y(page, 'the run panel of a waiting run');
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'waits_run_panel_of_a_waiting_run.png'), fullPage: true });

  // The task page of the waiting task says the same, with Airflow's dependency names.
  await page.goto(weir.url + taskHref('waits', 'second', 'hold'));
  const taskWaits = page.locator('[data-testid=waiting-for]');
  await taskWaits.filter({ hasText: 'Max Active Runs:' }).waitFor();
  assert.match(await taskWaits.innerText(), /Dagrun Running State: its run second has not started \(queued\)/);
  await page.screenshot({ path: join(SHOTS, 'waits_task_page_of_a_waiting_task.png'), fullPage: true });

  // Released, the first run ends and the second starts: the box goes away without a reload.
  await page.goto(weir.url + '#/dags/waits/grid?run=second');
  await waiting.waitFor();
  writeFileSync(release, '');
  await waiting.waitFor({ state: 'detached', timeout: 60000 });
  await panel.locator('[data-testid=run-summary] .state.s-success').waitFor({ timeout: 60000 });
  await finish(t, page);
});
