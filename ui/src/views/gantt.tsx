// Airflow's Gantt: when each task instance of one run waited in the queue (the lighter part)
// and ran (coloured by its state), on one time axis. A task that was retried shows every try;
// a task that never ran says why in its row.
import { get, seg } from '../api';
import { ErrorBox, Loading } from '../components';
import { usePoll } from '../poll';
import { href, navigate } from '../router';
import { covers, duration, fmtTime } from '../time';
import type { DagRun, TaskInstance, TaskInstanceDetail, TaskInstanceList, TaskState } from '../types';
import { niceTicks, unitFor, useBoxWidth } from './chart';
import { RunSummary } from './run_panel';

// One try of a task instance on the time axis.
interface Segment {
  task_id: string;
  try_number: number;
  state: TaskState;
  queued_at: string | null;
  start_date: string;
  end_date: string | null; // null: running
}

interface Row {
  ti: TaskInstance;
  segments: Segment[];
}

const segmentOf = (t: Omit<Segment, 'start_date'> & { start_date: string | null }): Segment[] =>
  t.start_date ? [{ ...t, start_date: t.start_date }] : [];

// The run's task instances and, for those tried more than once (few), their earlier tries.
async function loadRows(dagId: string, runId: string, signal: AbortSignal): Promise<Row[]> {
  const base = `/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances`;
  const list = await get<TaskInstanceList>(base + '?limit=1000', signal);
  const rows = await Promise.all(
    list.task_instances.map(async (ti): Promise<Row> => {
      if (ti.try_number <= 1) return { ti, segments: segmentOf(ti) };
      const detail = await get<TaskInstanceDetail>(`${base}/${seg(ti.task_id)}`, signal);
      return { ti, segments: detail.tries.flatMap((t) => segmentOf({ ...t, task_id: ti.task_id, queued_at: t.queued_at || null })) };
    }),
  );
  const first = (r: Row) => (r.segments.length ? Date.parse(r.segments[0].start_date) : Infinity);
  return rows.sort((a, b) => first(a) - first(b) || a.ti.task_id.localeCompare(b.ti.task_id));
}

const ROW = 26;
const AXIS = 28;
const MIN_PLOT = 280;

export function GanttView({ dagId, tz, runId }: { dagId: string; tz: string; runId: string }) {
  const runs = usePoll((s) => get<{ dag_runs: DagRun[] }>(`/dags/${seg(dagId)}/dagRuns?limit=50`, s), 10000, [dagId], true);
  const selected = runId || runs.data?.dag_runs[0]?.run_id || '';
  const rows = usePoll((s) => (selected ? loadRows(dagId, selected, s) : Promise.resolve(undefined)), 5000, [dagId, selected]);
  if (!runs.data) return runs.error ? <ErrorBox error={runs.error} /> : <Loading what="the runs" />;
  if (!selected) return <p class="muted">No runs yet: a run's Gantt chart shows when each of its tasks ran.</p>;
  const list = runs.data.dag_runs;
  const run = list.find((r) => r.run_id === selected);
  return (
    <>
      <label class="inline run-pick">
        Run
        <select value={selected} onChange={(e) => navigate(href(['dags', dagId, 'gantt'], { run: e.currentTarget.value }))}>
          {!run && <option value={selected}>{selected}</option>}
          {list.map((r) => (
            <option value={r.run_id}>
              {r.state}: covers {covers(r.data_interval_start, r.data_interval_end, tz)} ({r.run_type})
            </option>
          ))}
        </select>
      </label>
      {run && <RunSummary run={run} tz={tz} />}
      <ErrorBox error={rows.error} />
      {!rows.data ? <Loading what="the task instances" /> : <Chart dagId={dagId} runId={selected} rows={rows.data} tz={tz} />}
    </>
  );
}

function Chart({ dagId, runId, rows, tz }: { dagId: string; runId: string; rows: Row[]; tz: string }) {
  const [box, boxWidth] = useBoxWidth();
  const segments = rows.flatMap((r) => r.segments);
  if (!segments.length) return <p class="muted">No task of this run has started yet.</p>;
  const now = Date.now();
  const begin = (s: Segment) => Math.min(Date.parse(s.start_date), s.queued_at ? Date.parse(s.queued_at) : Infinity);
  const end = (s: Segment) => (s.end_date ? Date.parse(s.end_date) : now);
  // The axis counts from the first queue or start, in a unit that suits the run's length, up to
  // a round number past the last end.
  const lo = Math.min(...segments.map(begin));
  const span = Math.max(1, Math.max(...segments.map(end)) - lo) / 1000;
  const unit = unitFor(span);
  const ticks = niceTicks(0, span / unit.seconds, 6);
  const axisEnd = ticks[ticks.length - 1] * unit.seconds;
  const at = (t: number) => lo + t * unit.seconds * 1000;
  const labelW = Math.min(240, 16 + 7.5 * Math.max(...rows.map((r) => r.ti.task_id.length)));
  const plot = Math.max(MIN_PLOT, boxWidth - labelW - 24);
  const x = (ms: number) => labelW + ((ms - lo) / 1000 / axisEnd) * plot;
  const height = AXIS + ROW * rows.length + 4;
  const states = [...new Set(segments.map((s) => s.state))];
  return (
    <>
      <div class="chart-box" ref={box} tabIndex={0} role="region" aria-label="Gantt chart">
        <svg
          class="chart gantt"
          data-testid="gantt"
          width={labelW + plot + 24}
          height={height}
          role="group"
          aria-label={`When each task of ${runId} ran (${tz})`}
        >
          {ticks.map((t, i) => (
            <g class="tick">
              <line class="gridline" x1={x(at(t))} x2={x(at(t))} y1={AXIS - 6} y2={height} />
              <text x={x(at(t))} y={AXIS - 10} text-anchor={i === ticks.length - 1 ? 'end' : 'middle'}>
                {`${t} ${unit.name}`}
              </text>
            </g>
          ))}
          {rows.map((r, i) => (
            <g class="gantt-row" data-task={r.ti.task_id} transform={`translate(0 ${AXIS + i * ROW})`}>
              <text class="row-label" x={labelW - 8} y={ROW / 2 + 4} text-anchor="end">
                {r.ti.task_id}
              </text>
              {!r.segments.length && (
                <text class="muted-text" x={labelW + 4} y={ROW / 2 + 4}>
                  {`did not run (${r.ti.state.replace(/_/g, ' ')})`}
                </text>
              )}
              {r.segments.map((s) => (
                <Bar dagId={dagId} runId={runId} s={s} x={x} end={end(s)} tz={tz} latest={s.try_number === r.ti.try_number} />
              ))}
            </g>
          ))}
        </svg>
      </div>
      <ul class="legend small" aria-label="States" data-testid="gantt-legend">
        <li>
          <span class="cell s-queued queued-part" aria-hidden="true" />
          queued (waiting for a slot)
        </li>
        {states.map((s) => (
          <li data-state={s}>
            <span class={`cell s-${s}`} aria-hidden="true" />
            {s.replace(/_/g, ' ')}
          </li>
        ))}
      </ul>
      <p class="small muted" data-testid="gantt-start">
        The axis counts from {fmtTime(new Date(lo).toISOString(), tz)} ({tz}), when the first task was queued or started. Each bar opens its
        try; a running one grows until it ends.
      </p>
    </>
  );
}

function Bar(props: { dagId: string; runId: string; s: Segment; x: (ms: number) => number; end: number; tz: string; latest: boolean }) {
  const { s, x } = props;
  const start = Date.parse(s.start_date);
  const queued = s.queued_at && Date.parse(s.queued_at) < start ? Date.parse(s.queued_at) : null;
  const label =
    `${s.task_id}, try ${s.try_number}: ${s.state.replace(/_/g, ' ')}, started at ${fmtTime(s.start_date, props.tz)}, ` +
    `${s.end_date ? 'took' : 'running for'} ${duration(s.start_date, s.end_date)}` +
    (queued !== null ? `, queued ${duration(s.queued_at, s.start_date)} before` : '');
  return (
    <a href={href(['dags', props.dagId, 'runs', props.runId, 'tasks', s.task_id], { try: s.try_number })} aria-label={label}>
      <title>{label}</title>
      {queued !== null && (
        <rect class="queued-part s-queued" x={x(queued)} y={5} width={Math.max(1, x(start) - x(queued))} height={ROW - 10} />
      )}
      <rect
        class={`bar s-${s.state}${props.latest ? ' latest' : ''}`}
        data-task={s.task_id}
        data-try={s.try_number}
        data-state={s.state}
        x={x(start)}
        y={4}
        width={Math.max(2, x(props.end) - x(start))}
        height={ROW - 8}
        rx={2}
      />
    </a>
  );
}
