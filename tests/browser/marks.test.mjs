// Clear and mark ask first: a dialog lists the task instances the change will touch (the
// API's dry run), with upstream/downstream/past/future boxes, and nothing changes before
// Confirm. A mark does not cascade by default, and a state set by hand says so on the task's
// page and in the grid. Mark failed on a running task warns that it will kill it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkA11y, finish, launch, login, newPage, startStandalone, taskHref, writeDag } from './harness.mjs';

// A failed to_parquet leaves upload and external_table upstream_failed.
const PIPELINE = `dag_id: lake_load
schedule: null
start_date: 2021-01-01
tasks:
  - task_id: to_parquet
    operator: bash
    command: exit 1
  - task_id: upload
    operator: empty
    depends_on: [to_parquet]
  - task_id: external_table
    operator: empty
    depends_on: [upload]
`;

const SLEEPY = `dag_id: sleepy
schedule: null
start_date: 2021-01-01
tasks:
  - task_id: nap
    operator: bash
    command: sleep 120
`;

let weir;
let browser;

before(async () => {
  weir = await startStandalone((home) => {
    writeDag(`${home}/dags`, 'lake_load.yaml', PIPELINE);
    writeDag(`${home}/dags`, 'sleepy.yaml', SLEEPY);
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

const trigger = (dag) => {
  const run = JSON.parse(weir.cli(['dags', 'trigger', dag, '-o', 'json']));
  return run.run_id ?? run[0]?.run_id;
};
const stateOf = (dag, task, run) => JSON.parse(weir.cli(['tasks', 'state', dag, task, run, '-o', 'json']));
const listed = async (dialog) => dialog.locator('[data-testid=change-list] li').evaluateAll((lis) => lis.map((li) => li.dataset.task));

test('Mark success asks first, lists only that task, and the grid and page say it was marked', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  const runId = trigger('lake_load');
  await page.goto(weir.url + taskHref('lake_load', runId, 'to_parquet'));
  await page.locator('main > .toolbar .state.s-failed').waitFor({ timeout: 60000 });
  assert.equal(await page.locator('text=with downstream').count(), 0, 'the old "with downstream" box is still there');

  // The dialog opens with focus inside; the preview lists to_parquet alone (downstream unticked).
  const button = page.locator('[data-testid=mark-success]');
  await button.click();
  const dialog = page.getByRole('dialog', { name: 'Mark success' });
  await dialog.waitFor();
  assert.equal(await dialog.getAttribute('aria-modal'), 'true');
  assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'focus did not move into the dialog');
  const downstream = dialog.getByRole('checkbox', { name: /Downstream/ });
  assert.equal(await downstream.isChecked(), false, 'downstream is ticked by default for a mark');
  await dialog.locator('[data-testid=change-list] li').first().waitFor();
  assert.deepEqual(await listed(dialog), ['to_parquet']);
  // Ticking downstream asks again: the list grows; unticking shrinks it back.
  await downstream.check();
  await dialog.locator('[data-testid=change-list] li[data-task=external_table]').waitFor();
  assert.deepEqual(await listed(dialog), ['to_parquet', 'upload', 'external_table']);
  await downstream.uncheck();
  await dialog.locator('[data-testid=change-list] li[data-task=external_table]').waitFor({ state: 'detached' });
  // The old list goes at once; the new one comes with the answer to the new preview.
  await dialog.locator('[data-testid=change-list] li[data-task=to_parquet]').waitFor();
  assert.deepEqual(await listed(dialog), ['to_parquet']);
  await checkA11y(page, 'the mark dialog');

  // Cancel changes nothing and gives focus back to the button; so does Escape.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.ok(await button.evaluate((b) => b === document.activeElement), 'focus did not return to Mark success');
  assert.equal(stateOf('lake_load', 'to_parquet', runId).state, 'failed');
  await button.click();
  await dialog.locator('[data-testid=change-list] li').first().waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(stateOf('lake_load', 'to_parquet', runId).state, 'failed');

  // Confirm marks to_parquet only.
  await button.click();
  await dialog.locator('[data-testid=change-list] li').first().waitFor();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('main > .toolbar .state.s-success').waitFor({ timeout: 30000 });
  const note = await page.locator('[data-testid=marked-note]').innerText();
  assert.match(note, /^Marked success by admin at \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? \(was failed\); its last try was try 1\.$/);
  assert.equal(stateOf('lake_load', 'to_parquet', runId).marked.by, 'admin');
  assert.equal(stateOf('lake_load', 'upload', runId).state, 'upstream_failed');
  assert.equal(stateOf('lake_load', 'external_table', runId).state, 'upstream_failed');

  // The grid marks the cell, says so to a screen reader and in a tooltip, with a legend.
  await page.goto(weir.url + '#/dags/lake_load/grid');
  const cell = page.locator(`[data-testid=grid] a.cell[data-run="${runId}"][data-task="to_parquet"]`);
  await cell.and(page.locator('[data-marked=true]')).waitFor();
  assert.match(await cell.getAttribute('aria-label'), /success, marked by admin/);
  assert.equal(await cell.getAttribute('title'), await cell.getAttribute('aria-label'));
  const upload = page.locator(`[data-testid=grid] a.cell[data-run="${runId}"][data-task="upload"]`);
  assert.equal(await upload.getAttribute('data-marked'), null);
  assert.match(await page.locator('[data-testid=grid-legend]').innerText(), /a person set this state/);
  await finish(t, page);
});

test('Mark failed on a running task warns that it kills the try, and only Confirm does', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  const runId = trigger('sleepy');
  await page.goto(weir.url + taskHref('sleepy', runId, 'nap'));
  await page.locator('main > .toolbar .state.s-running').waitFor({ timeout: 60000 });
  await page.click('[data-testid=mark-failed]');
  const dialog = page.getByRole('dialog', { name: 'Mark failed' });
  const warning = dialog.locator('[data-testid=change-kills]');
  await warning.waitFor();
  assert.match(await warning.innerText(), /Kills a running try: nap is running or queued now/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(stateOf('sleepy', 'nap', runId).state, 'running');

  await page.click('[data-testid=mark-failed]');
  await warning.waitFor();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await page.locator('main > .toolbar .state.s-failed').waitFor({ timeout: 30000 });
  assert.match(await page.locator('[data-testid=marked-note]').innerText(), /^Marked failed by admin at .* \(was running\)/);
  await finish(t, page);
});

test('Clear all tasks of a run lists them first and changes nothing on Cancel', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  const runId = trigger('lake_load');
  await page.goto(weir.url + `#/dags/lake_load/grid?run=${encodeURIComponent(runId)}`);
  await page
    .locator(`[data-testid=grid] a.cell[data-run="${runId}"][data-task="to_parquet"][data-state="failed"]`)
    .waitFor({ timeout: 60000 });
  await page.getByRole('button', { name: 'Clear failed tasks' }).click();
  const dialog = page.getByRole('dialog', { name: 'Clear failed tasks' });
  await dialog.locator('[data-testid=change-list] li').first().waitFor();
  assert.deepEqual(await listed(dialog), ['to_parquet', 'upload', 'external_table']);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(stateOf('lake_load', 'to_parquet', runId).state, 'failed');
  await finish(t, page);
});
