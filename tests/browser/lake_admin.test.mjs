// The lake and admin pages in a real browser: datasets, partitions, the run that wrote each
// object, schema history with the added column; variables (a secret stays hidden), pools
// and users.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { finish, launch, login, newPage, startStandalone, writeDag } from './harness.mjs';

// Two months of a small CSV landed as Parquet; February's file has one more column.
const LAND = readFileSync(new URL('../fixtures/dags/land_demo.yaml', import.meta.url), 'utf8');

let weir;
let browser;

before(async () => {
  weir = await startStandalone((home) => {
    writeDag(`${home}/dags`, 'land_demo.yaml', LAND);
  });
  weir.cli(['dags', 'test', 'land_demo', '2021-01-01']);
  weir.cli(['dags', 'test', 'land_demo', '2021-02-01']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

test('the lake shows datasets, partitions, lineage and the schema history', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.click('header a:text-is("Lake")');
  await page.click('[data-testid=datasets] a:text-is("raw/demo")');
  const objects = page.locator('[data-testid=objects] tbody tr');
  await objects.nth(1).waitFor();
  assert.equal(await objects.count(), 2);
  assert.match(await objects.first().innerText(), /land_demo · put · test__2021-0[12]/);
  // A partition chip narrows the objects.
  await page.click('.chips a:text-is("year=2021/month=02")');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=objects] tbody tr').length === 1);
  assert.match(await objects.first().innerText(), /year=2021\/month=02/);
  // Version 2 added the column tip.
  const v2 = page.locator('[data-testid=schema-v2]');
  assert.match(await v2.locator('tr.added').innerText(), /tip/);
  // The current schema is the union of both months' columns.
  assert.match(await page.locator('[data-testid=current-schema]').innerText(), /id\s+BIGINT\s+fare\s+DOUBLE\s+tip\s+DOUBLE/);
  // The object's writer links to the task instance (the object's URI to its own page).
  await objects.first().locator('td[data-label="Written by"] a').click();
  await page.locator('h1:text-is("put")').waitFor();
  await finish(t, page);
});

test('admin: a secret variable never shows, pools and users are managed', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.click('header a:text-is("Admin")');
  await page.click('button:text-is("Add a variable")');
  await page.fill('#var-key', 'api_key');
  await page.fill('#var-value', 'very-secret-value-42');
  await page.check('input[name=is_secret]');
  // The page's live refresh re-renders the list (and the dialog) while the user types:
  // what was typed stays.
  const refreshed = page.waitForResponse((r) => r.url().includes('/api/v1/variables'));
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await refreshed;
  await page.waitForTimeout(100);
  assert.equal(await page.inputValue('#var-value'), 'very-secret-value-42');
  assert.equal(await page.isChecked('input[name=is_secret]'), true);
  await page.click('dialog[open] button[type=submit]');
  const row = page.locator('[data-testid=variables] tr', { hasText: 'api_key' });
  await row.waitFor();
  assert.match(await row.innerText(), /secret \*\*\*/);
  assert.ok(!(await page.content()).includes('very-secret-value-42'), 'the secret is in the page');
  assert.match(weir.cli(['variables', 'get', 'api_key']), /very-secret-value-42/);

  await page.click('.tabs a:text-is("Pools")');
  await page.click('button:text-is("Add a pool")');
  await page.fill('#pool-name', 'warehouse');
  await page.fill('#pool-slots', '2');
  await page.click('dialog[open] button[type=submit]');
  await page.locator('[data-testid=pools] tr', { hasText: 'warehouse' }).waitFor();

  await page.click('.tabs a:text-is("Users")');
  await page.click('button:text-is("Add a user")');
  await page.fill('#user-name', 'otto');
  await page.selectOption('#user-role', 'op');
  await page.fill('#user-password', 'short');
  await page.click('dialog[open] button[type=submit]');
  // The browser's own check (8 characters) stops it; then a good password goes through.
  assert.equal(await page.locator('[data-testid=users] tr', { hasText: 'otto' }).count(), 0);
  await page.fill('#user-password', 'otto-password-1');
  await page.click('dialog[open] button[type=submit]');
  await page.locator('[data-testid=users] tr', { hasText: 'otto' }).waitFor();
  const users = weir.cli(['users', 'list']);
  assert.match(users, /otto\s+op/);
  await finish(t, page);
});

test('admin: the google form reaches BigQuery and Cloud Storage servers of its own', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.click('header a:text-is("Admin")');
  await page.click('.tabs a:text-is("Connections")');
  await page.click('button:text-is("Add a connection")');
  await page.fill('#conn-id', 'gcp_test');
  await page.selectOption('#conn-type', 'google_cloud_platform');
  await page.fill('#conn-extra-project', 'weir-test');
  await page.fill('#conn-extra-endpoint_url', 'http://127.0.0.1:9/');
  await page.fill('#conn-extra-bigquery_endpoint_url', 'http://127.0.0.1:9/');
  await page.click('dialog[open] button[type=submit]');
  await page.locator('[data-testid=connections] tr', { hasText: 'gcp_test' }).waitFor();
  const stored = JSON.parse(weir.cli(['connections', 'get', 'gcp_test']));
  assert.equal(stored.extra.project, 'weir-test');
  assert.equal(stored.extra.endpoint_url, 'http://127.0.0.1:9/');
  assert.equal(stored.extra.bigquery_endpoint_url, 'http://127.0.0.1:9/');
  await finish(t, page);
});

test('admin: a connection from the aws form, its secrets never shown, kept on edit', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.click('header a:text-is("Admin")');
  await page.click('.tabs a:text-is("Connections")');
  await page.click('button:text-is("Add a connection")');
  await page.fill('#conn-id', 'lake_s3');
  await page.selectOption('#conn-type', 'aws');
  await page.fill('#conn-login', 'AKIAEXAMPLE');
  await page.fill('#conn-password', 'Zx9-secret-access-key');
  await page.fill('#conn-extra-region_name', 'eu-west-1');
  await page.fill('#conn-extra-aws_session_token', 'Zx9-session-token');
  await page.click('dialog[open] button[type=submit]');
  const row = page.locator('[data-testid=connections] tr', { hasText: 'lake_s3' });
  await row.waitFor();
  assert.match(await row.innerText(), /aws\s+AKIAEXAMPLE\s+password \*\*\*/);
  assert.ok(!(await page.content()).includes('Zx9'), 'a secret is in the page');

  // Editing another field, with the secret fields left empty, keeps the secrets.
  await row.locator('button:text-is("Edit")').click();
  assert.equal(await page.inputValue('#conn-password'), '');
  assert.equal(await page.inputValue('#conn-extra-region_name'), 'eu-west-1');
  await page.fill('#conn-extra-region_name', 'us-east-1');
  await page.click('dialog[open] button[type=submit]');
  await page
    .locator('dialog[open]')
    .waitFor({ state: 'detached' })
    .catch(() => {});
  await page.waitForFunction(() => !document.querySelector('dialog[open]'));
  const stored = JSON.parse(weir.cli(['connections', 'get', 'lake_s3', '--show-secrets']));
  assert.equal(stored.password, 'Zx9-secret-access-key');
  assert.equal(stored.extra.aws_session_token, 'Zx9-session-token');
  assert.equal(stored.extra.region_name, 'us-east-1');
  assert.ok(!(await page.content()).includes('Zx9'), 'a secret is in the page');

  // The Test button runs the type's check on the server: an http connection to weir itself.
  weir.cli(['connections', 'add', 'self', '--conn-type', 'http', '--host', weir.url]);
  const self = page.locator('[data-testid=connections] tr', { hasText: 'self' });
  await self.waitFor();
  await self.locator('button:text-is("Test")').click();
  await page.locator('text=/self: works: HTTP 200/').waitFor();
  await finish(t, page);
});
