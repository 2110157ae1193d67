// Unit tests of src/views/chart.tsx (node --test ui/test): the unit an axis counts in, its
// round ticks, long durations in days, and the runs' dates under a chart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';

const out = await build({
  entryPoints: [new URL('../src/views/chart.tsx', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  write: false,
  logLevel: 'error',
});
const chart = await import('data:text/javascript,' + encodeURIComponent(out.outputFiles[0].text));

test('an axis counts in the largest unit the biggest value has two of', () => {
  assert.equal(chart.unitFor(0).name, 's');
  assert.equal(chart.unitFor(90).name, 's'); // 1.5 min reads worse than 90 s
  assert.equal(chart.unitFor(150).name, 'min');
  assert.equal(chart.unitFor(3 * 3600).name, 'h');
  assert.equal(chart.unitFor(7 * 86400).name, 'd');
});

test('ticks are round and cover the values', () => {
  assert.deepEqual(chart.niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(chart.niceTicks(0, 2168), [0, 500, 1000, 1500, 2000, 2500]);
  assert.deepEqual(chart.niceTicks(-3, 7), [-4, -2, 0, 2, 4, 6, 8]);
  // An empty range still has an axis.
  assert.deepEqual(chart.niceTicks(0, 0), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});

test('a value on an axis carries its unit', () => {
  const minutes = chart.unitFor(600);
  assert.equal(chart.fmtIn(150, minutes), '2.5 min');
  assert.equal(chart.fmtIn(600, minutes), '10 min');
});

test('a long span is told in days and hours', () => {
  assert.equal(chart.fmtSpan(90), '1 min 30 s');
  assert.equal(chart.fmtSpan(-90), '1 min 30 s');
  assert.equal(chart.fmtSpan(3 * 86400 + 5 * 3600 + 59), '3 d 5 h');
});

test("runs' dates drop the year within one year and add the time when two share a day", () => {
  const run = (logical_date) => ({ logical_date });
  assert.deepEqual(chart.runDates([run('2021-03-01T00:00:00Z'), run('2021-03-02T00:00:00Z')], 'UTC'), ['03-01', '03-02']);
  assert.deepEqual(chart.runDates([run('2020-12-31T00:00:00Z'), run('2021-01-01T00:00:00Z')], 'UTC'), ['2020-12-31', '2021-01-01']);
  assert.deepEqual(chart.runDates([run('2021-03-02T00:00:00Z'), run('2021-03-02T18:00:00Z')], 'UTC'), ['03-02 00:00', '03-02 18:00']);
});
