// Airflow's main view: runs as columns (oldest on the left), tasks as rows, a state per cell;
// each column is labelled with its run's date and type, and a legend explains the colours.
import { href } from '../router';
import { covers, duration, fmtTime } from '../time';
import type { DagRun, Grid } from '../types';
import { GridLegend, RunTypeMark, runTypeOf } from './grid_legend';

// A column's date: "12-01", or "2020-12-01" when the runs shown span more than one year (a
// month and day alone would put December 2020 beside January 2021 without saying so).
function dateLabels(runs: DagRun[], tz: string): Map<string, string> {
  const dates = new Map(runs.map((r) => [r.run_id, fmtTime(r.data_interval_start, tz).slice(0, 10)]));
  const years = new Set([...dates.values()].map((d) => d.slice(0, 4)));
  if (years.size <= 1) for (const [id, d] of dates) dates.set(id, d.slice(5));
  return dates;
}

export function GridView({
  grid,
  tz,
  selected,
  onSelect,
}: {
  grid: Grid;
  tz: string;
  selected: string;
  onSelect: (runId: string) => void;
}) {
  const runs = grid.runs.slice().reverse();
  // As in Airflow, a run's bar is as tall as the run was long, relative to the longest shown.
  const seconds = (r: DagRun) =>
    r.start_date ? ((r.end_date ? Date.parse(r.end_date) : Date.now()) - Date.parse(r.start_date)) / 1000 : 0;
  const longest = Math.max(1e-3, ...runs.map(seconds));
  const barHeight = (r: DagRun) => Math.round(8 + 40 * (seconds(r) / longest));
  const anyMarked = runs.some((r) => Object.values(grid.cells[r.run_id] ?? {}).some((c) => c.marked));
  if (!runs.length) return <p class="muted">No runs yet. Trigger one, or unpause the DAG to let its schedule create them.</p>;
  const dates = dateLabels(runs, tz);
  const withYear = [...dates.values()].some((d) => d.length > 5);
  return (
    <>
      <div class="scroll">
        <table class={'grid' + (withYear ? ' with-year' : '')} data-testid="grid">
          <thead>
            <tr>
              <th scope="col" class="task-col">
                Task
              </th>
              {runs.map((r) => (
                <th scope="col" class={r.run_id === selected ? 'sel' : ''}>
                  <div class="bar-slot">
                    <button
                      type="button"
                      class={`run-bar s-${r.state}`}
                      style={{ height: `${barHeight(r)}px` }}
                      data-run={r.run_id}
                      aria-pressed={r.run_id === selected}
                      aria-label={`Run ${r.run_id}, ${runTypeOf(r.run_type).name}, ${r.state}, covers ${covers(r.data_interval_start, r.data_interval_end, tz)}`}
                      title={`${r.run_id}\n${runTypeOf(r.run_type).name}, ${r.state}\ncovers ${covers(r.data_interval_start, r.data_interval_end, tz)}\n${duration(r.start_date, r.end_date) || 'not started'}`}
                      onClick={() => onSelect(r.run_id)}
                    />
                  </div>
                  <RunTypeMark runType={r.run_type} />
                  <span class="run-date">{dates.get(r.run_id)}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {grid.tasks.map((task) => (
              <tr>
                <th scope="row" class="task-col mono">
                  {task}
                </th>
                {runs.map((r) => {
                  const cell = grid.cells[r.run_id]?.[task];
                  const state = cell?.state ?? 'none';
                  const mark = cell?.marked ? `, marked by ${cell.marked.by || 'someone'} (did not come from a run)` : '';
                  const label = `${task} in ${r.run_id}: ${state.replace(/_/g, ' ')}${cell && cell.try_number > 1 ? `, try ${cell.try_number}` : ''}${mark}`;
                  return (
                    <td class={r.run_id === selected ? 'sel' : ''}>
                      <a
                        class={`cell s-${state}${cell?.marked ? ' marked' : ''}`}
                        data-task={task}
                        data-run={r.run_id}
                        data-state={state}
                        data-marked={cell?.marked ? 'true' : undefined}
                        href={href(['dags', grid.dag_id, 'runs', r.run_id, 'tasks', task])}
                        title={label}
                        aria-label={label}
                      />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <GridLegend anyMarked={anyMarked} />
    </>
  );
}
