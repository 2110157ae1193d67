// Unit tests of src/time.ts (node --test ui/test): times in a DAG's time zone, across DST,
// "covers [start, end)", durations and sizes. esbuild compiles the module on the fly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';

const out = await build({
  entryPoints: [new URL('../src/time.ts', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  write: false,
  logLevel: 'error',
});
const time = await import('data:text/javascript,' + encodeURIComponent(out.outputFiles[0].text));

test('a time is shown in the given zone, across a DST change', () => {
  // Europe/Berlin moved from +01:00 to +02:00 at 2021-03-28 01:00 UTC.
  assert.equal(time.fmtTime('2021-03-28T00:30:00Z', 'Europe/Berlin'), '2021-03-28 01:30');
  assert.equal(time.fmtTime('2021-03-28T01:30:00Z', 'Europe/Berlin'), '2021-03-28 03:30');
  assert.equal(time.fmtTime('2021-11-07T06:30:00Z', 'America/New_York'), '2021-11-07 01:30');
  assert.equal(time.fmtTime('2021-01-01T00:00:00Z', 'UTC'), '2021-01-01 00:00');
});

test('seconds show only when they are not zero', () => {
  assert.equal(time.fmtTime('2021-01-01T12:34:56Z', 'UTC'), '2021-01-01 12:34:56');
  assert.equal(time.fmtTime('2021-01-01T12:34:00.500Z', 'UTC'), '2021-01-01 12:34');
});

test('a run covers [start, end) in its zone', () => {
  assert.equal(time.covers('2021-01-01T05:00:00Z', '2021-01-02T05:00:00Z', 'America/New_York'), '[2021-01-01 00:00, 2021-01-02 00:00)');
});

test('missing or unreadable times and unknown zones do not throw', () => {
  assert.equal(time.fmtTime(null, 'UTC'), '');
  assert.equal(time.fmtTime('', 'UTC'), '');
  assert.equal(time.fmtTime('not a time', 'UTC'), 'not a time');
  assert.match(time.fmtTime('2021-01-01T00:00:00Z', 'Mars/Olympus_Mons'), /^2021-01-0[12] \d\d:\d\d$/);
});

test('durations and sizes read naturally', () => {
  assert.equal(time.fmtDuration(0.0123), '12 ms');
  assert.equal(time.fmtDuration(3.04), '3.0 s');
  assert.equal(time.fmtDuration(42), '42 s');
  assert.equal(time.fmtDuration(125), '2 min 5 s');
  assert.equal(time.fmtDuration(2 * 3600 + 5 * 60), '2 h 5 min');
  assert.equal(time.duration('2021-01-01T00:00:00Z', '2021-01-01T00:00:03Z'), '3.0 s');
  assert.equal(time.duration(null, null), '');
  assert.equal(time.fmtBytes(512), '512 B');
  assert.equal(time.fmtBytes(1536), '1.5 KiB');
  assert.equal(time.fmtBytes(129 * 1024 * 1024), '129 MiB');
});
