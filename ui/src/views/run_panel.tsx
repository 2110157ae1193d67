// One run: what it covers, when it started, how long it took, and its changes.
import { patch, post, seg } from '../api';
import { ActionButton, StateBadge, useCanEdit } from '../components';
import { href } from '../router';
import { covers, duration, fmtTime } from '../time';
import type { DagRun } from '../types';
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
        {Object.keys(run.conf ?? {}).length > 0 && (
          <>
            <dt>Conf</dt>
            <dd>
              <code>{JSON.stringify(run.conf)}</code>
            </dd>
          </>
        )}
        {run.note && (
          <>
            <dt>Note</dt>
            <dd>{run.note}</dd>
          </>
        )}
      </dl>
      {canEdit && (
        <div class="actions">
          <ActionButton
            label="Clear failed tasks"
            disabled={!done}
            run={() => post(path + '/clear', { only_failed: true })}
            done="Failed tasks cleared: they run again"
          />
          <ActionButton
            label="Clear all tasks"
            confirm={`Run every task of ${run.run_id} again?`}
            run={() => post(path + '/clear', { only_failed: false })}
            done="Run cleared: its tasks run again"
          />
          <ActionButton
            label="Mark success"
            disabled={run.state === 'success'}
            run={() => patch(path, { state: 'success' })}
            done="Run marked success"
          />
          <ActionButton
            label="Mark failed"
            kind="danger"
            disabled={run.state === 'failed'}
            run={() => patch(path, { state: 'failed' })}
            done="Run marked failed"
          />
        </div>
      )}
    </section>
  );
}
