// The Transfers page in a real browser: the form checks the job as it is typed (the server's
// message beside the field it names, Create held back while the job is wrong); a job made in
// the form copies a local folder when run from its page, whose counters, per-object report and
// download say what it did; Delete asks first. A viewer reads the list but makes nothing.
// axe passes on the form and the job page, in light and dark mode.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkA11y, finish, launch, login, newPage, startStandalone } from './harness.mjs';

// Two files under 2024/ (the include prefix) and one outside it: 14 + 12 bytes are copied.
const FILES = {
  'raw/2024/a.csv': 'id,fare\n1,2.5\n',
  'raw/2024/b.csv': 'id,fare\n2,7\n',
  'raw/other/c.csv': 'x\n',
};

let weir;
let browser;

before(async () => {
  weir = await startStandalone((home) => {
    for (const [rel, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(home, rel)), { recursive: true });
      writeFileSync(join(home, rel), text);
    }
  });
  weir.cli(['users', 'create', 'vic', '--role', 'viewer', '--password-stdin'], 'pw-vic-12345\n');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

test('a job made in the form copies a folder; its counters, report and download say what it did', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.click('header a:text-is("Transfers")');
  await page.locator('[data-testid=no-transfers]').waitFor();
  assert.match(await page.locator('[data-testid=no-transfers]').innerText(), /weir transfers create/);
  await page.click('[data-testid=create-transfer-job]');
  await page.locator('h1:text-is("Create a transfer job")').waitFor();
  assert.match(page.url(), /#\/transfers\?new=1$/);
  const create = page.locator('[data-testid=save-transfer]');
  assert.equal(await create.isDisabled(), true, 'Create is enabled on an empty form');

  // The server checks the source and sink before the conditions: those first, then a prefix
  // with a leading '/', which the Transfer Service refuses.
  await page.fill('#tf-name', 'backup_raw');
  await page.fill('#tf-source', `file://${weir.home}/raw/`);
  await page.fill('#tf-sink', `file://${weir.home}/backup/`);
  await page.fill('#tf-include_prefixes', '/2024/');
  const prefixError = page.locator('#tf-include_prefixes-error');
  await prefixError.waitFor();
  assert.match(await prefixError.innerText(), /'\/2024\/' must not start with '\/'/);
  assert.equal(await page.getAttribute('#tf-include_prefixes', 'aria-invalid'), 'true');
  assert.equal(await create.isDisabled(), true, 'Create is enabled while the job is invalid');
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await checkA11y(page, `the transfer form with an error (${scheme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // Fixed: the message goes, the schedule is previewed in words, Create is allowed.
  await page.fill('#tf-include_prefixes', '2024/');
  await prefixError.waitFor({ state: 'detached' });
  await page.locator('[data-testid=schedule-preview]', { hasText: 'only when run' }).waitFor();
  await create.click();
  await page.waitForFunction(() => location.hash === '#/transfers/backup_raw');
  await page.locator('h1:text-is("backup_raw")').waitFor();
  assert.match(await page.locator('[data-testid=transfer-spec]').innerText(), /include_prefixes\s+2024\//);

  // Run now: the run is selected in the address, and the page follows it until it ends.
  await page.click('[data-testid=run-now]');
  await page.waitForFunction(() => location.hash.includes('?run='));
  const row = page.locator('[data-testid=transfer-runs] tbody tr').first();
  await row.locator('.state.s-success').waitFor({ timeout: 60000 });
  const runId = await row.getAttribute('data-run');
  assert.match(runId, /^manual__/);
  assert.match(await row.innerText(), /2 objects, 26 B/);
  await row.locator(`a:text-is("${runId}")`).click();
  await page.waitForFunction((id) => new URLSearchParams(location.hash.split('?')[1]).get('run') === id, runId);

  // Every counter, the copied ones among them.
  const copied = page.locator('[data-testid=counters] td[data-counter=objects_copied_to_sink]');
  await copied.waitFor();
  assert.equal((await copied.innerText()).trim(), '2');
  assert.equal((await page.locator('[data-testid=counters] td[data-counter=bytes_copied_to_sink]').innerText()).trim(), '26 B');
  assert.ok((await page.locator('[data-testid=counters] td[data-counter]').count()) >= 16, 'counters are missing');

  // The report: a line per object, counted per action.
  const line = page.locator('[data-testid=report] tr[data-key="2024/a.csv"]');
  await line.waitFor();
  assert.match(await line.innerText(), /copied/);
  assert.match(await page.locator('.report-filter a[data-action=copied]').innerText(), /copied \(2\)/);
  assert.equal(await page.locator('[data-testid=report] tr[data-key="other/c.csv"]').count(), 0);

  // The whole report, as a file: a link the browser follows with the session cookie.
  const download = page.locator('[data-testid=report-download]');
  const link = await download.getAttribute('href');
  assert.match(link, /^\/api\/v1\/transfers\/backup_raw\/runs\/[^/]+\/report\.jsonl\?try_number=1$/);
  const jsonl = await page.evaluate(async (u) => (await fetch(u)).text(), link);
  const lines = jsonl.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.deepEqual(lines.map((l) => JSON.parse(l).key).sort(), ['2024/a.csv', '2024/b.csv']);
  const [saved] = await Promise.all([page.waitForEvent('download'), download.click()]);
  assert.match(saved.suggestedFilename(), /\.jsonl$/);

  // What the transfer wrote.
  assert.ok(existsSync(join(weir.home, 'backup/2024/a.csv')), 'backup/2024/a.csv was not copied');
  assert.ok(existsSync(join(weir.home, 'backup/2024/b.csv')), 'backup/2024/b.csv was not copied');
  assert.ok(!existsSync(join(weir.home, 'backup/other')), 'other/ was copied despite the include prefix');
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await checkA11y(page, `a transfer job's page (${scheme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // The list shows the job with its last run and what it copied.
  await page.click('header a:text-is("Transfers")');
  const listed = page.locator('[data-testid=transfers] tr[data-transfer=backup_raw]');
  await listed.waitFor();
  const text = await listed.innerText();
  assert.match(text, /only when run/);
  assert.match(text, /success/);
  assert.match(text, /2 objects, 26 B/);
  await listed.locator('a:text-is("backup_raw")').click();

  // Delete asks first: Cancel keeps the job, Delete removes it and goes back to the list.
  await page.click('[data-testid=delete-transfer]');
  const dialog = page.getByRole('dialog', { name: 'Delete transfer job backup_raw' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.ok(existsSync(join(weir.dags, 'transfers', 'backup_raw.job.json')), 'Cancel deleted the job');
  await page.click('[data-testid=delete-transfer]');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Delete backup_raw' }).click();
  await page.waitForFunction(() => location.hash === '#/transfers');
  await page.locator('[data-testid=no-transfers]').waitFor();
  assert.ok(!existsSync(join(weir.dags, 'transfers', 'backup_raw.job.json')), 'the job is still stored');
  await finish(t, page);
});

test('a viewer reads the Transfers page but cannot make a job', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'vic', 'pw-vic-12345');
  await page.click('header a:text-is("Transfers")');
  await page.locator('[data-testid=no-transfers]').waitFor();
  assert.equal(await page.locator('[data-testid=create-transfer-job]').count(), 0);
  assert.match(await page.locator('[data-testid=no-transfers]').innerText(), /An op or an admin makes one here/);
  await page.goto(weir.url + '#/transfers?new=1');
  await page.locator('.error', { hasText: 'Only an op or an admin' }).waitFor();
  await finish(t, page);
});
