// A task instance: state, tries with durations, rendered arguments, XCom and each try's log,
// with clear (and downstream) and mark success/failed.
import { useState } from 'preact/hooks';
import { get, patch, post, seg } from '../api';
import { ActionButton, ErrorBox, Json, Loading, StateBadge, Table, useCanEdit } from '../components';
import { usePoll } from '../poll';
import { href } from '../router';
import { duration, fmtTime } from '../time';
import type { DagDetail, DagRun, TaskInstanceDetail } from '../types';
import { LogView } from './log';
import { RunSummary } from './run_panel';
import { WaitingFor } from './waiting';

const NOT_STARTED = ['none', 'scheduled', 'queued', 'up_for_retry'];

export function TaskView({ dagId, runId, taskId, tryNumber }: { dagId: string; runId: string; taskId: string; tryNumber: number }) {
  const canEdit = useCanEdit();
  const [downstream, setDownstream] = useState(true);
  const base = `/dags/${seg(dagId)}/dagRuns/${seg(runId)}`;
  const ti = usePoll((s) => get<TaskInstanceDetail>(`${base}/taskInstances/${seg(taskId)}`, s), 2000, [dagId, runId, taskId]);
  const run = usePoll((s) => get<DagRun>(base, s), 5000, [dagId, runId]);
  const dag = usePoll((s) => get<DagDetail>('/dags/' + seg(dagId), s), 0, [dagId]);
  const tz = dag.data?.timezone || 'UTC';

  const crumbs = (
    <nav class="crumbs small" aria-label="Breadcrumb">
      <a href="#/">DAGs</a> / <a href={href(['dags', dagId, 'grid'], { run: runId })}>{dagId}</a> / <span class="mono">{runId}</span>
    </nav>
  );
  if (ti.error && !ti.data) {
    return (
      <>
        {crumbs}
        <ErrorBox error={ti.error} />
      </>
    );
  }
  if (!ti.data) return <Loading what={taskId} />;
  const t = ti.data;
  const shownTry = tryNumber || t.try_number;
  const tr = t.tries.find((x) => x.try_number === shownTry);
  const path = `${base}/taskInstances/${seg(taskId)}`;

  return (
    <>
      {crumbs}
      <div class="toolbar">
        <h1 class="mono">{taskId}</h1>
        <StateBadge state={t.state} />
        <span class="small muted">
          {t.operator} · try {t.try_number} of {t.max_tries} · pool {t.pool}
        </span>
      </div>
      {run.data && <RunSummary run={run.data} tz={tz} />}
      <ErrorBox error={ti.error} />
      {t.error && (
        <div class="error" role="note">
          {t.error}
        </div>
      )}
      {t.state === 'up_for_retry' && t.next_retry_at && <p class="small">Next try at {fmtTime(t.next_retry_at, tz)}.</p>}
      <WaitingFor path={path} active={NOT_STARTED.includes(t.state)} />
      {canEdit && (
        <div class="actions" aria-label="Changes">
          <ActionButton
            label="Clear"
            testId="clear-task"
            run={() => post(path + '/clear', { include_downstream: downstream })}
            done={downstream ? 'Cleared with its downstream tasks: they run again' : 'Cleared: it runs again'}
          />
          <label class="inline">
            <input type="checkbox" checked={downstream} onChange={(e) => setDownstream(e.currentTarget.checked)} /> with downstream
          </label>
          <ActionButton
            label="Mark success"
            disabled={t.state === 'success'}
            run={() => patch(path, { state: 'success', include_downstream: downstream })}
            done="Marked success"
          />
          <ActionButton
            label="Mark failed"
            kind="danger"
            disabled={t.state === 'failed'}
            run={() => patch(path, { state: 'failed', include_downstream: downstream })}
            done="Marked failed"
          />
        </div>
      )}

      <h2>Tries</h2>
      {t.tries.length === 0 ? (
        <p class="muted">Not tried yet ({t.state}).</p>
      ) : (
        <Table data-testid="tries" head={['Try', 'State', 'Started at', 'Duration', 'Host, pid', 'Exit']}>
          {t.tries.map((x) => (
            <tr class={x.try_number === shownTry ? 'sel' : ''}>
              <td>
                <a
                  href={href(['dags', dagId, 'runs', runId, 'tasks', taskId], { try: x.try_number })}
                  aria-current={x.try_number === shownTry ? 'true' : undefined}
                >
                  {x.try_number}
                </a>
              </td>
              <td>
                <StateBadge state={x.state} />
              </td>
              <td class="small">{fmtTime(x.start_date, tz)}</td>
              <td class="small">{duration(x.start_date, x.end_date)}</td>
              <td class="small mono">{x.hostname ? `${x.hostname}, ${x.pid}` : ''}</td>
              <td class="small">{x.exit_code ?? ''}</td>
            </tr>
          ))}
        </Table>
      )}

      {tr && (
        <>
          <h2>Log of try {shownTry}</h2>
          <LogView dagId={dagId} runId={runId} taskId={taskId} tryNumber={shownTry} />
          {tr.error && <div class="error">{tr.error}</div>}
          <h2>Rendered arguments</h2>
          <Json value={tr.rendered_args} />
        </>
      )}
      <h2>XCom</h2>
      {Object.keys(t.xcom).length === 0 ? <p class="muted small">None.</p> : <Json value={t.xcom} />}
    </>
  );
}
