// A task instance: state (and who marked it, when a person set it), tries with durations,
// rendered arguments, XCom and each try's log, with clear and mark success/failed, each asked
// in a dialog that lists what it changes; the lake objects it wrote (task_lake).
import { get, patch, post, seg } from '../api';
import { ChangeButton, markText, scopeBody } from '../change';
import type { ScopeOption } from '../change';
import { ErrorBox, Json, Loading, StateBadge, Table, useCanEdit } from '../components';
import { usePoll } from '../poll';
import { href } from '../router';
import { duration, fmtTime } from '../time';
import type { DagDetail, DagRun, TaskInstanceDetail, TaskInstanceList } from '../types';
import { LogView } from './log';
import { NoteEditor } from './note';
import { RunSummary } from './run_panel';
import { TaskLakeObjects } from './task_lake';
import { WaitingFor } from './waiting';

const NOT_STARTED = ['none', 'scheduled', 'queued', 'up_for_retry'];

const scopeOptions: ScopeOption[] = ['upstream', 'downstream', 'past', 'future'];

export function TaskView({ dagId, runId, taskId, tryNumber }: { dagId: string; runId: string; taskId: string; tryNumber: number }) {
  const canEdit = useCanEdit();
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
  // The error once, above: the chosen try's; the task instance's own error is its last try's
  // (or, without a try, why it never ran).
  const shownError = tr?.error || (shownTry === t.try_number ? t.error : '');

  return (
    <>
      {crumbs}
      <div class="toolbar">
        <h1 class="mono">{taskId}</h1>
        <StateBadge state={t.state} />
        {t.marked && <span class="mark-badge">marked</span>}
        <span class="small muted">
          {t.operator} · {t.try_number ? `try ${t.try_number} of ${t.max_tries}` : 'not run'} · pool {t.pool}
        </span>
      </div>
      {t.marked && (
        <p class="mark-note" role="note" data-testid="marked-note">
          {markText(t, tz).replace(/^m/, 'M')}; {t.try_number === 0 ? 'it did not run.' : `its last try was try ${t.try_number}.`}
        </p>
      )}
      {run.data && <RunSummary run={run.data} tz={tz} />}
      <ErrorBox error={ti.error} />
      {shownError && (
        <div class="error" role="note" data-testid="task-error">
          {tr && <strong>Try {shownTry}: </strong>}
          {shownError}
        </div>
      )}
      <TaskLakeObjects ti={t} />
      {t.state === 'up_for_retry' && t.next_retry_at && <p class="small">Next try at {fmtTime(t.next_retry_at, tz)}.</p>}
      <WaitingFor path={path} active={NOT_STARTED.includes(t.state)} />
      <NoteEditor key={path} path={path} tz={tz} what="task" />
      {canEdit && (
        <div class="actions" aria-label="Changes">
          <ChangeButton
            label="Clear"
            testId="clear-task"
            result="cleared: they run again"
            options={scopeOptions}
            defaults={{ downstream: true }}
            preview={(s) => post<TaskInstanceList>(path + '/clear', { ...scopeBody(s), dry_run: true })}
            apply={(s) => post(path + '/clear', scopeBody(s))}
            done="Cleared: the task instances run again"
            tz={tz}
          />
          <ChangeButton
            label="Mark success"
            testId="mark-success"
            result="marked success (they do not run)"
            options={scopeOptions}
            disabled={t.state === 'success'}
            preview={(s) => patch<TaskInstanceList>(path, { state: 'success', ...scopeBody(s), dry_run: true })}
            apply={(s) => patch(path, { state: 'success', ...scopeBody(s) })}
            done="Marked success"
            tz={tz}
          />
          <ChangeButton
            label="Mark failed"
            testId="mark-failed"
            kind="danger"
            result="marked failed"
            options={scopeOptions}
            disabled={t.state === 'failed'}
            preview={(s) => patch<TaskInstanceList>(path, { state: 'failed', ...scopeBody(s), dry_run: true })}
            apply={(s) => patch(path, { state: 'failed', ...scopeBody(s) })}
            done="Marked failed"
            tz={tz}
          />
        </div>
      )}

      <h2>Tries</h2>
      {t.tries.length === 0 ? (
        <p class="muted">{t.marked ? `Not tried: ${markText(t, tz)}.` : `Not tried yet (${t.state}).`}</p>
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
          <h2>Rendered arguments</h2>
          <Json value={tr.rendered_args} />
        </>
      )}
      <h2>XCom</h2>
      {Object.keys(t.xcom).length === 0 ? <p class="muted small">None.</p> : <Json value={t.xcom} />}
    </>
  );
}
