// What the Durations, Landed and Gantt charts share: a unit for a span of seconds, round
// ticks for an axis, and a chart of one value per run (lines per series, or bars).
import type { ComponentChildren, RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { fmtDuration, fmtTime } from '../time';
import type { DagRun } from '../types';

export interface Unit {
  name: string; // "min"
  long: string; // "minutes"
  seconds: number;
}

const UNITS: Unit[] = [
  { name: 's', long: 'seconds', seconds: 1 },
  { name: 'min', long: 'minutes', seconds: 60 },
  { name: 'h', long: 'hours', seconds: 3600 },
  { name: 'd', long: 'days', seconds: 86400 },
];

// The largest unit the biggest value is at least two of: 90 s stays seconds (1.5 min reads
// worse), 150 s is 2.5 min, a week is 7 d.
export function unitFor(maxAbsSeconds: number): Unit {
  let unit = UNITS[0];
  for (const u of UNITS) if (maxAbsSeconds >= 2 * u.seconds) unit = u;
  return unit;
}

// About `count` round ticks (1, 2 or 5 times a power of ten) covering [lo, hi].
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

// A value on an axis in its unit: "2.5 min", "40 s".
export function fmtIn(seconds: number, unit: Unit): string {
  const v = seconds / unit.seconds;
  return `${Number(v.toPrecision(Math.abs(v) < 10 ? 2 : 3))} ${unit.name}`;
}

// A duration for people: fmtDuration's up to two days, then days and hours (a run of 2021
// that landed in 2026 landed "1800 d 3 h" after its interval, not "43203 h 10 min").
export function fmtSpan(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 2 * 86400) return fmtDuration(s);
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

// A run's date on the x axis: "03-01", or "2021-03-01" when the runs span years (as the grid);
// with the time of day when two runs share a day.
export function runDates(runs: DagRun[], tz: string): string[] {
  const times = runs.map((r) => fmtTime(r.logical_date, tz).slice(0, 16));
  const oneYear = new Set(times.map((t) => t.slice(0, 4))).size <= 1;
  const days = times.map((t) => t.slice(0, 10));
  const length = new Set(days).size < days.length ? 16 : 10;
  return times.map((t) => t.slice(oneYear ? 5 : 0, length));
}

// The width of a chart's box, followed as the window changes: a chart fills its box and
// scrolls inside it only when it needs more room than the box has.
export function useBoxWidth(): [RefObject<HTMLDivElement>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(360);
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    const observer = new ResizeObserver(([e]) => setWidth(Math.floor(e.contentRect.width)));
    observer.observe(box);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export interface Series {
  name: string;
  values: (number | null)[]; // seconds, one per run; null: nothing to show
  label: (i: number) => string; // a point's tooltip
}

const PLOT_HEIGHT = 180;
const TOP = 12;
const LEFT = 64;
const MIN_STEP = 16; // pixels per run, at least: room for a date written upwards
const CHAR = 6.5; // about the width of a character of an axis label

// One value per run, oldest on the left: a line (with a point per value) per series, or a bar
// per run. An image to screen readers (`summary` says what it shows); the table beside it has
// the numbers. Wider than the screen, it scrolls inside its box.
export function RunChart(props: {
  id: string;
  title: string;
  summary: string;
  yTitle: string;
  dates: string[];
  runIds: string[];
  series: Series[];
  bars?: boolean;
  testId: string;
}) {
  const all = props.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const unit = unitFor(Math.max(0, ...all.map(Math.abs)));
  const ticks = niceTicks(Math.min(0, ...all) / unit.seconds, Math.max(0, ...all) / unit.seconds || 1);
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  const [box, boxWidth] = useBoxWidth();
  const n = props.dates.length;
  const width = Math.max(LEFT + MIN_STEP * n + 16, boxWidth);
  const step = (width - LEFT - 16) / n;
  // The dates are written upwards under the axis: as much room as the longest needs.
  const bottom = 16 + CHAR * Math.max(0, ...props.dates.map((d) => d.length));
  const height = TOP + PLOT_HEIGHT + bottom;
  const y = (seconds: number) => TOP + PLOT_HEIGHT * (1 - (seconds / unit.seconds - lo) / (hi - lo));
  const x = (i: number) => LEFT + step / 2 + i * step;
  return (
    <div class="chart-box" ref={box} tabIndex={0} role="group" aria-label={`Chart: ${props.title}`}>
      <svg
        class="chart"
        data-testid={props.testId}
        width={width}
        height={height}
        role="img"
        aria-labelledby={`${props.id}-t ${props.id}-d`}
      >
        <title id={`${props.id}-t`}>{props.title}</title>
        <desc id={`${props.id}-d`}>{props.summary}</desc>
        {ticks.map((t) => (
          <g class="tick">
            <line class="gridline" x1={LEFT} x2={width - 8} y1={y(t * unit.seconds)} y2={y(t * unit.seconds)} />
            <text x={LEFT - 6} y={y(t * unit.seconds) + 4} text-anchor="end">
              {`${t} ${unit.name}`}
            </text>
          </g>
        ))}
        <text class="axis-title" transform={`translate(12 ${TOP + PLOT_HEIGHT / 2}) rotate(-90)`} text-anchor="middle">
          {`${props.yTitle} (${unit.long})`}
        </text>
        {props.dates.map((d, i) => (
          <text class="x-label" transform={`translate(${x(i) + 4} ${TOP + PLOT_HEIGHT + 8}) rotate(-90)`} text-anchor="end">
            {d}
          </text>
        ))}
        {props.series.map((s, k) =>
          props.bars ? (
            <Bars series={s} k={k} x={x} y={y} zero={y(0)} runIds={props.runIds} barWidth={Math.min(40, step * 0.6)} />
          ) : (
            <Line series={s} k={k} x={x} y={y} runIds={props.runIds} />
          ),
        )}
      </svg>
    </div>
  );
}

type Place = { series: Series; k: number; x: (i: number) => number; y: (s: number) => number; runIds: string[] };

// A series' colour class: eight colours, then the same eight dashed.
export const seriesClass = (k: number) => `series-${k % 8}${Math.floor(k / 8) % 2 ? ' dashed' : ''}`;

function Line({ series, k, x, y, runIds }: Place) {
  // A gap (a run the task did not run in) breaks the line.
  let d = '';
  let pen = false;
  series.values.forEach((v, i) => {
    if (v === null) return void (pen = false);
    d += `${pen ? 'L' : 'M'}${x(i)} ${y(v)} `;
    pen = true;
  });
  return (
    <g class={seriesClass(k)} data-series={series.name}>
      <path class="line" d={d} />
      {series.values.map((v, i) =>
        v === null ? null : (
          <circle class="point" cx={x(i)} cy={y(v)} r={3.5} data-run={runIds[i]}>
            <title>{series.label(i)}</title>
          </circle>
        ),
      )}
    </g>
  );
}

function Bars({ series, k, x, y, zero, runIds, barWidth }: Place & { zero: number; barWidth: number }) {
  return (
    <g class={seriesClass(k)} data-series={series.name}>
      {series.values.map((v, i) =>
        v === null ? null : (
          <rect
            class="bar"
            x={x(i) - barWidth / 2}
            width={barWidth}
            y={Math.min(y(v), zero)}
            height={Math.max(1, Math.abs(zero - y(v)))}
            data-run={runIds[i]}
          >
            <title>{series.label(i)}</title>
          </rect>
        ),
      )}
    </g>
  );
}

// The series' names beside their colours.
export function SeriesLegend({ names, label }: { names: string[]; label: string }) {
  return (
    <ul class="legend chart-legend small" aria-label={label} data-testid="chart-legend">
      {names.map((n, k) => (
        <li data-series={n}>
          <svg class={seriesClass(k)} width="22" height="10" aria-hidden="true">
            <line class="line" x1="1" y1="5" x2="21" y2="5" />
          </svg>
          <span class="mono">{n}</span>
        </li>
      ))}
    </ul>
  );
}

// The table beside a chart, folded away: the numbers for those who want them, and for screen
// readers, which read a table better than a picture.
export function ChartTable({ summary, children }: { summary: string; children: ComponentChildren }) {
  return (
    <details class="chart-table">
      <summary>{summary}</summary>
      {children}
    </details>
  );
}
