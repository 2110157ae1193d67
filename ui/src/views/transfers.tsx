// Transfers: transfer jobs (docs/transfers.md), scheduled copies between stores with the
// Storage Transfer Service's options. The list with each job's last run and counters; a job's
// page is transfer_job.tsx, the form to create or edit one transfer_form.tsx.
import { get, patch, query, transferPath } from '../api';
import { ErrorBox, Loading, StateBadge, Table, Toggle, useCanEdit } from '../components';
import { refresh, usePoll } from '../poll';
import { href } from '../router';
import { fmtBytes, fmtTime } from '../time';
import type { DagRun, TransferListing, TransferSpec, TransferSummary } from '../types';

const PAGE = 50;

// A job's DAG has no time zone of its own: its schedule and runs are in UTC.
export const TZ = 'UTC';

export const ACTIVE_STATES = ['queued', 'running'];

// Where a job reads: a store folder, or a list of URLs.
export function sourceText(spec: TransferSpec): string {
  return spec.source ?? (spec.url_list ? `URLs in ${spec.url_list}` : '');
}

export function SourceSink({ spec }: { spec: TransferSpec }) {
  return (
    <span class="mono small transfer-path">
      {sourceText(spec)} <span aria-hidden="true">→</span>
      <span class="sr-only">to</span> {spec.sink}
    </span>
  );
}

// "3 objects, 1.2 MiB": a counter pair of a summary (objects_<what>, bytes_<what>).
export function objectsAndBytes(summary: TransferSummary | null | undefined, what: string): string {
  const c = summary?.counters;
  if (!c || c['objects_' + what] === undefined) return '';
  const n = c['objects_' + what];
  const b = c['bytes_' + what];
  return `${n} object${n === 1 ? '' : 's'}` + (b === undefined ? '' : `, ${fmtBytes(b)}`);
}

// When a run ended, started or was queued, whichever it has last.
export function runTime(run: DagRun): string {
  if (run.end_date) return `ended ${fmtTime(run.end_date, TZ)}`;
  if (run.start_date) return `started ${fmtTime(run.start_date, TZ)}`;
  return `queued ${fmtTime(run.queued_at, TZ)}`;
}

// "every 21600s" reads "6h": a whole number of seconds in the largest unit that fits.
export function durationText(text: string | undefined): string {
  const m = /^(\d+)s$/.exec(text ?? '');
  if (!m) return text ?? '';
  const s = Number(m[1]);
  for (const [unit, n] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (s >= n && s % n === 0) return `${s / n}${unit}`;
  }
  return text ?? '';
}

export function PauseToggle({ job }: { job: { name: string; paused: boolean } }) {
  const canEdit = useCanEdit();
  return (
    <Toggle
      on={!job.paused}
      label={job.paused ? `Unpause ${job.name}` : `Pause ${job.name}`}
      disabled={!canEdit}
      onChange={async (on) => {
        await patch(transferPath(job.name), { paused: !on });
        refresh();
      }}
    />
  );
}

export function TransfersView({ params }: { params: URLSearchParams }) {
  const canEdit = useCanEdit();
  const offset = Number(params.get('offset')) || 0;
  const jobs = usePoll(
    (s) => get<{ transfers: TransferListing[]; total_entries: number }>('/transfers' + query({ limit: PAGE, offset }), s),
    5000,
    [offset],
    true,
  );
  const link = (o: number) => href(['transfers'], { offset: o || undefined });

  return (
    <>
      <div class="toolbar">
        <h1>Transfers</h1>
        <span class="grow" />
        {canEdit && (
          <a class="btn primary" href={href(['transfers'], { new: 1 })} data-testid="create-transfer-job">
            Create transfer job
          </a>
        )}
      </div>
      <p class="small muted">
        Scheduled copies between object stores (<code>s3://</code>, <code>gs://</code>, <code>az://</code>, <code>lake://</code>,{' '}
        <code>file:///</code>) with the Storage Transfer Service's options. Each job is also a DAG of the same id, tagged{' '}
        <code>transfer</code>. Times are UTC.
      </p>
      <ErrorBox error={jobs.error} />
      {!jobs.data ? (
        <Loading what="transfer jobs" />
      ) : jobs.data.total_entries === 0 ? (
        <div class="empty" data-testid="no-transfers">
          <p>No transfer jobs yet.</p>
          <p class="small">
            {canEdit ? (
              <>
                Make one with <strong>Create transfer job</strong>: a source and a sink, the objects to copy, what to do with the ones the
                sink has, and a schedule.
              </>
            ) : (
              'An op or an admin makes one here.'
            )}{' '}
            From the command line:
          </p>
          <pre class="code">
            weir transfers create NAME --source s3://bucket/raw/ --sink gs://archive/raw/ --start-date 2026-12-07 --repeat-interval 6h
          </pre>
        </div>
      ) : (
        <>
          <Table
            class="transfers"
            data-testid="transfers"
            head={[<span class="sr-only">Paused</span>, 'Job', 'Source → sink', 'Schedule', 'Last run (UTC)', 'Copied', 'Failures']}
          >
            {jobs.data.transfers.map((j) => {
              const s = j.last_run_summary;
              return (
                <tr key={j.name} data-transfer={j.name} class={j.paused ? 'paused' : ''}>
                  <td>
                    <PauseToggle job={j} />
                  </td>
                  <td>
                    <a class="dag-link" href={href(['transfers', j.name])}>
                      {j.name}
                    </a>
                    {j.paused && (
                      <>
                        {' '}
                        <span class="pill">paused</span>
                      </>
                    )}
                    {j.description && <div class="small muted">{j.description}</div>}
                  </td>
                  <td>
                    <SourceSink spec={j.transfer_spec} />
                  </td>
                  <td class="small">{j.schedule_text}</td>
                  <td class="small">
                    {j.last_run ? (
                      <a href={href(['transfers', j.name], { run: j.last_run.run_id })}>
                        <StateBadge state={j.last_run.state} /> {runTime(j.last_run)}
                      </a>
                    ) : (
                      <span class="muted">never run</span>
                    )}
                  </td>
                  <td class="small">
                    {s ? (
                      <>
                        {objectsAndBytes(s, 'copied_to_sink')}
                        {s.dry_run && <span class="pill">dry run</span>}
                      </>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td class="small">{s ? s.failures : <span class="muted">—</span>}</td>
                </tr>
              );
            })}
          </Table>
          <nav class="pager" aria-label="Pages of transfer jobs">
            <span class="muted small">{`${offset + 1}–${offset + jobs.data.transfers.length} of ${jobs.data.total_entries}`}</span>
            {offset > 0 && <a href={link(Math.max(0, offset - PAGE))}>Previous</a>}
            {offset + PAGE < jobs.data.total_entries && <a href={link(offset + PAGE)}>Next</a>}
          </nav>
        </>
      )}
    </>
  );
}
