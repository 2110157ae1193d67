// Browse > Task instances: every DAG's task instances, newest run first, with their notes;
// ops tick some and clear or mark exactly those (no upstream, downstream, past or future),
// each change listed first (bulk.tsx).
import { get, post, query, seg } from '../api';
import { ErrorBox, Loading, StateBadge, Table, useCanEdit } from '../components';
import { usePoll } from '../poll';
import { href } from '../router';
import { duration, fmtTime } from '../time';
import type { BrowsedTaskInstance, TaskInstanceList } from '../types';
import { apiQuery, FilterForm, groupBy, Pager, SelectAll, useSelection } from './browse';
import type { Filter } from './browse';
import { BulkButton } from './bulk';
import type { BulkPart } from './bulk';
import { NoteCell } from './note';

const FILTERS: Filter[] = ['state', 'run_type', 'dag_id', 'task_id', 'from', 'to'];
const TASK_STATES = [
  'none',
  'scheduled',
  'queued',
  'running',
  'success',
  'failed',
  'up_for_retry',
  'upstream_failed',
  'skipped',
  'removed',
];

// Exactly the ticked task instances: Airflow's bodies with every widening option off.
const ONLY_THESE = { include_upstream: false, include_downstream: false, include_past: false, include_future: false };

type Ti = BrowsedTaskInstance;

// One clearTaskInstances call per run (the API takes one run and a list of its tasks).
function clearParts(tis: Ti[]): BulkPart[] {
  return groupBy(tis, (t) => `${t.dag_id}\n${t.run_id}`).map((group) => {
    const { dag_id, run_id } = group[0];
    const body = { dag_run_id: run_id, task_ids: group.map((t) => t.task_id), only_failed: false, ...ONLY_THESE };
    const path = `/dags/${seg(dag_id)}/clearTaskInstances`;
    return {
      dagId: dag_id,
      preview: () => post<TaskInstanceList>(path, { ...body, dry_run: true }),
      apply: () => post(path, { ...body, dry_run: false }),
    };
  });
}

// One updateTaskInstancesState call per task instance (the API marks one task at a time).
function markParts(tis: Ti[], state: 'success' | 'failed'): BulkPart[] {
  return tis.map((t) => {
    const body = { dag_run_id: t.run_id, task_id: t.task_id, new_state: state, ...ONLY_THESE };
    const path = `/dags/${seg(t.dag_id)}/updateTaskInstancesState`;
    return {
      dagId: t.dag_id,
      preview: () => post<TaskInstanceList>(path, { ...body, dry_run: true }),
      apply: () => post(path, { ...body, dry_run: false }),
    };
  });
}

export function BrowseTasks({ params }: { params: URLSearchParams }) {
  const canEdit = useCanEdit();
  const tis = usePoll(
    (s) => get<{ task_instances: Ti[]; total_entries: number }>('/dags/~/dagRuns/~/taskInstances' + query(apiQuery(params, FILTERS)), s),
    5000,
    [params.toString()],
    true,
  );
  const sel = useSelection<Ti>((t) => `${t.dag_id}\n${t.run_id}\n${t.task_id}`);
  const rows = tis.data?.task_instances ?? [];
  const picked = sel.items;
  const n = picked.length;
  const what = n ? `${n} task ${n === 1 ? 'instance' : 'instances'}` : 'task instances';
  return (
    <>
      <FilterForm page="tasks" params={params} filters={FILTERS} states={TASK_STATES} />
      {canEdit && (
        <div class="actions bulk-actions" aria-label="Changes to the ticked task instances" role="group">
          <span class="small muted" data-testid="selected-count">
            {n ? `${what} ticked` : 'Tick task instances to clear or mark them'}
          </span>
          <BulkButton
            label={`Clear ${what}`}
            testId="bulk-clear"
            result="cleared: they run again"
            parts={clearParts(picked)}
            done="Cleared: the task instances run again"
            onDone={sel.clear}
          />
          <BulkButton
            label={`Mark ${what} success`}
            testId="bulk-success"
            result="marked success (they do not run)"
            parts={markParts(picked, 'success')}
            done="Marked success"
            onDone={sel.clear}
          />
          <BulkButton
            label={`Mark ${what} failed`}
            testId="bulk-failed"
            kind="danger"
            result="marked failed"
            parts={markParts(picked, 'failed')}
            done="Marked failed"
            onDone={sel.clear}
          />
        </div>
      )}
      <ErrorBox error={tis.error} />
      {!tis.data ? (
        <Loading what="task instances" />
      ) : (
        <>
          <Table
            class="cards browse"
            data-testid="browse-tasks"
            head={[
              ...(canEdit ? [<SelectAll rows={rows} sel={sel} label="Tick every task instance on this page" />] : []),
              'DAG',
              'Run',
              'Task',
              'State',
              'Try',
              'Logical date (UTC)',
              'Started (UTC)',
              'Duration',
              'Note',
            ]}
          >
            {rows.map((t) => (
              <tr data-dag={t.dag_id} data-run={t.run_id} data-task={t.task_id} data-state={t.state} class={sel.has(t) ? 'sel' : ''}>
                {canEdit && (
                  <td data-label="Tick">
                    <input
                      type="checkbox"
                      aria-label={`Tick ${t.dag_id} ${t.task_id} in ${t.run_id}`}
                      checked={sel.has(t)}
                      onChange={(e) => sel.set([t], e.currentTarget.checked)}
                    />
                  </td>
                )}
                <td data-label="DAG">
                  <a class="mono" href={href(['dags', t.dag_id, 'grid'])}>
                    {t.dag_id}
                  </a>
                </td>
                <td class="mono small wrap-any" data-label="Run">
                  <a href={href(['dags', t.dag_id, 'grid'], { run: t.run_id })}>{t.run_id}</a>
                </td>
                <td class="mono" data-label="Task">
                  <a href={href(['dags', t.dag_id, 'runs', t.run_id, 'tasks', t.task_id])}>{t.task_id}</a>
                </td>
                <td data-label="State">
                  <StateBadge state={t.state} />
                </td>
                <td class="small" data-label="Try">
                  {t.try_number}
                </td>
                <td class="small nowrap" data-label="Logical date (UTC)">
                  {fmtTime(t.logical_date, 'UTC')}
                </td>
                <td class="small nowrap" data-label="Started (UTC)">
                  {fmtTime(t.start_date, 'UTC')}
                </td>
                <td class="small nowrap" data-label="Duration">
                  {duration(t.start_date, t.end_date)}
                </td>
                <td data-label="Note">
                  <NoteCell note={t.note} />
                </td>
              </tr>
            ))}
          </Table>
          <Pager page="tasks" params={params} shown={rows.length} total={tis.data.total_entries} what="task instances" />
        </>
      )}
    </>
  );
}
