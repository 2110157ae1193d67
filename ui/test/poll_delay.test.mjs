// Unit tests of src/poll_delay.ts: live views ask a slow server less often.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';

const out = await build({
  entryPoints: [new URL('../src/poll_delay.ts', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  write: false,
  logLevel: 'error',
});
const poll = await import('data:text/javascript,' + encodeURIComponent(out.outputFiles[0].text));

test('a quick answer keeps the interval', () => {
  assert.equal(poll.nextPollDelay(2000, 30, false), 2000);
});

test('a slow answer stretches the wait to five times its time, at most a minute', () => {
  assert.equal(poll.nextPollDelay(2000, 1500, false), 7500);
  assert.equal(poll.nextPollDelay(2000, 15000, false), 60000);
});

test('a hidden page waits five times longer', () => {
  assert.equal(poll.nextPollDelay(2000, 30, true), 10000);
  assert.equal(poll.nextPollDelay(2000, 1500, true), 37500);
});
