// Every run of a DAG, newest first, a page at a time.
import { get, query, seg } from '../api';
import { ErrorBox, Loading, StateBadge, Table } from '../components';
import { usePoll } from '../poll';
import { href } from '../router';
import { covers, duration, fmtTime } from '../time';
import type { DagRun } from '../types';

const PAGE = 50;

export function RunsList({ dagId, tz, offset, state }: { dagId: string; tz: string; offset: number; state: string }) {
  const runs = usePoll(
    (s) => get<{ dag_runs: DagRun[]; total_entries: number }>(`/dags/${seg(dagId)}/dagRuns` + query({ limit: PAGE, offset, state }), s),
    3000,
    [dagId, offset, state],
  );
  const link = (o: number, st = state) => href(['dags', dagId, 'runs'], { offset: o || undefined, state: st });
  return (
    <>
      <div class="toolbar">
        <div class="seg" role="group" aria-label="Filter runs by state">
          {['', 'queued', 'running', 'success', 'failed'].map((s) => (
            <a href={link(0, s)} class={'btn' + (state === s ? ' on' : '')} aria-current={state === s ? 'true' : undefined}>
              {s || 'all'}
            </a>
          ))}
        </div>
      </div>
      <ErrorBox error={runs.error} />
      {!runs.data ? (
        <Loading what="runs" />
      ) : (
        <>
          <Table data-testid="runs" head={['State', 'Run', `Covers (${tz})`, 'Started at', 'Duration', 'Type', 'Code']}>
            {runs.data.dag_runs.map((r) => (
              <tr>
                <td>
                  <StateBadge state={r.state} />
                </td>
                <td class="mono small">
                  <a href={href(['dags', dagId, 'grid'], { run: r.run_id })}>{r.run_id}</a>
                </td>
                <td class="small">{covers(r.data_interval_start, r.data_interval_end, tz)}</td>
                <td class="small">{r.start_date ? fmtTime(r.start_date, tz) : <span class="muted">queued</span>}</td>
                <td class="small">{duration(r.start_date, r.end_date)}</td>
                <td class="small">{r.run_type}</td>
                <td class="small">
                  <a href={href(['dags', dagId, 'code'], { version_id: r.version_id })}>version</a>
                </td>
              </tr>
            ))}
          </Table>
          <nav class="pager" aria-label="Pages of runs">
            <span class="muted small">
              {runs.data.total_entries ? `${offset + 1}–${offset + runs.data.dag_runs.length} of ${runs.data.total_entries}` : 'No runs'}
            </span>
            {offset > 0 && <a href={link(Math.max(0, offset - PAGE))}>Newer</a>}
            {offset + PAGE < runs.data.total_entries && <a href={link(offset + PAGE)}>Older</a>}
          </nav>
        </>
      )}
    </>
  );
}
