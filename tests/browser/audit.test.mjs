// The audit log page in a real browser: a DAG's page links to its events, a change made in
// the UI shows up with who, where and what, the filters narrow the list; a viewer on a phone
// sees the DAG events without sideways scrolling, and none about users; axe passes in light
// and dark mode.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkA11y, finish, launch, login, newPage, startStandalone, writeDag } from './harness.mjs';

const DAG = `dag_id: audited
tasks:
  - task_id: extract
    operator: empty
`;

let weir;
let browser;

before(async () => {
  weir = await startStandalone((home) => writeDag(`${home}/dags`, 'audited.yaml', DAG));
  weir.cli(['users', 'create', 'vic', '--role', 'viewer', '--password-stdin'], 'pw-vic-12345\n');
  weir.cli(['dags', 'pause', 'audited']);
  weir.cli(['variables', 'set', 'region', 'eu-west-1']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

const rows = (page) => page.locator('[data-testid=audit] tbody tr');

test('a change made in the UI is in the audit log, and the filters narrow it', async (t) => {
  const page = await newPage(browser);
  await login(page, weir.url, 'admin', weir.password);
  await page.goto(weir.url + '#/dags/audited/grid');
  await page.click('[role=switch][aria-label="Unpause audited"]');
  await page.locator('[role=switch][aria-label="Pause audited"]').waitFor();

  // The DAG page links to its events: the CLI's pause, then the UI's unpause.
  await page.click('a:text-is("Audit log") >> nth=-1');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit] tbody tr').length === 2);
  assert.match(page.url(), /#\/audit\?dag_id=audited$/);
  const newest = await rows(page).first().innerText();
  assert.match(newest, /admin/);
  assert.match(newest, /web UI\s+127\.0\.0\.1/);
  assert.match(newest, /unpause/);
  assert.match(newest, /was paused\s+true/);
  assert.match(await rows(page).nth(1).innerText(), /command line[\s\S]*pause/);
  await page.locator('[data-testid=audit] a:text-is("audited") >> nth=0').waitFor();

  // Every event, then only the admin's, then only variable changes (the CLI's).
  await page.click('a:text-is("Show all")');
  await page.waitForFunction(() => !location.hash.includes('dag_id'));
  await page.locator('[data-testid=audit] tr', { hasText: 'variable region' }).waitFor();
  await page.fill('input[name=owner]', 'admin');
  await page.click('button:text-is("Filter")');
  await page.waitForFunction(() => location.hash.includes('owner=admin'));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit] tbody tr').length === 1);
  assert.match(await rows(page).first().innerText(), /unpause/);
  await page.fill('input[name=owner]', '');
  await page.selectOption('select[name=event]', 'variable_set');
  await page.click('button:text-is("Filter")');
  await page.waitForFunction(() => location.hash.includes('event=variable_set'));
  // The harness's taxi_base_url and this test's region, both set with the CLI.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit] tbody tr').length === 2);
  assert.match(await rows(page).nth(1).innerText(), /variable taxi_base_url/);
  const variable = await rows(page).first().innerText();
  assert.match(variable, /variable region/);
  assert.match(variable, /value changed\s+true/);
  assert.doesNotMatch(variable, /eu-west-1/);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await checkA11y(page, `the audit log (${scheme})`);
  }
  await finish(t, page);
});

test('a viewer on a phone reads the DAG events but none about users', async (t) => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await login(page, weir.url, 'vic', 'pw-vic-12345');
  await page.click('header a:text-is("Audit log")');
  await page.locator('[data-testid=audit] tr', { hasText: 'variable region' }).waitFor();
  const text = await page.locator('[data-testid=audit]').innerText();
  assert.match(text, /pause/);
  assert.doesNotMatch(text, /user_create/);
  assert.match(await page.locator('main').innerText(), /shown to admins only/);
  assert.equal(
    await page.locator('select[name=event] option[value=user_create]').count(),
    0,
    'a viewer is offered account actions to filter by',
  );
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `the page scrolls sideways by ${wide}px on a phone`);
  await checkA11y(page, 'the audit log on a phone');
  await finish(t, page);
});
