// Airflow's Calendar: a year of days, a column per week (Sunday on top, as GitHub's), each day
// coloured by its runs' states. A day with a failed run is failed, else running, else queued,
// else success. A day with runs opens the grid at that day (its runs and the ones before).
import { get, query, seg } from '../api';
import { ErrorBox, Loading } from '../components';
import { usePoll } from '../poll';
import { href, navigate } from '../router';
import type { CalendarYear, RunState } from '../types';

// Which state colours a day, strongest first; and the order a day's counts are read in.
const WINS: RunState[] = ['failed', 'running', 'queued', 'success'];
const READ: RunState[] = ['success', 'failed', 'running', 'queued'];

const CELL = 12;
const STEP = 15;
const LEFT = 30;
const TOP = 18;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS: [number, string][] = [
  [1, 'Mon'],
  [3, 'Wed'],
  [5, 'Fri'],
];

interface Day {
  date: string; // 2021-03-01
  week: number; // column
  weekday: number; // row: 0 is Sunday
  states: Partial<Record<RunState, number>>;
}

// Every day of the year, placed in its week's column (calendar days: the API has already
// counted each run on its day in the DAG's time zone).
function daysOf(cal: CalendarYear): Day[] {
  const counts = new Map(cal.days.map((d) => [d.date, d.states]));
  const jan1 = Date.UTC(cal.year, 0, 1);
  const offset = new Date(jan1).getUTCDay();
  const days: Day[] = [];
  for (let i = 0; ; i++) {
    const d = new Date(jan1 + i * 86400000);
    if (d.getUTCFullYear() !== cal.year) break;
    const date = d.toISOString().slice(0, 10);
    days.push({ date, week: Math.floor((i + offset) / 7), weekday: d.getUTCDay(), states: counts.get(date) ?? {} });
  }
  return days;
}

// "1 success, 2 failed".
function countsText(states: Partial<Record<RunState, number>>): string {
  const parts = READ.filter((s) => states[s]).map((s) => `${states[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'no runs';
}

const dayLabel = (d: Day) => `${d.date}: ${countsText(d.states)}`;

const winner = (states: Partial<Record<RunState, number>>) => WINS.find((s) => states[s]);

export function CalendarView({ dagId, year }: { dagId: string; year: string }) {
  const cal = usePoll((s) => get<CalendarYear>(`/dags/${seg(dagId)}/calendar` + query({ year }), s), 10000, [dagId, year], true);
  if (!cal.data) return cal.error ? <ErrorBox error={cal.error} /> : <Loading what="the calendar" />;
  const c = cal.data;
  const days = daysOf(c);
  const totals: Partial<Record<RunState, number>> = {};
  for (const d of c.days) for (const [s, n] of Object.entries(d.states) as [RunState, number][]) totals[s] = (totals[s] ?? 0) + n;
  const years: number[] = [];
  for (let y = Math.min(c.first_year, c.year); y <= Math.max(c.last_year, c.year); y++) years.push(y);
  const yearHref = (y: number) => href(['dags', dagId, 'calendar'], { year: y });
  return (
    <section aria-labelledby="calendar-h">
      <div class="toolbar">
        <h2 id="calendar-h" class="calendar-title">
          Runs per day in {c.year}
        </h2>
        <nav class="year-switch" aria-label="Years">
          {c.year > years[0] && (
            <a class="btn" href={yearHref(c.year - 1)} aria-label={`Previous year, ${c.year - 1}`}>
              ← {c.year - 1}
            </a>
          )}
          <label for="calendar-year">Year</label>
          <select id="calendar-year" value={String(c.year)} onChange={(e) => navigate(yearHref(Number(e.currentTarget.value)))}>
            {years.map((y) => (
              <option value={String(y)}>{y}</option>
            ))}
          </select>
          {c.year < years[years.length - 1] && (
            <a class="btn" href={yearHref(c.year + 1)} aria-label={`Next year, ${c.year + 1}`}>
              {c.year + 1} →
            </a>
          )}
        </nav>
      </div>
      <p class="small muted" data-testid="calendar-summary">
        {c.days.length ? `${countsText(totals)} on ${c.days.length} ${c.days.length === 1 ? 'day' : 'days'}` : 'No runs this year'}
        {` (days in ${c.timezone}). A day with runs opens the grid at that day.`}
      </p>
      <div class="chart-box" tabIndex={0} role="region" aria-label={`Calendar of ${c.year}`}>
        <svg
          class="chart calendar"
          data-testid="calendar"
          width={LEFT + STEP * 54}
          height={TOP + STEP * 7}
          role="group"
          aria-label={`Runs of ${dagId} per day in ${c.year}`}
        >
          {MONTHS.map((m, i) => {
            const first = days.find((d) => d.date.slice(5, 7) === String(i + 1).padStart(2, '0'))!;
            return (
              <text class="month" x={LEFT + first.week * STEP} y={TOP - 6}>
                {m}
              </text>
            );
          })}
          {WEEKDAYS.map(([row, name]) => (
            <text class="weekday" x={LEFT - 6} y={TOP + row * STEP + CELL - 2} text-anchor="end">
              {name}
            </text>
          ))}
          {days.map((d) => (
            <DayCell dagId={dagId} d={d} />
          ))}
        </svg>
      </div>
      <ul class="legend small" aria-label="Colours" data-testid="calendar-legend">
        {WINS.map((s) => (
          <li data-state={s}>
            <span class={`cell s-${s}`} aria-hidden="true" />
            {s === 'success' ? 'all succeeded' : `a run ${s}`}
          </li>
        ))}
        <li>
          <span class="cell day-empty" aria-hidden="true" />
          no runs
        </li>
      </ul>
    </section>
  );
}

function DayCell({ dagId, d }: { dagId: string; d: Day }) {
  const state = winner(d.states);
  const label = dayLabel(d);
  const rect = (
    <rect
      class={state ? `day s-${state}` : 'day day-empty'}
      data-date={d.date}
      data-state={state ?? 'none'}
      x={LEFT + d.week * STEP}
      y={TOP + d.weekday * STEP}
      width={CELL}
      height={CELL}
      rx={2}
    >
      <title>{label}</title>
    </rect>
  );
  if (!state) return rect;
  return (
    <a href={href(['dags', dagId, 'grid'], { base_date: d.date })} aria-label={label}>
      {rect}
    </a>
  );
}
