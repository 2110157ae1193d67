// Airflow's Task Duration and Landing Times: how long each task took in each of the newest
// runs, and how late each run's data landed (its last task's end minus the end of the interval
// it covers). Both come from the grid's cells, which carry each task instance's start and end.
import { get, seg } from '../api';
import { ErrorBox, Loading, Table } from '../components';
import { usePoll } from '../poll';
import { href } from '../router';
import { covers, fmtDuration, fmtTime } from '../time';
import type { DagRun, Grid, GridCell } from '../types';
import { ChartTable, fmtSpan, RunChart, runDates, SeriesLegend } from './chart';

function seconds(cell: GridCell | undefined): number | null {
  if (!cell?.start_date || !cell.end_date) return null; // not run, or still running
  return (Date.parse(cell.end_date) - Date.parse(cell.start_date)) / 1000;
}

// When the run's data landed, from the end of its interval: null until the run has finished.
function landed(grid: Grid, run: DagRun): { at: string; seconds: number } | null {
  if (run.state !== 'success' && run.state !== 'failed') return null;
  const ends = Object.values(grid.cells[run.run_id] ?? {})
    .map((c) => c.end_date)
    .filter((e): e is string => !!e);
  if (!ends.length) return null;
  const at = ends.reduce((a, b) => (Date.parse(a) > Date.parse(b) ? a : b));
  return { at, seconds: (Date.parse(at) - Date.parse(run.data_interval_end)) / 1000 };
}

const signed = (s: number) => `${fmtSpan(s)} ${s < 0 ? 'before' : 'after'}`;

// The grid of the newest `runs` runs, refreshed every 10 seconds, oldest run first.
function useRuns(dagId: string, runs: number) {
  const grid = usePoll((s) => get<Grid>(`/dags/${seg(dagId)}/grid?limit_runs=${runs}`, s), 10000, [dagId, runs], true);
  return { grid, oldestFirst: grid.data ? grid.data.runs.slice().reverse() : [] };
}

function RunLink({ dagId, runId }: { dagId: string; runId: string }) {
  return (
    <a class="mono small wrap-any" href={href(['dags', dagId, 'grid'], { run: runId })}>
      {runId}
    </a>
  );
}

export function DurationsView({ dagId, tz, runs }: { dagId: string; tz: string; runs: number }) {
  const { grid, oldestFirst } = useRuns(dagId, runs);
  if (!grid.data) return grid.error ? <ErrorBox error={grid.error} /> : <Loading what="the durations" />;
  const g = grid.data;
  if (!oldestFirst.length) return <p class="muted">No runs yet: each run's task durations show here once it has run.</p>;
  const dates = runDates(oldestFirst, tz);
  const series = g.tasks.map((task) => {
    const values = oldestFirst.map((r) => seconds(g.cells[r.run_id]?.[task]));
    return {
      name: task,
      values,
      label: (i: number) => `${task} in ${oldestFirst[i].run_id}: ${fmtDuration(values[i] ?? 0)}`,
    };
  });
  const longest = series
    .flatMap((s) => s.values.map((v, i) => ({ v: v ?? -1, task: s.name, run: oldestFirst[i].run_id })))
    .reduce((a, b) => (b.v > a.v ? b : a), { v: -1, task: '', run: '' });
  const summary =
    `How long each of ${g.tasks.length} tasks took in the ${oldestFirst.length} newest runs, ${dates[0]} to ${dates[dates.length - 1]}` +
    (longest.v >= 0 ? `; the longest: ${longest.task}, ${fmtDuration(longest.v)} in ${longest.run}.` : '.');
  return (
    <section aria-labelledby="durations-h">
      <h2 id="durations-h">Task durations</h2>
      <p class="small muted">{summary} A gap: the task did not run, or is still running.</p>
      <RunChart
        id="durations"
        testId="durations-chart"
        title="Task durations per run"
        summary={summary}
        yTitle="Duration"
        dates={dates}
        runIds={oldestFirst.map((r) => r.run_id)}
        series={series}
      />
      <SeriesLegend names={g.tasks} label="Tasks" />
      <ChartTable summary="The durations as a table">
        <Table data-testid="durations-table" head={['Run', ...g.tasks]}>
          {oldestFirst
            .slice()
            .reverse()
            .map((r) => (
              <tr data-run={r.run_id}>
                <td>
                  <RunLink dagId={dagId} runId={r.run_id} />
                </td>
                {g.tasks.map((task) => {
                  const s = seconds(g.cells[r.run_id]?.[task]);
                  return <td class="small nowrap">{s === null ? <span class="muted">—</span> : fmtDuration(s)}</td>;
                })}
              </tr>
            ))}
        </Table>
      </ChartTable>
    </section>
  );
}

export function LandedView({ dagId, tz, runs }: { dagId: string; tz: string; runs: number }) {
  const { grid, oldestFirst } = useRuns(dagId, runs);
  if (!grid.data) return grid.error ? <ErrorBox error={grid.error} /> : <Loading what="the landing times" />;
  const g = grid.data;
  if (!oldestFirst.length) return <p class="muted">No runs yet: each run's landing time shows here once it has finished.</p>;
  const dates = runDates(oldestFirst, tz);
  const times = oldestFirst.map((r) => landed(g, r));
  const done = times.filter((t) => t !== null).length;
  const latest = times.reduce<number | null>((a, t) => (t && (a === null || t.seconds > a) ? t.seconds : a), null);
  const summary =
    `When the data of ${done} of the ${oldestFirst.length} newest runs landed, from the end of the interval each covers, ${dates[0]} to ${dates[dates.length - 1]}` +
    (latest !== null ? `; the latest landed ${signed(latest)} its interval's end.` : '.');
  return (
    <section aria-labelledby="landed-h">
      <h2 id="landed-h">Landing times</h2>
      <p class="small muted">{summary} A run lands when its last task ends; runs still under way have no bar.</p>
      <RunChart
        id="landed"
        testId="landed-chart"
        title="Landing time per run"
        summary={summary}
        yTitle="Landing delay"
        dates={dates}
        runIds={oldestFirst.map((r) => r.run_id)}
        series={[
          {
            name: 'landed',
            values: times.map((t) => (t ? t.seconds : null)),
            label: (i) => `${oldestFirst[i].run_id}: landed ${signed(times[i]?.seconds ?? 0)} the interval's end`,
          },
        ]}
        bars
      />
      <ChartTable summary="The landing times as a table">
        <Table data-testid="landed-table" head={['Run', `Covers (${tz})`, 'Last task ended', 'Landed']}>
          {oldestFirst
            .map((r, i) => ({ r, t: times[i] }))
            .reverse()
            .map(({ r, t }) => (
              <tr data-run={r.run_id}>
                <td>
                  <RunLink dagId={dagId} runId={r.run_id} />
                </td>
                <td class="small">{covers(r.data_interval_start, r.data_interval_end, tz)}</td>
                <td class="small">{t ? fmtTime(t.at, tz) : <span class="muted">{r.state}</span>}</td>
                <td class="small nowrap">{t ? `${signed(t.seconds)} the end` : '—'}</td>
              </tr>
            ))}
        </Table>
      </ChartTable>
    </section>
  );
}
