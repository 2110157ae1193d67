// Browse (Airflow's menu of the same name): every DAG's runs and task instances in one list,
// filtered by what is in the address (state, run type, DAG, task, logical date from and to),
// a page at a time, with bulk clear and mark for ops. browse_runs.tsx and browse_tasks.tsx
// are the two lists; this file has what they share.
import { useState } from 'preact/hooks';
import { get } from '../api';
import { Tabs } from '../components';
import { usePoll } from '../poll';
import { href, navigate } from '../router';
import type { Dag } from '../types';
import { BrowseRuns } from './browse_runs';
import { BrowseTasks } from './browse_tasks';

export const PAGE = 50;

export type Filter = 'state' | 'run_type' | 'dag_id' | 'task_id' | 'from' | 'to';
const RUN_TYPES = ['scheduled', 'manual', 'backfill', 'test'];

export function BrowseView({ page, params }: { page: string; params: URLSearchParams }) {
  const tabs = [
    { id: 'runs', label: 'DAG runs', href: href(['browse', 'runs']) },
    { id: 'tasks', label: 'Task instances', href: href(['browse', 'tasks']) },
  ];
  return (
    <>
      <h1>Browse</h1>
      <Tabs tabs={tabs} current={page} />
      {/* A new address is a new list: the selection starts empty (key). */}
      {page === 'tasks' ? <BrowseTasks key={params.toString()} params={params} /> : <BrowseRuns key={params.toString()} params={params} />}
    </>
  );
}

// The address's filters as the API's query: a "to" date includes that whole day.
export function apiQuery(params: URLSearchParams, filters: Filter[]): Record<string, string | number> {
  const q: Record<string, string | number> = { limit: PAGE, offset: Number(params.get('offset')) || 0 };
  for (const f of filters) {
    const v = params.get(f) ?? '';
    if (!v) continue;
    if (f === 'from') q.logical_date_gte = v;
    else if (f === 'to') q.logical_date_lte = /^\d{4}-\d\d-\d\d$/.test(v) ? v + 'T23:59:59Z' : v;
    else q[f] = v;
  }
  return q;
}

// The filters as a form whose fields keep what is typed (the list refreshes underneath) until
// Filter puts them in the address.
export function FilterForm(props: { page: string; params: URLSearchParams; filters: Filter[]; states: string[] }) {
  const initial = Object.fromEntries(props.filters.map((f) => [f, props.params.get(f) ?? '']));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const dags = usePoll((s) => get<{ dags: Dag[] }>('/dags?limit=1000', s), 0, []);
  const field = (name: Filter) => ({
    name,
    value: values[name],
    onInput: (e: Event) => setValues({ ...values, [name]: (e.currentTarget as HTMLInputElement).value }),
  });
  const active = props.filters.some((f) => props.params.get(f));
  const has = (f: Filter) => props.filters.includes(f);
  return (
    <form
      class="toolbar browse-filters"
      aria-label="Filters"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(href(['browse', props.page], values));
      }}
    >
      <label class="inline">
        State
        <select {...field('state')} onChange={field('state').onInput}>
          <option value="">any</option>
          {props.states.map((s) => (
            <option value={s}>{s.replace(/_/g, ' ')}</option>
          ))}
        </select>
      </label>
      <label class="inline">
        Run type
        <select {...field('run_type')} onChange={field('run_type').onInput}>
          <option value="">any</option>
          {RUN_TYPES.map((t) => (
            <option value={t}>{t}</option>
          ))}
        </select>
      </label>
      <label class="inline">
        DAG
        <input type="search" placeholder="any" list="browse-dag-ids" {...field('dag_id')} />
      </label>
      <datalist id="browse-dag-ids">
        {(dags.data?.dags ?? []).map((d) => (
          <option value={d.dag_id} />
        ))}
      </datalist>
      {has('task_id') && (
        <label class="inline">
          Task
          <input type="search" placeholder="any" {...field('task_id')} />
        </label>
      )}
      <label class="inline">
        Logical date from
        <input type="date" {...field('from')} />
      </label>
      <label class="inline">
        to
        <input type="date" {...field('to')} />
      </label>
      <button type="submit" class="primary">
        Filter
      </button>
      {active && <a href={href(['browse', props.page])}>Show all</a>}
    </form>
  );
}

// "51–100 of 230" with links to the pages before and after, keeping the filters.
export function Pager(props: { page: string; params: URLSearchParams; shown: number; total: number; what: string }) {
  const offset = Number(props.params.get('offset')) || 0;
  const link = (o: number) => {
    const p = Object.fromEntries(props.params);
    return href(['browse', props.page], { ...p, offset: o || undefined });
  };
  return (
    <nav class="pager" aria-label={`Pages of ${props.what}`}>
      <span class="muted small" data-testid="browse-total">
        {props.total ? `${offset + 1}–${offset + props.shown} of ${props.total}` : `No ${props.what} match`}
      </span>
      {offset > 0 && <a href={link(Math.max(0, offset - PAGE))}>Newer</a>}
      {offset + PAGE < props.total && <a href={link(offset + PAGE)}>Older</a>}
    </nav>
  );
}

// The rows ticked for a bulk change, by key; they stay ticked while the list refreshes.
export function useSelection<T>(keyOf: (t: T) => string) {
  const [picked, setPicked] = useState<Map<string, T>>(new Map());
  const set = (items: T[], on: boolean) => {
    const next = new Map(picked);
    for (const t of items) on ? next.set(keyOf(t), t) : next.delete(keyOf(t));
    setPicked(next);
  };
  return {
    items: [...picked.values()],
    has: (t: T) => picked.has(keyOf(t)),
    set,
    clear: () => setPicked(new Map()),
  };
}

// The header's box that ticks (or unticks) every row of the page.
export function SelectAll<T>(props: { rows: T[]; sel: ReturnType<typeof useSelection<T>>; label: string }) {
  const all = props.rows.length > 0 && props.rows.every(props.sel.has);
  return (
    <input type="checkbox" aria-label={props.label} checked={all} onChange={(e) => props.sel.set(props.rows, e.currentTarget.checked)} />
  );
}

// Groups items by a key, keeping the order they came in.
export function groupBy<T>(items: T[], keyOf: (t: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const t of items) groups.set(keyOf(t), [...(groups.get(keyOf(t)) ?? []), t]);
  return [...groups.values()];
}
