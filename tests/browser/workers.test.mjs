// The Workers page (Flower's role) against a real cluster on this machine: a throwaway Redis,
// `weir standalone` with `executor: redis` and two `weir worker`s. Both are listed with their
// queues; a triggered run's attempts show under the workers running them (the gpu one only
// under the worker that takes gpu), each a link to its task instance; a worker killed with
// SIGKILL turns gone once its heartbeat is older than worker_claim_ttl. With the local
// executor the page says there are no workers. Laptop in light mode, phone in dark mode, axe.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkA11y, finish, launch, login, newPage, SHOTS, startStandalone, WEIR, writeDag } from './harness.mjs';

const REDIS = fileURLToPath(new URL('../fixtures/redis.py', import.meta.url));

// Two tasks side by side, one on each queue. They sleep a little longer than the page's
// 3-second refresh, so that it shows them running.
const CLUSTER_DAG = `dag_id: cluster_demo
schedule: null
start_date: 2021-01-01
tasks:
  - task_id: nap
    operator: bash
    command: sleep 5
  - task_id: train
    operator: bash
    queue: gpu
    command: sleep 5
`;
const RUN = 'manual_workers';

let redis;
let weir;
let browser;
const workers = [];

// A child that prints `pattern` once ready: resolves with its output so far.
function started(proc, pattern, what) {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${out}`)), 30000);
    const on = (d) => {
      out += d;
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    };
    proc.stdout.on('data', on);
    proc.stderr.on('data', (d) => (out += d));
    proc.on('exit', (code) => reject(new Error(`${what} exited (${code}):\n${out}`)));
  });
}

// `weir worker <args>` in its own process group (its attempts' shims too), once ready.
async function startWorker(args) {
  const proc = spawn(WEIR, ['worker', ...args], {
    env: { ...process.env, WEIR_HOME: weir.home },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const w = { proc, id: '' };
  workers.push(w);
  const out = await started(proc, /^ready in/m, `weir worker ${args.join(' ')}`);
  w.id = out.match(/^weir worker (\S+)/m)?.[1];
  assert.ok(w.id, 'weir worker printed its id:\n' + out);
  return w;
}

const exited = (proc) => new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.on('exit', r)));

before(async () => {
  redis = spawn('/usr/bin/python3', [REDIS], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = (await started(redis, /^URL \S+$/m, 'redis.py')).match(/^URL (\S+)$/m)[1];
  // weir.yaml before the first start: standalone keeps it (and adds no example DAGs).
  weir = await startStandalone((home) => {
    writeFileSync(join(home, 'weir.yaml'), `executor: redis\nredis_url: ${url}\nworker_claim_ttl: 2s\n`);
    writeDag(join(home, 'dags'), 'cluster_demo.yaml', CLUSTER_DAG);
  });
  // Workers after the scheduler: it makes the secret key they open attempts with.
  await startWorker(['--queues', 'default,gpu', '--concurrency', '3']);
  await startWorker([]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const w of workers) {
    try {
      process.kill(-w.proc.pid, 'SIGKILL');
    } catch {}
    await exited(w.proc);
  }
  await weir?.stop();
  if (redis) {
    redis.kill('SIGTERM');
    await exited(redis);
  }
});

async function openWorkers(size, scheme) {
  const page = await newPage(browser, { viewport: size });
  await page.emulateMedia({ colorScheme: scheme });
  await login(page, weir.url, 'admin', weir.password);
  await page.click('header nav >> text=Workers');
  await page.locator('h1', { hasText: 'Workers' }).waitFor();
  return page;
}

const row = (page, w) => page.locator(`table[data-testid=workers] tr[data-worker="${w.id}"]`);

async function waitForTaskState(task, state) {
  const deadline = Date.now() + 60000;
  while (weir.cli(['tasks', 'state', 'cluster_demo', task, RUN]).trim() !== state) {
    assert.ok(Date.now() < deadline, `${task} never became ${state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('workers: both listed with their queues, running attempts, a killed worker turns gone (desktop, light)', async (t) => {
  const [gpu, plain] = workers;
  const page = await openWorkers({ width: 1280, height: 800 }, 'light');
  assert.equal(await page.locator('header nav a.active').innerText(), 'Workers');
  assert.match(await page.locator('[data-testid=executor]').innerText(), /Executor: redis/);
  assert.equal(await page.locator('[data-testid=local-executor]').count(), 0);

  // The scheduler of this standalone, alive.
  const sched = page.locator('table[data-testid=schedulers] tbody tr');
  assert.equal(await sched.count(), 1);
  assert.equal(await sched.locator('[data-testid=state]').innerText(), 'alive');
  assert.match(await sched.locator('td[data-label="Last heartbeat"]').innerText(), /^(just now|[\d.]+ s ago)$/);

  for (const [w, queues, concurrency] of [
    [gpu, ['default', 'gpu'], 3],
    [plain, ['default'], 8],
  ]) {
    const r = row(page, w);
    await r.waitFor();
    assert.equal(await r.getAttribute('data-state'), 'running');
    assert.equal(await r.locator('[data-testid=state]').innerText(), 'running');
    assert.deepEqual(await r.locator('[data-testid=queues] .chip').allInnerTexts(), queues);
    assert.equal(await r.locator('[data-testid=running]').innerText(), `0 / ${concurrency}`);
    assert.match(await r.locator('td[data-label=Host]').innerText(), new RegExp(`pid ${w.id.split(':')[1]}`));
    assert.match(await r.locator('td[data-label="Last heartbeat"]').innerText(), /^(just now|[\d.]+ s ago)$/);
    assert.match(await r.locator('td[data-label=Uptime]').innerText(), /^[\d.]+ (s|min)/);
  }

  // A run: train (queue gpu) can only run on the gpu worker; nap on either.
  weir.cli(['dags', 'unpause', 'cluster_demo']);
  weir.cli(['dags', 'trigger', 'cluster_demo', '--run-id', RUN]);
  const train = row(page, gpu).locator('[data-testid=attempt] a', { hasText: `cluster_demo/${RUN}/train#1` });
  await train.waitFor({ timeout: 15000 });
  assert.equal(await train.getAttribute('href'), `#/dags/cluster_demo/runs/${RUN}/tasks/train?try=1`);
  assert.match(await row(page, gpu).locator('[data-testid=running] > span').innerText(), /^[12] \/ 3$/);
  await page.locator('[data-testid=attempt] a', { hasText: `cluster_demo/${RUN}/nap#1` }).waitFor({ timeout: 15000 });
  await page.locator('table[data-testid=queues] tr[data-queue=gpu]').waitFor();
  await page.locator('table[data-testid=queues] tr[data-queue=default]').waitFor();
  await checkA11y(page, 'the Workers page with running attempts');
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'workers_running_attempts_desktop_light.png'), fullPage: true });

  // An attempt's link opens its task instance (followed by address: it may have ended by now).
  await page.goto(weir.url + `#/dags/cluster_demo/runs/${RUN}/tasks/train?try=1`);
  await page.locator('h1', { hasText: 'train' }).waitFor();
  await page.goBack();
  await page.locator('h1', { hasText: 'Workers' }).waitFor();

  // Both tasks end; the attempts leave the list.
  await waitForTaskState('train', 'success');
  await waitForTaskState('nap', 'success');
  await page.locator('[data-testid=attempt]').first().waitFor({ state: 'detached', timeout: 10000 });

  // kill -9 of a worker: gone once its heartbeat is older than worker_claim_ttl (2 s), shown
  // at the next refresh.
  const killedAt = Date.now();
  process.kill(plain.proc.pid, 'SIGKILL');
  await page.locator(`table[data-testid=workers] tr[data-worker="${plain.id}"][data-state=gone]`).waitFor({ timeout: 10000 });
  assert.ok(Date.now() - killedAt < 10000);
  assert.equal(await row(page, plain).locator('[data-testid=state]').innerText(), 'gone');
  assert.equal(await row(page, gpu).getAttribute('data-state'), 'running');
  await checkA11y(page, 'the Workers page with a gone worker');
  await finish(t, page);
});

test('workers on a phone: cards, no sideways scrolling (phone, dark)', async (t) => {
  const page = await openWorkers({ width: 390, height: 844 }, 'dark');
  await row(page, workers[0]).waitFor();
  await row(page, workers[1]).waitFor();
  assert.equal(await row(page, workers[1]).getAttribute('data-state'), 'gone');
  const sideways = await page.evaluate(() => {
    const boxes = [...document.querySelectorAll('main .scroll')].map((e) => e.scrollWidth - e.clientWidth);
    return { page: document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth, boxes: Math.max(0, ...boxes) };
  });
  assert.deepEqual(sideways, { page: 0, boxes: 0 }, 'the page scrolls sideways on a phone');
  await checkA11y(page, 'the Workers page on a phone in dark mode');
  await finish(t, page);
});

test('workers with the local executor: attempts run inside the scheduler (desktop, light)', async (t) => {
  const local = await startStandalone();
  try {
    const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    await login(page, local.url, 'admin', local.password);
    await page.goto(local.url + '#/workers');
    const note = page.locator('[data-testid=local-executor]');
    await note.waitFor();
    assert.match(await note.innerText(), /Attempts run inside the scheduler/);
    assert.match(await note.innerText(), /executor: redis/);
    assert.match(await page.locator('[data-testid=executor]').innerText(), /Executor: local/);
    assert.equal(await page.locator('table[data-testid=schedulers] tbody tr').count(), 1);
    assert.equal(await page.locator('table[data-testid=workers], table[data-testid=queues]').count(), 0);
    await checkA11y(page, 'the Workers page with the local executor');
    await finish(t, page);
  } finally {
    await local.stop();
  }
});
