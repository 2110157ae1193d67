// One DAG: grid, graph, Gantt, calendar, durations, landing times, runs, code and details,
// with pause and trigger.
import { useState } from 'preact/hooks';
import { get, patch, query, seg } from '../api';
import { Dialog, ErrorBox, Loading, Table, Tabs, Toggle, useCanEdit } from '../components';
import { refresh, usePoll } from '../poll';
import { href, navigate } from '../router';
import { covers, fmtTime } from '../time';
import type { DagDetail, DagRun, Grid } from '../types';
import { CalendarView } from './calendar';
import { CodeView } from './code';
import { DurationsView, LandedView } from './durations';
import { GanttView } from './gantt';
import { GraphView } from './graph';
import { GridView } from './grid';
import { GridFilterBar, gridFiltersOf, gridQuery } from './grid_filters';
import { RunPanel } from './run_panel';
import { RunsList } from './runs';
import { TriggerForm } from './trigger';

// How many of the newest runs the grid and the graph's run list show (the API allows 365).
const RUNS_SHOWN = [25, 50, 100, 365];

const TABS: [string, string][] = [
  ['grid', 'Grid'],
  ['graph', 'Graph'],
  ['gantt', 'Gantt'],
  ['calendar', 'Calendar'],
  ['durations', 'Durations'],
  ['landed', 'Landed'],
  ['runs', 'Runs'],
  ['code', 'Code'],
  ['details', 'Details'],
];

export function DagView({ dagId, tab, params }: { dagId: string; tab: string; params: URLSearchParams }) {
  const canEdit = useCanEdit();
  const [triggering, setTriggering] = useState(false);
  const dag = usePoll((s) => get<DagDetail>('/dags/' + seg(dagId), s), 10000, [dagId]);
  const live = tab === 'grid' || tab === 'graph';
  const shown = RUNS_SHOWN.includes(Number(params.get('runs'))) ? Number(params.get('runs')) : RUNS_SHOWN[0];
  // The grid's filters; it ends at base_date (a day the calendar links to) when given.
  const filters = gridFiltersOf(params);
  const baseDate = filters.base_date;
  const grid = usePoll(
    (s) =>
      live ? get<Grid>(`/dags/${seg(dagId)}/grid` + query({ limit_runs: shown, ...gridQuery(filters) }), s) : Promise.resolve(undefined),
    live ? 2000 : 0,
    [dagId, live, shown, baseDate, filters.run_type, filters.run_state],
  );
  // A run chosen by a link (the runs list, the DAG list) may be older than the grid's runs.
  const wanted = live ? (params.get('run') ?? '') : '';
  const wantedRun = usePoll(
    (s) => (wanted ? get<DagRun>(`/dags/${seg(dagId)}/dagRuns/${seg(wanted)}`, s) : Promise.resolve(undefined)),
    wanted ? 3000 : 0,
    [dagId, wanted],
  );

  if (dag.error && !dag.data) return <ErrorBox error={dag.error} />;
  if (!dag.data) return <Loading what={dagId} />;
  const d = dag.data;
  const tz = d.timezone || 'UTC';
  const g = grid.data;
  const selected = params.get('run') || g?.runs[0]?.run_id || '';
  const selectedRun = g?.runs.find((r) => r.run_id === selected) ?? (wantedRun.data?.run_id === selected ? wantedRun.data : undefined);
  const runsParam = shown === RUNS_SHOWN[0] ? undefined : shown;
  const select = (runId: string) => navigate(href(['dags', dagId, tab], { run: runId, runs: runsParam, ...filters }));
  // What each tab keeps of the address: the chosen run, how many runs, where the grid ends.
  const keep: Record<string, Record<string, string | number | undefined>> = {
    grid: { run: params.get('run') ?? undefined, runs: runsParam, ...filters },
    graph: { run: params.get('run') ?? undefined, runs: runsParam, ...filters },
    gantt: { run: params.get('run') ?? undefined },
    durations: { runs: runsParam },
    landed: { runs: runsParam },
  };
  const tabs = TABS.map(([id, label]) => ({ id, label, href: href(['dags', dagId, id], keep[id]) }));
  const runsShown = live || tab === 'durations' || tab === 'landed';

  return (
    <>
      <div class="toolbar">
        <Toggle
          on={!d.is_paused}
          label={d.is_paused ? `Unpause ${dagId}` : `Pause ${dagId}`}
          disabled={!canEdit}
          onChange={async (on) => {
            await patch('/dags/' + seg(dagId), { is_paused: !on });
            refresh();
          }}
        />
        <h1 class="mono">{dagId}</h1>
        {d.is_paused && <span class="pill">paused</span>}
        {!d.is_active && <span class="pill bad">file gone</span>}
        {d.has_import_errors && <span class="pill bad">import error</span>}
        <span class="grow" />
        {canEdit && (
          <button type="button" class="primary" data-testid="trigger" onClick={() => setTriggering(true)} disabled={!d.tasks}>
            Trigger
          </button>
        )}
      </div>
      <p class="small muted">
        {d.description && <>{d.description} · </>}
        {d.schedule_description}
        {d.next_run && (
          <>
            {' · '}next run at {fmtTime(d.next_run.runs_at, tz)}, covering{' '}
            {covers(d.next_run.data_interval_start, d.next_run.data_interval_end, tz)}
          </>
        )}
        {' · '}owner {d.owner || '—'}
        {' · '}
        <a href={href(['audit'], { dag_id: dagId })}>Audit log</a>
      </p>
      {d.import_error && (
        <section class="banner" role="alert" aria-label="Import error" data-testid="dag-import-error">
          <h2>The DAG file does not load</h2>
          <pre>{d.import_error.message}</pre>
          <p class="small">
            This page shows the last good version{d.version_number ? ` (version ${d.version_number})` : ''}, and the scheduler keeps
            creating and running this DAG's runs with it. Fix the file and weir loads the new version within seconds.
          </p>
        </section>
      )}
      {!d.tasks && (
        <ErrorBox error="This DAG's file does not load now (see the import errors on the DAG list): it cannot be triggered or cleared." />
      )}
      <Tabs tabs={tabs} current={tab} />
      <ErrorBox error={live ? grid.error : ''} />
      {runsShown && (
        <div class="toolbar runs-shown">
          {live && baseDate && (
            <span class="small" data-testid="base-date">
              Runs up to {baseDate} · <a href={href(['dags', dagId, tab], { runs: runsParam })}>show the newest</a>
            </span>
          )}
          <label class="inline">
            Runs shown
            <select
              value={String(shown)}
              onChange={(e) => navigate(href(['dags', dagId, tab], { ...keep[tab], runs: e.currentTarget.value }))}
            >
              {RUNS_SHOWN.map((n) => (
                <option value={String(n)}>{n}</option>
              ))}
            </select>
          </label>
          {live && <GridFilterBar dagId={dagId} tab={tab} keep={{ runs: runsParam }} filters={filters} />}
        </div>
      )}
      {tab === 'grid' &&
        (g ? (
          <div class="split">
            <div>
              {g.total_tasks > g.tasks.length && (
                <p class="muted">
                  The first {g.tasks.length} of {g.total_tasks} tasks.
                </p>
              )}
              <GridView grid={g} tz={tz} selected={selected} onSelect={select} />
            </div>
            {selectedRun && <RunPanel run={selectedRun} tz={tz} />}
          </div>
        ) : (
          <Loading what="the grid" />
        ))}
      {tab === 'graph' &&
        (g ? (
          <>
            {g.runs.length > 0 && (
              <label class="inline run-pick">
                Run
                <select value={selected} onChange={(e) => select(e.currentTarget.value)}>
                  {g.runs.map((r) => (
                    <option value={r.run_id}>
                      {r.state}: covers {covers(r.data_interval_start, r.data_interval_end, tz)} ({r.run_type})
                    </option>
                  ))}
                </select>
              </label>
            )}
            <GraphView dagId={dagId} tasks={d.tasks ?? []} runId={selected} cells={g.cells[selected] ?? {}} />
            {selectedRun && <RunPanel run={selectedRun} tz={tz} />}
          </>
        ) : (
          <Loading what="the graph" />
        ))}
      {tab === 'gantt' && <GanttView dagId={dagId} tz={tz} runId={params.get('run') ?? ''} />}
      {tab === 'calendar' && <CalendarView dagId={dagId} year={params.get('year') ?? ''} />}
      {tab === 'durations' && <DurationsView dagId={dagId} tz={tz} runs={shown} />}
      {tab === 'landed' && <LandedView dagId={dagId} tz={tz} runs={shown} />}
      {tab === 'runs' && <RunsList dagId={dagId} tz={tz} offset={Number(params.get('offset')) || 0} state={params.get('state') ?? ''} />}
      {tab === 'code' && <CodeView dagId={dagId} versionId={params.get('version_id') ?? ''} latest={d.version_number ?? 0} />}
      {tab === 'details' && <Details dag={d} />}
      <Dialog title={`Trigger ${dagId}`} open={triggering} onClose={() => setTriggering(false)}>
        <TriggerForm dag={d} onDone={() => setTriggering(false)} />
      </Dialog>
    </>
  );
}

function Details({ dag }: { dag: DagDetail }) {
  const tz = dag.timezone || 'UTC';
  return (
    <>
      <dl class="facts">
        <dt>Schedule</dt>
        <dd>
          <code>{dag.schedule || 'none'}</code> ({dag.schedule_description})
        </dd>
        <dt>Time zone</dt>
        <dd>{tz}</dd>
        <dt>Start date</dt>
        <dd>{fmtTime(dag.start_date, tz) || '—'}</dd>
        <dt>End date</dt>
        <dd>{fmtTime(dag.end_date, tz) || '—'}</dd>
        <dt>Catchup</dt>
        <dd>{String(dag.catchup ?? '')}</dd>
        <dt>Max active runs</dt>
        <dd>{dag.max_active_runs}</dd>
        <dt>File</dt>
        <dd class="mono">{dag.fileloc}</dd>
        <dt>Version</dt>
        <dd>{dag.version_number}</dd>
        <dt>Tags</dt>
        <dd>{dag.tags.join(', ') || '—'}</dd>
      </dl>
      {dag.doc_md && <pre class="doc">{dag.doc_md}</pre>}
      <h2>Tasks</h2>
      <Table head={['Task', 'Operator', 'Upstream', 'Trigger rule', 'Retries', 'Pool']}>
        {(dag.tasks ?? []).map((t) => (
          <tr>
            <td class="mono">{t.task_id}</td>
            <td>{t.operator}</td>
            <td class="mono small">{t.upstream.join(', ')}</td>
            <td>{t.trigger_rule}</td>
            <td>{t.retries}</td>
            <td>{t.pool}</td>
          </tr>
        ))}
      </Table>
    </>
  );
}
