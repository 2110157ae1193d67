// The DAG list in a real browser: logging in, the examples, search, pausing, a broken DAG
// file's banner, a viewer's read-only view, a phone's screen and the keyboard.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finish, launch, login, newPage, startStandalone, startWeir, weirCli, writeDag } from './harness.mjs';

let weir;
let browser;

before(async () => {
  weir = await startStandalone();
  // A viewer, made the way an admin would (password on stdin).
  weir.cli(['users', 'create', 'vera', '--role', 'viewer', '--password-stdin'], 'vera-password-1\n');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

test('a wrong password is refused, the right one shows the example DAGs', async (t) => {
  const page = await newPage(browser);
  await page.goto(weir.url);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await page.getByRole('alert').filter({ hasText: 'username or password' }).waitFor();
  await page.fill('input[name=password]', weir.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('table.dags');
  for (const dag of ['simple_dag', 'example_params', 'yellow_taxi_ingestion', 'taxi_zone_lookup']) {
    await page.locator(`tr[data-dag="${dag}"]`).waitFor();
  }
  const row = page.locator('tr[data-dag="simple_dag"]');
  assert.match(await row.innerText(), /Every day at 00:00 \(UTC\)/);
  // The session is a cookie the page's scripts cannot read.
  assert.equal(await page.evaluate(() => document.cookie), '');
  await finish(t, page);
});

test('search and tags filter the list', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.fill('input[type=search]', 'TAXI');
  await page.waitForFunction(() => document.querySelectorAll('table.dags tbody tr').length === 3);
  const ids = await page.locator('table.dags tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.dag));
  assert.deepEqual(ids.sort(), ['green_taxi_ingestion', 'taxi_zone_lookup', 'yellow_taxi_ingestion']);
  await page.fill('input[type=search]', '');
  await page.selectOption('select[aria-label="Filter by tag"]', 'tutorial');
  await page.waitForFunction(() => document.querySelectorAll('table.dags tbody tr').length === 1);
  await page.locator('tr[data-dag="simple_dag"]').waitFor();
  await finish(t, page);
});

test('pausing a DAG from the list pauses it for the scheduler', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  const toggle = page.locator('tr[data-dag="example_catchup"] [role=switch]');
  assert.equal(await toggle.getAttribute('aria-checked'), 'true');
  await toggle.click();
  await page.waitForSelector('tr[data-dag="example_catchup"] [role=switch][aria-checked="false"]');
  const listed = JSON.parse(weir.cli(['dags', 'list', '-o', 'json']));
  assert.equal(listed.find((d) => d.dag_id === 'example_catchup').is_paused, true);
  // The "Paused" filter now shows it.
  await page.click('button:text-is("Paused")');
  await page.locator('tr[data-dag="example_catchup"]').waitFor();
  await finish(t, page);
});

test('a broken DAG file shows in the banner with its file and line, without a reload', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  assert.equal(await page.locator('[data-testid=import-errors]').count(), 0);
  writeDag(weir.dags, 'broken.yaml', 'dag_id: broken\ntasks:\n  - task_id: a\n    operator: bash\n    command: [unclosed\n');
  const banner = page.locator('[data-testid=import-errors]');
  await banner.waitFor({ timeout: 20000 });
  const text = await banner.innerText();
  assert.match(text, /1 DAG file did not load/);
  assert.match(text, /broken\.yaml:\d+/);
  // The other DAGs are still listed.
  await page.locator('tr[data-dag="simple_dag"]').waitFor();
  await finish(t, page);
});

test('a viewer reads but cannot trigger, pause or edit', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'vera', 'vera-password-1');
  assert.equal(await page.locator('tr[data-dag="simple_dag"] [role=switch]').isDisabled(), true);
  await page.click('a.dag-link:text-is("simple_dag")');
  await page.waitForSelector('[data-testid=grid], .tabs');
  assert.equal(await page.locator('[data-testid=trigger]').count(), 0);
  await page.click('header a:text-is("Admin")');
  await page.waitForSelector('[data-testid=variables]');
  assert.equal(await page.locator('button:text-is("Add a variable")').count(), 0);
  assert.equal(await page.locator('.tabs a:text-is("Users")').count(), 0);
  await finish(t, page);
});

test('on a phone the list fits the screen and the keyboard reaches a DAG', async (t) => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await login(page, weir.url, 'admin', weir.password);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone's screen`);
  // Keyboard only: focus the search box, type, tab to the DAG's link, Enter.
  await page.focus('input[type=search]');
  await page.keyboard.type('simple');
  // The address carries the whole word once the search settles (a slow machine may have
  // searched for a prefix first); then the list holds only the match.
  await page.waitForFunction(() => location.hash.includes('search=simple'));
  await page.waitForFunction(() => document.querySelectorAll('table.dags tbody tr').length === 1);
  let focused = '';
  const path = [];
  for (let i = 0; i < 12 && focused !== 'simple_dag'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    path.push(focused.slice(0, 30));
  }
  assert.equal(focused, 'simple_dag', `Tab never reached the DAG link; focus went: ${path.join(' | ')}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=grid]');
  await finish(t, page);
});

test('without a scheduler a banner says so, and it goes once one runs', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'weir-ui-'));
  weirCli(home, ['users', 'create', 'ada', '--role', 'admin', '--password-stdin'], 'ada-password-1\n');
  const web = await startWeir(home, ['webserver', '--port', '0']);
  let scheduler;
  try {
    const page = await newPage(browser);
    await login(page, web.url, 'ada', 'ada-password-1');
    const banner = page.locator('[data-testid=scheduler-down]');
    await banner.waitFor();
    assert.match(await banner.innerText(), /No scheduler has sent a heartbeat/);
    scheduler = await startWeir(home, ['scheduler']);
    await banner.waitFor({ state: 'detached', timeout: 20000 });
    await finish(t, page);
  } finally {
    await scheduler?.stop();
    await web.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
