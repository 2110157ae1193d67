// Accessibility of every kind of page (axe-core, WCAG 2 A and AA), in light and dark mode:
// the login, the DAG list, a DAG's grid, graph, runs, code and details, a task instance,
// the trigger dialog, the lake and the admin pages.
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { checkA11y, finish, launch, login, newPage, startStandalone, taskHref, writeDag } from './harness.mjs';

const LAND = readFileSync(new URL('../fixtures/dags/land_demo.yaml', import.meta.url), 'utf8');

let weir;
let browser;
let runId;

before(async () => {
  weir = await startStandalone((home) => writeDag(`${home}/dags`, 'land_demo.yaml', LAND));
  weir.cli(['dags', 'test', 'land_demo', '2021-01-01']);
  runId = 'test__2021-01-01T00:00:00+00:00';
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await weir?.stop();
});

for (const scheme of ['light', 'dark']) {
  test(`every page passes axe in ${scheme} mode`, async (t) => {
    const page = await newPage(browser);
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(weir.url);
    await page.waitForSelector('input[name=username]');
    await checkA11y(page, 'the login page');
    await login(page, weir.url, 'admin', weir.password);
    await checkA11y(page, 'the DAG list');
    const pages = [
      ['#/dags/simple_dag/grid', '[data-testid=grid]'],
      ['#/dags/simple_dag/graph', '[data-testid=graph]'],
      ['#/dags/simple_dag/runs', '[data-testid=runs]'],
      ['#/dags/simple_dag/code', '[data-testid=source]'],
      ['#/dags/simple_dag/details', 'dl.facts'],
      [taskHref('land_demo', runId, 'put'), '[data-testid=log]'],
      ['#/lake', '[data-testid=datasets]'],
      ['#/lake/raw/demo', '[data-testid=objects]'],
      ['#/admin/variables', '[data-testid=variables]'],
      ['#/admin/connections', '[data-testid=connections]'],
      ['#/admin/pools', '[data-testid=pools]'],
      ['#/admin/users', '[data-testid=users]'],
    ];
    for (const [hash, ready] of pages) {
      await page.goto(weir.url + hash);
      await page.waitForSelector(ready);
      await checkA11y(page, hash);
    }
    await page.goto(weir.url + '#/dags/simple_dag/grid');
    await page.click('[data-testid=trigger]');
    await page.waitForSelector('[data-testid=trigger-form]');
    await checkA11y(page, 'the trigger dialog');
    await finish(t, page);
  });
}
