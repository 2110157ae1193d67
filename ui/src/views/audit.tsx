// The audit log: who triggered, cleared, marked, paused or changed what, and from where.
import { useState } from 'preact/hooks';
import { get, query } from '../api';
import { ErrorBox, Loading, Table, useMe } from '../components';
import { usePoll } from '../poll';
import { href, navigate } from '../router';
import { fmtTime } from '../time';
import type { AuditEvent } from '../types';

const PAGE = 50;

const DAG_ACTIONS = ['trigger', 'backfill', 'clear', 'mark_task', 'mark_run', 'note_set', 'dag_delete', 'pause', 'unpause', 'dag_test'];
const SETTING_ACTIONS = [
  'variable_set',
  'variable_delete',
  'connection_set',
  'connection_delete',
  'connection_key_rotate',
  'pool_set',
  'pool_delete',
  'db_clean',
];
const ACCOUNT_ACTIONS = ['user_create', 'user_delete', 'user_role', 'user_password', 'token_create', 'token_revoke'];

// The filters the page keeps in its address (#/audit?dag_id=...&owner=...&event=...).
const FILTERS = ['dag_id', 'owner', 'event', 'source'] as const;

function Target({ e }: { e: AuditEvent }) {
  if (e.dag_id) {
    return (
      <>
        <a class="mono" href={href(['dags', e.dag_id, 'grid'], { run: e.run_id ?? undefined })}>
          {e.dag_id}
        </a>
        {e.run_id && <div class="mono small">{e.run_id}</div>}
        {e.run_id && e.task_id && (
          <div class="mono small">
            <a href={href(['dags', e.dag_id, 'runs', e.run_id, 'tasks', e.task_id])}>{e.task_id}</a>
          </div>
        )}
      </>
    );
  }
  const x = e.extra;
  if (typeof x.key === 'string') return <span class="mono">variable {x.key}</span>;
  if (typeof x.pool === 'string') return <span class="mono">pool {x.pool}</span>;
  if (typeof x.username === 'string') {
    return <span class="mono">{typeof x.name === 'string' ? `${x.username}'s token ${x.name}` : `user ${x.username}`}</span>;
  }
  return <span class="muted">—</span>;
}

// "a (was failed)" for the task instances an action changed; other values as JSON.
function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => x && typeof x === 'object' && 'task_id' in x)) {
    return v.map((x: { task_id: string; was?: string | null }) => (x.was ? `${x.task_id} (was ${x.was})` : x.task_id)).join(', ') || 'none';
  }
  return JSON.stringify(v);
}

function Details({ extra }: { extra: Record<string, unknown> }) {
  // An empty text (no description) says nothing.
  const entries = Object.entries(extra).filter(([, v]) => v !== '');
  if (!entries.length) return <span class="muted">—</span>;
  return (
    <dl class="audit-details">
      {entries.map(([k, v]) => (
        <div>
          <dt>{k.replace(/_/g, ' ')}</dt>
          <dd>{valueText(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

// The filters as a form whose fields keep what is typed (the list refreshes underneath) until
// Filter puts them in the address; a new address starts the form again (its key).
function FilterForm(props: { filters: Record<string, string>; actions: string[]; active: boolean }) {
  const [values, setValues] = useState(props.filters);
  const field = (name: string) => ({
    name,
    value: values[name],
    onInput: (e: Event) => setValues({ ...values, [name]: (e.currentTarget as HTMLInputElement).value }),
  });
  return (
    <form
      class="toolbar audit-filters"
      aria-label="Filter the audit log"
      onSubmit={(e) => {
        e.preventDefault();
        const next: Record<string, string> = {};
        for (const f of FILTERS) next[f] = values[f].trim();
        navigate(href(['audit'], next));
      }}
    >
      <label class="inline">
        DAG
        <input type="search" placeholder="any" {...field('dag_id')} />
      </label>
      <label class="inline">
        User
        <input type="search" placeholder="any" {...field('owner')} />
      </label>
      <label class="inline">
        Action
        <select {...field('event')} onChange={field('event').onInput}>
          <option value="">any</option>
          {props.actions.map((a) => (
            <option value={a}>{a.replace(/_/g, ' ')}</option>
          ))}
        </select>
      </label>
      <label class="inline">
        From
        <select {...field('source')} onChange={field('source').onInput}>
          <option value="">anywhere</option>
          <option value="ui">web UI</option>
          <option value="api">API</option>
          <option value="cli">command line</option>
        </select>
      </label>
      <button type="submit" class="primary">
        Filter
      </button>
      {props.active && <a href={href(['audit'])}>Show all</a>}
    </form>
  );
}

export function AuditView({ params }: { params: URLSearchParams }) {
  const me = useMe();
  const offset = Number(params.get('offset')) || 0;
  const filters: Record<string, string> = {};
  for (const f of FILTERS) filters[f] = params.get(f) ?? '';
  const events = usePoll(
    (s) => get<{ event_logs: AuditEvent[]; total_entries: number }>('/eventLogs' + query({ ...filters, limit: PAGE, offset }), s),
    5000,
    [params.toString()],
  );
  const link = (o: number) => href(['audit'], { ...filters, offset: o || undefined });
  const actions = [...DAG_ACTIONS, ...SETTING_ACTIONS, ...(me.role === 'admin' ? ACCOUNT_ACTIONS : [])];
  const active = FILTERS.some((f) => filters[f]);

  return (
    <>
      <h1>Audit log</h1>
      <p class="small muted">
        Who triggered, cleared, marked, paused or changed what, when and from where: the web UI, the API (a token) or the command line.
        {me.role !== 'admin' && ' Events about users and API tokens are shown to admins only.'}
      </p>
      <FilterForm key={params.toString()} filters={filters} actions={actions} active={active} />
      <ErrorBox error={events.error} />
      {!events.data ? (
        <Loading what="the audit log" />
      ) : (
        <>
          <Table class="audit" data-testid="audit" head={['When (UTC)', 'Who', 'From', 'Action', 'Target', 'Details']}>
            {events.data.event_logs.map((e) => (
              <tr>
                <td class="small nowrap" data-label="When (UTC)">
                  {fmtTime(e.when, 'UTC')}
                </td>
                <td class="small" data-label="Who">
                  {e.owner}
                </td>
                <td class="small" data-label="From">
                  {e.source === 'ui' ? 'web UI' : e.source === 'api' ? 'API' : 'command line'}
                  {e.origin && <div class="muted mono">{e.origin}</div>}
                </td>
                <td class="mono small" data-label="Action">
                  {e.event}
                </td>
                <td class="small" data-label="Target">
                  <Target e={e} />
                </td>
                <td class="small" data-label="Details">
                  <Details extra={e.extra} />
                </td>
              </tr>
            ))}
          </Table>
          <nav class="pager" aria-label="Pages of the audit log">
            <span class="muted small">
              {events.data.total_entries
                ? `${offset + 1}–${offset + events.data.event_logs.length} of ${events.data.total_entries}`
                : active
                  ? 'No events match these filters'
                  : 'No events yet'}
            </span>
            {offset > 0 && <a href={link(Math.max(0, offset - PAGE))}>Newer</a>}
            {offset + PAGE < events.data.total_entries && <a href={link(offset + PAGE)}>Older</a>}
          </nav>
        </>
      )}
    </>
  );
}
