// Browse > DAG runs: every DAG's runs, newest first, with their notes; ops tick runs and clear
// their failed tasks or mark them (each change listed first, bulk.tsx).
import { get, patch, post, query, seg } from '../api';
import { ErrorBox, Loading, StateBadge, Table, useCanEdit } from '../components';
import { usePoll } from '../poll';
import { href } from '../router';
import { duration, fmtTime } from '../time';
import type { DagRun, TaskInstanceList } from '../types';
import { apiQuery, FilterForm, Pager, SelectAll, useSelection } from './browse';
import type { Filter } from './browse';
import { BulkButton } from './bulk';
import type { BulkPart } from './bulk';
import { NoteCell } from './note';

const FILTERS: Filter[] = ['state', 'run_type', 'dag_id', 'from', 'to'];
const RUN_STATES = ['queued', 'running', 'success', 'failed'];

const runPath = (r: DagRun) => `/dags/${seg(r.dag_id)}/dagRuns/${seg(r.run_id)}`;

// One part per run: the API clears and marks one run at a time.
function clearParts(runs: DagRun[]): BulkPart[] {
  return runs.map((r) => ({
    dagId: r.dag_id,
    preview: () => post<TaskInstanceList>(runPath(r) + '/clear', { only_failed: true, dry_run: true }),
    apply: () => post(runPath(r) + '/clear', { only_failed: true }),
  }));
}

function markParts(runs: DagRun[], state: 'success' | 'failed'): BulkPart[] {
  return runs.map((r) => ({
    dagId: r.dag_id,
    preview: () => patch<TaskInstanceList>(runPath(r), { state, dry_run: true }),
    apply: () => patch(runPath(r), { state }),
  }));
}

export function BrowseRuns({ params }: { params: URLSearchParams }) {
  const canEdit = useCanEdit();
  const runs = usePoll(
    (s) => get<{ dag_runs: DagRun[]; total_entries: number }>('/dags/~/dagRuns' + query(apiQuery(params, FILTERS)), s),
    5000,
    [params.toString()],
    true,
  );
  const sel = useSelection<DagRun>((r) => `${r.dag_id}\n${r.run_id}`);
  const rows = runs.data?.dag_runs ?? [];
  const picked = sel.items;
  const n = picked.length;
  const runsText = n ? `${n} ${n === 1 ? 'run' : 'runs'}` : 'runs';
  return (
    <>
      <FilterForm page="runs" params={params} filters={FILTERS} states={RUN_STATES} />
      {canEdit && (
        <div class="actions bulk-actions" aria-label="Changes to the ticked runs" role="group">
          <span class="small muted" data-testid="selected-count">
            {n ? `${runsText} ticked` : 'Tick runs to clear or mark them'}
          </span>
          <BulkButton
            label={`Clear failed tasks of ${runsText}`}
            testId="bulk-clear"
            result="cleared: they run again"
            parts={clearParts(picked)}
            done="Failed tasks cleared: they run again"
            onDone={sel.clear}
          />
          <BulkButton
            label={`Mark ${runsText} success`}
            testId="bulk-success"
            result="marked success (they do not run)"
            parts={markParts(picked, 'success')}
            done="Runs marked success"
            onDone={sel.clear}
            alsoRuns="The runs themselves become success."
          />
          <BulkButton
            label={`Mark ${runsText} failed`}
            testId="bulk-failed"
            kind="danger"
            result="marked failed (running ones) or skipped"
            parts={markParts(picked, 'failed')}
            done="Runs marked failed"
            onDone={sel.clear}
            alsoRuns="The runs themselves become failed."
          />
        </div>
      )}
      <ErrorBox error={runs.error} />
      {!runs.data ? (
        <Loading what="runs" />
      ) : (
        <>
          <Table
            class="cards browse"
            data-testid="browse-runs"
            head={[
              ...(canEdit ? [<SelectAll rows={rows} sel={sel} label="Tick every run on this page" />] : []),
              'DAG',
              'Run',
              'State',
              'Type',
              'Logical date (UTC)',
              'Started (UTC)',
              'Duration',
              'Note',
            ]}
          >
            {rows.map((r) => (
              <tr data-dag={r.dag_id} data-run={r.run_id} data-state={r.state} class={sel.has(r) ? 'sel' : ''}>
                {canEdit && (
                  <td data-label="Tick">
                    <input
                      type="checkbox"
                      aria-label={`Tick ${r.dag_id} ${r.run_id}`}
                      checked={sel.has(r)}
                      onChange={(e) => sel.set([r], e.currentTarget.checked)}
                    />
                  </td>
                )}
                <td data-label="DAG">
                  <a class="mono" href={href(['dags', r.dag_id, 'grid'])}>
                    {r.dag_id}
                  </a>
                </td>
                <td class="mono small wrap-any" data-label="Run">
                  <a href={href(['dags', r.dag_id, 'grid'], { run: r.run_id })}>{r.run_id}</a>
                </td>
                <td data-label="State">
                  <StateBadge state={r.state} />
                </td>
                <td class="small" data-label="Type">
                  {r.run_type}
                </td>
                <td class="small nowrap" data-label="Logical date (UTC)">
                  {fmtTime(r.logical_date, 'UTC')}
                </td>
                <td class="small nowrap" data-label="Started (UTC)">
                  {r.start_date ? fmtTime(r.start_date, 'UTC') : <span class="muted">{r.state}</span>}
                </td>
                <td class="small nowrap" data-label="Duration">
                  {duration(r.start_date, r.end_date)}
                </td>
                <td data-label="Note">
                  <NoteCell note={r.note} />
                </td>
              </tr>
            ))}
          </Table>
          <Pager page="runs" params={params} shown={rows.length} total={runs.data.total_entries} what="runs" />
        </>
      )}
    </>
  );
}
