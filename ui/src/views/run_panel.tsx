// One run: what it covers, when it started, how long it took, and its changes.
import { patch, post, seg } from '../api';
import { ChangeButton, scopeBody } from '../change';
import { StateBadge, useCanEdit } from '../components';
import { href } from '../router';
import { covers, duration, fmtTime } from '../time';
import type { DagRun, TaskInstanceList } from '../types';
import { NoteEditor } from './note';
import { WaitingFor } from './waiting';

export function RunSummary({ run, tz }: { run: DagRun; tz: string }) {
  return (
    <p class="run-summary" data-testid="run-summary">
      <StateBadge state={run.state} /> <span>covers {covers(run.data_interval_start, run.data_interval_end, tz)}</span>
      {run.start_date ? <span>, started at {fmtTime(run.start_date, tz)}</span> : <span>, queued at {fmtTime(run.queued_at, tz)}</span>}
      {run.start_date && (
        <span>
          , {run.end_date ? 'took' : 'running for'} {duration(run.start_date, run.end_date)}
        </span>
      )}
      <span class="muted"> ({tz})</span>
    </p>
  );
}

export function RunPanel({ run, tz }: { run: DagRun; tz: string }) {
  const canEdit = useCanEdit();
  const path = `/dags/${seg(run.dag_id)}/dagRuns/${seg(run.run_id)}`;
  const done = run.state === 'success' || run.state === 'failed';
  return (
    <section class="panel" aria-label={`Run ${run.run_id}`}>
      <h2 class="mono">{run.run_id}</h2>
      <RunSummary run={run} tz={tz} />
      <WaitingFor path={path} active={run.state === 'queued'} />
      <dl class="facts">
        <dt>Type</dt>
        <dd>{run.run_type}</dd>
        <dt>Code</dt>
        <dd>
          <a href={href(['dags', run.dag_id, 'code'], { version_id: run.version_id })}>the version this run used</a>
        </dd>
        <dt>Gantt</dt>
        <dd>
          <a href={href(['dags', run.dag_id, 'gantt'], { run: run.run_id })} data-testid="run-gantt">
            when each task ran
          </a>
        </dd>
        {Object.keys(run.conf ?? {}).length > 0 && (
          <>
            <dt>Conf</dt>
            <dd>
              <code>{JSON.stringify(run.conf)}</code>
            </dd>
          </>
        )}
        {run.state_reason && (
          <>
            <dt>Why</dt>
            <dd>{run.state_reason}</dd>
          </>
        )}
      </dl>
      <NoteEditor key={path} path={path} tz={tz} what="run" />
      {canEdit && (
        <div class="actions">
          <ChangeButton
            label="Clear failed tasks"
            result="cleared: they run again"
            options={['past', 'future']}
            disabled={!done}
            preview={(s) => post<TaskInstanceList>(path + '/clear', { only_failed: true, ...scopeBody(s), dry_run: true })}
            apply={(s) => post(path + '/clear', { only_failed: true, ...scopeBody(s) })}
            done="Failed tasks cleared: they run again"
            tz={tz}
          />
          <ChangeButton
            label="Clear all tasks"
            result="cleared: they run again"
            options={['past', 'future']}
            preview={(s) => post<TaskInstanceList>(path + '/clear', { only_failed: false, ...scopeBody(s), dry_run: true })}
            apply={(s) => post(path + '/clear', { only_failed: false, ...scopeBody(s) })}
            done="Run cleared: its tasks run again"
            tz={tz}
          />
          <ChangeButton
            label="Mark success"
            result="marked success (they do not run)"
            options={[]}
            disabled={run.state === 'success'}
            preview={() => patch<TaskInstanceList>(path, { state: 'success', dry_run: true })}
            apply={() => patch(path, { state: 'success' })}
            done="Run marked success"
            whenNone="No task instance changes: every one has finished. The run itself becomes success."
            tz={tz}
          />
          <ChangeButton
            label="Mark failed"
            kind="danger"
            result="marked failed (running ones) or skipped"
            options={[]}
            disabled={run.state === 'failed'}
            preview={() => patch<TaskInstanceList>(path, { state: 'failed', dry_run: true })}
            apply={() => patch(path, { state: 'failed' })}
            done="Run marked failed"
            whenNone="No task instance changes: every one has finished. The run itself becomes failed."
            tz={tz}
          />
        </div>
      )}
    </section>
  );
}
