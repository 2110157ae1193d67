// A transfer job's page: what it copies and when, Run now, Edit, Delete; its runs with their
// counters (live while one runs); and a chosen run (?run=, bookmarkable) with every counter
// and its per-object report, filtered by action, a page at a time, downloadable whole.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiUrl, del, errorText, get, post, query, seg, transferPath, transferRunPath } from '../api';
import { ActionButton, Dialog, ErrorBox, Loading, notify, StateBadge, Table, useCanEdit } from '../components';
import { refresh, usePoll } from '../poll';
import { href, navigate } from '../router';
import { duration, fmtBytes, fmtTime } from '../time';
import type { DagRun, TaskInstanceDetail, TransferJobDetail, TransferReport, TransferRun, TransferSummary } from '../types';
import { RunSummary } from './run_panel';
import { ACTIVE_STATES, durationText, objectsAndBytes, PauseToggle, SourceSink, TZ } from './transfers';

const REPORT_PAGE = 100;

// Every counter of a summary, an objects_<what> and bytes_<what> pair on one row; a counter
// of another name gets a row of its own.
function counterRows(counters: Record<string, number>) {
  const rows = new Map<string, { objects?: [string, number]; bytes?: [string, number]; other?: [string, number] }>();
  for (const [k, v] of Object.entries(counters)) {
    const m = /^(objects|bytes)_(.+)$/.exec(k);
    const what = m ? m[2] : k;
    const row = rows.get(what) ?? {};
    if (m?.[1] === 'objects') row.objects = [k, v];
    else if (m?.[1] === 'bytes') row.bytes = [k, v];
    else row.other = [k, v];
    rows.set(what, row);
  }
  return [...rows.entries()];
}

function Counters({ summary }: { summary: TransferSummary }) {
  return (
    <Table data-testid="counters" head={['Counter', 'Objects', 'Bytes']}>
      {counterRows(summary.counters).map(([what, r]) => (
        <tr>
          <td class="small">{what.replace(/_/g, ' ')}</td>
          <td data-counter={(r.objects ?? r.other)?.[0]} title={(r.objects ?? r.other)?.[0]}>
            {(r.objects ?? r.other)?.[1]}
          </td>
          <td data-counter={r.bytes?.[0]} title={r.bytes ? `${r.bytes[0]}: ${r.bytes[1]} bytes` : undefined}>
            {r.bytes ? fmtBytes(r.bytes[1]) : ''}
          </td>
        </tr>
      ))}
    </Table>
  );
}

const counter = (s: TransferSummary | null, k: string) => s?.counters[k];

function deletedText(s: TransferSummary | null): string {
  const sink = counter(s, 'objects_deleted_from_sink');
  const source = counter(s, 'objects_deleted_from_source');
  if (sink === undefined && source === undefined) return '';
  return source ? `${sink ?? 0} + ${source} from source` : String(sink ?? 0);
}

function RunsTable({ name, runs, selected }: { name: string; runs: TransferRun[]; selected: string }) {
  return (
    <Table data-testid="transfer-runs" head={['Run', 'State', 'Started (UTC)', 'Took', 'Copied', 'Skipped', 'Deleted', 'Failed']}>
      {runs.map(({ run, task, summary: s }) => (
        <tr data-run={run.run_id} class={run.run_id === selected ? 'sel' : ''}>
          <td class="mono small">
            <a href={href(['transfers', name], { run: run.run_id })} aria-current={run.run_id === selected ? 'true' : undefined}>
              {run.run_id}
            </a>
            {s?.dry_run && (
              <>
                {' '}
                <span class="pill">dry run</span>
              </>
            )}
          </td>
          <td>
            <StateBadge state={run.state} />
          </td>
          <td class="small nowrap">{run.start_date ? fmtTime(run.start_date, TZ) : <span class="muted">queued</span>}</td>
          <td class="small nowrap">{duration(run.start_date, run.end_date)}</td>
          <td class="small">{objectsAndBytes(s, 'copied_to_sink')}</td>
          <td class="small">{counter(s, 'objects_from_source_skipped_by_sync')}</td>
          <td class="small">{deletedText(s)}</td>
          <td class="small">{s ? s.failures : task?.state === 'failed' ? <span class="pill bad">task failed</span> : ''}</td>
        </tr>
      ))}
    </Table>
  );
}

// One try's report: filter buttons with each action's count, a page of lines, the whole file.
function ReportView(props: { name: string; runId: string; tries: number; active: boolean; params: URLSearchParams }) {
  const { name, runId, params } = props;
  const tryNumber = Number(params.get('try')) || 0;
  const action = params.get('action') ?? '';
  const offset = Number(params.get('offset')) || 0;
  const report = usePoll(
    async (s) => {
      try {
        return await get<TransferReport>(
          transferRunPath(name, runId) + '/report' + query({ try_number: tryNumber || undefined, action, offset, limit: REPORT_PAGE }),
          s,
        );
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null; // the transfer has not started
        throw e;
      }
    },
    props.active ? 2000 : 0,
    [name, runId, tryNumber, action, offset, props.active],
    true,
  );
  const link = (changes: Record<string, string | number | undefined>) =>
    href(['transfers', name], { run: runId, try: tryNumber || undefined, action: action || undefined, offset: undefined, ...changes });
  const r = report.data;
  const tries = Math.max(props.tries, r?.try_number ?? 0);
  const total = r ? Object.values(r.counts).reduce((a, b) => a + b, 0) : 0;

  return (
    <section aria-label="Report" data-testid="report-view">
      <div class="toolbar">
        <h3>Report</h3>
        {tries > 1 && (
          <label class="inline">
            Try
            <select
              value={String(r?.try_number ?? tryNumber)}
              onChange={(e) => navigate(link({ try: e.currentTarget.value, action: undefined }))}
            >
              {Array.from({ length: tries }, (_, i) => i + 1).map((n) => (
                <option value={String(n)}>
                  {n}
                  {n === tries ? ' (latest)' : ''}
                </option>
              ))}
            </select>
          </label>
        )}
        {r && !r.finished && <span class="live small">live: the try is running</span>}
        <span class="grow" />
        {r?.exists && (
          <a
            class="btn"
            href={apiUrl(transferRunPath(name, runId) + '/report.jsonl' + query({ try_number: r.try_number }))}
            download
            data-testid="report-download"
          >
            Download report (.jsonl)
          </a>
        )}
      </div>
      <ErrorBox error={report.error} />
      {r === undefined ? (
        <Loading what="the report" />
      ) : r === null ? (
        <p class="muted small">The transfer has not started yet: its report comes once it does.</p>
      ) : !r.exists ? (
        <p class="muted small">Try {r.try_number} wrote no report (it stopped before listing the objects: see its log).</p>
      ) : (
        <>
          <div class="seg report-filter" role="group" aria-label="Show the report's lines of one action">
            <a href={link({ action: undefined })} class={'btn' + (!action ? ' on' : '')} aria-current={!action ? 'true' : undefined}>
              all ({total})
            </a>
            {Object.entries(r.counts).map(([a, n]) => (
              <a
                href={link({ action: a })}
                class={'btn' + (action === a ? ' on' : '')}
                aria-current={action === a ? 'true' : undefined}
                data-action={a}
              >
                {a} ({n})
              </a>
            ))}
          </div>
          <Table data-testid="report" head={['Key', 'Action', 'Reason', 'Bytes', 'How', 'Error']}>
            {r.entries.map((e) => (
              <tr data-key={e.key}>
                <td class="mono small report-key">{e.key}</td>
                <td class="small nowrap">{e.action}</td>
                <td class="small">{e.reason}</td>
                <td class="small nowrap" title={e.bytes === undefined ? undefined : `${e.bytes} bytes`}>
                  {e.bytes === undefined ? '' : fmtBytes(e.bytes)}
                </td>
                <td class="small">{e.how ?? ''}</td>
                <td class="small">{e.error ?? ''}</td>
              </tr>
            ))}
          </Table>
          <nav class="pager" aria-label="Pages of the report">
            <span class="muted small">
              {r.total_entries
                ? `${offset + 1}–${offset + r.entries.length} of ${r.total_entries}`
                : 'No lines' + (action ? ` of ${action}` : '')}
            </span>
            {offset > 0 && <a href={link({ offset: Math.max(0, offset - REPORT_PAGE) || undefined })}>Previous</a>}
            {offset + REPORT_PAGE < r.total_entries && <a href={link({ offset: offset + REPORT_PAGE })}>Next</a>}
          </nav>
        </>
      )}
    </section>
  );
}

function RunDetail({ name, item, params }: { name: string; item: TransferRun; params: URLSearchParams }) {
  const { run, task, summary: s } = item;
  const active = ACTIVE_STATES.includes(run.state) || (task !== null && ['queued', 'running'].includes(task.state));
  return (
    <section class="panel transfer-run" aria-label={`Run ${run.run_id}`} data-testid="transfer-run">
      <h2 class="mono">{run.run_id}</h2>
      <RunSummary run={run} tz={TZ} />
      <p class="small">
        <a href={href(['dags', name, 'runs', run.run_id, 'tasks', 'transfer'])}>The transfer task's log</a>
        {' · '}
        <a href={href(['dags', name, 'grid'], { run: run.run_id })}>The run in the grid</a>
      </p>
      {s ? (
        <>
          <dl class="facts">
            <dt>Copied</dt>
            <dd>
              {objectsAndBytes(s, 'copied_to_sink') || '0 objects'}
              {s.copied_server_side > 0 && `, ${s.copied_server_side} of them on the server`}
              {s.dry_run && ' (a dry run: nothing changed)'}
            </dd>
            <dt>Failures</dt>
            <dd>{s.failures}</dd>
            {s.deletes_held && (
              <>
                <dt>Deletes held</dt>
                <dd>{s.deletes_held}</dd>
              </>
            )}
            {s.failed && s.failed.length > 0 && (
              <>
                <dt>First failures</dt>
                <dd>
                  <ul class="plain">
                    {s.failed.map((f) => (
                      <li class="mono small">{f}</li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
          </dl>
          <Counters summary={s} />
        </>
      ) : task?.state === 'failed' || task?.state === 'upstream_failed' ? (
        <div class="error" data-testid="transfer-failed">
          The transfer failed and returned no counters{task.error ? `: ${task.error}` : ''}. The report below lists what happened to each
          object.
        </div>
      ) : (
        <p class="muted small">
          {active ? 'The counters come when the transfer ends; the report fills as it goes.' : 'No counters for this run.'}
        </p>
      )}
      <ReportView key={run.run_id} name={name} runId={run.run_id} tries={task?.try_number ?? 0} active={active} params={params} />
    </section>
  );
}

// The job's deletion, asked in a dialog first.
function DeleteJob({ name }: { name: string }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const confirm = async () => {
    setBusy(true);
    setError('');
    try {
      await del(transferPath(name));
      notify(`Transfer job ${name} deleted`);
      setOpen(false);
      navigate(href(['transfers']));
      refresh();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="danger" aria-haspopup="dialog" data-testid="delete-transfer" onClick={() => setOpen(true)}>
        Delete
      </button>
      <Dialog title={`Delete transfer job ${name}`} open={open} onClose={() => setOpen(false)}>
        <div class="dialog-body">
          <p>
            This removes the job and its DAG, so it no longer runs. Its runs, logs and reports stay until <code>weir db clean</code>; what
            it copied stays where it is.
          </p>
          <ErrorBox error={error} />
          <div class="dialog-actions">
            <button type="button" class="danger" disabled={busy} data-testid="confirm-delete" onClick={confirm}>
              Delete {name}
            </button>
            <button type="button" autoFocus onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </div>
      </Dialog>
    </>
  );
}

function specValue(k: string, v: unknown): string {
  if (Array.isArray(v)) return v.join(', ');
  if (k.startsWith('min_time') || k.startsWith('max_time') || k === 'repeat_interval') return durationText(String(v));
  return String(v);
}

export function TransferJobView({ name, params }: { name: string; params: URLSearchParams }) {
  const canEdit = useCanEdit();
  // Every 2 seconds while a run is queued or running, else every 10.
  const [active, setActive] = useState(false);
  const job = usePoll((s) => get<TransferJobDetail>(transferPath(name) + '?limit_runs=25', s), active ? 2000 : 10000, [name, active], true);
  const runs = job.data?.runs ?? [];
  const wanted = params.get('run') ?? '';
  const found = runs.find((r) => r.run.run_id === wanted);
  // A run chosen by its address may be older than the runs listed: read it on its own.
  const older = usePoll(
    async (s): Promise<TransferRun | undefined> => {
      if (!wanted || found || !job.data) return undefined;
      const base = `/dags/${seg(name)}/dagRuns/${seg(wanted)}`;
      const run = await get<DagRun>(base, s);
      const task = await get<TaskInstanceDetail>(base + '/taskInstances/transfer', s).catch(() => null);
      return { run, task, summary: (task?.xcom?.return_value as TransferSummary | undefined) ?? null };
    },
    0,
    [name, wanted, !!found, !!job.data],
  );
  const nowActive = runs.some((r) => ACTIVE_STATES.includes(r.run.state));
  useEffect(() => setActive(nowActive), [nowActive]);

  const crumbs = (
    <nav class="crumbs small" aria-label="Breadcrumb">
      <a href={href(['transfers'])}>Transfers</a> / <span class="mono">{name}</span>
    </nav>
  );
  if (job.error && !job.data) {
    return (
      <>
        {crumbs}
        <ErrorBox error={job.error} />
      </>
    );
  }
  if (!job.data) return <Loading what={name} />;
  const j = job.data;
  const selected = found ?? (wanted ? older.data : runs[0]);
  const spec = Object.entries(j.transfer_spec);

  return (
    <>
      {crumbs}
      <div class="toolbar">
        <PauseToggle job={j} />
        <h1 class="mono">{j.name}</h1>
        {j.paused && <span class="pill">paused</span>}
        <span class="grow" />
        {canEdit && (
          <>
            <ActionButton
              label="Run now"
              kind="primary"
              testId="run-now"
              run={async () => {
                const run = await post<DagRun>(transferPath(name) + '/run', {});
                navigate(href(['transfers', name], { run: run.run_id }));
              }}
              done="Run created: it starts at the scheduler's next step"
            />
            <a class="btn" href={href(['transfers', name, 'edit'])}>
              Edit
            </a>
            <DeleteJob name={name} />
          </>
        )}
      </div>
      <p class="small muted">
        {j.description && <>{j.description} · </>}
        <SourceSink spec={j.transfer_spec} />
        {' · '}runs {j.schedule_text}
        {j.paused && ' (paused: only Run now runs it)'}
        {' · '}
        <a href={href(['dags', name, 'grid'])}>DAG: grid, logs, code</a>
        {' · '}
        <a href={href(['audit'], { dag_id: name })}>Audit log</a>
      </p>
      <ErrorBox error={job.error} />
      <h2>The job</h2>
      <dl class="facts transfer-spec" data-testid="transfer-spec">
        {spec.map(([k, v]) => (
          <>
            <dt class="mono">{k}</dt>
            <dd class="mono">{specValue(k, v)}</dd>
          </>
        ))}
        {Object.entries(j.schedule ?? {}).map(([k, v]) => (
          <>
            <dt class="mono">{k}</dt>
            <dd class="mono">{specValue(k, v)}</dd>
          </>
        ))}
        <dt>DAG file</dt>
        <dd class="mono">{j.dag_file}</dd>
      </dl>
      <h2>Runs</h2>
      {runs.length === 0 ? (
        <p class="muted" data-testid="no-runs">
          Never run. {j.schedule ? `It runs ${j.schedule_text}${j.paused ? ' once unpaused' : ''}, ` : ''}
          {canEdit ? 'Run now runs it at once.' : ''}
        </p>
      ) : (
        <RunsTable name={name} runs={runs} selected={selected?.run.run_id ?? ''} />
      )}
      {wanted && !found && older.error && <ErrorBox error={older.error} />}
      {selected && <RunDetail key={selected.run.run_id} name={name} item={selected} params={params} />}
    </>
  );
}
