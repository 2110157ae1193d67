// A DAG whose file breaks after it loaded, in a real browser: it stays in the DAG list with
// an "import error" badge that links to its page, whose banner shows the error and says the
// last good version runs; never "file gone" while the file exists. Axe passes on both pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkA11y, finish, launch, login, newPage, startStandalone, writeDag } from './harness.mjs';

const GOOD = `dag_id: monthly
description: Loads last month's files
schedule: "@monthly"
start_date: 2021-01-01
catchup: false
is_paused_upon_creation: true
max_active_runs: 1
tasks:
  - task_id: load
    operator: empty
`;

let weir;
let browser;

before(async () => {
  weir = await startStandalone((home) => writeDag(`${home}/dags`, 'monthly.yaml', GOOD));
  // Loaded once (version 1), then the typo.
  weir.cli(['dags', 'list']);
  writeDag(weir.dags, 'monthly.yaml', GOOD.replace('max_active_runs: 1', 'max_active_runs: two'));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

for (const scheme of ['light', 'dark']) {
  test(`a broken DAG keeps its row with a badge and its page a banner (${scheme})`, async (t) => {
    const page = await newPage(browser);
    await page.emulateMedia({ colorScheme: scheme });
    await login(page, weir.url, 'admin', weir.password);
    const row = page.locator('tr[data-dag="monthly"]');
    const badge = row.locator('[data-testid=import-error-badge]');
    await badge.waitFor({ timeout: 20000 });
    assert.equal((await badge.innerText()).trim(), 'import error');
    assert.match(await badge.getAttribute('title'), /monthly\.yaml:\d+:\d+: .*max_active_runs/);
    // Its real schedule, not "Manual only".
    assert.match(await row.innerText(), /month/i);
    assert.doesNotMatch(await row.innerText(), /Manual only/);
    // The banner over the list names the file too.
    assert.match(await page.locator('[data-testid=import-errors]').innerText(), /monthly\.yaml:\d+/);
    await checkA11y(page, 'the DAG list with a broken DAG');

    await badge.click();
    const banner = page.locator('[data-testid=dag-import-error]');
    await banner.waitFor();
    const text = await banner.innerText();
    assert.match(text, /monthly\.yaml:\d+:\d+: .*max_active_runs/);
    assert.match(text, /last good version \(version 1\)/);
    assert.equal(await page.getByRole('alert', { name: 'Import error' }).count(), 1);
    assert.equal(await page.locator('.pill:text-is("file gone")').count(), 0);
    assert.doesNotMatch(await page.locator('main').innerText(), /Manual only/);
    // The last good version can still be triggered.
    assert.equal(await page.locator('[data-testid=trigger]').isDisabled(), false);
    await checkA11y(page, "the broken DAG's page");
    await finish(t, page);
  });
}

test('on a phone the badge fits the screen', async (t) => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await login(page, weir.url, 'admin', weir.password);
  await page.locator('tr[data-dag="monthly"] [data-testid=import-error-badge]').waitFor({ timeout: 20000 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone's screen`);
  await finish(t, page);
});
