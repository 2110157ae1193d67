// Sorting the DAG list by a column: the order is in the address (?sort=next_run, ?sort=-state
// for descending), so a sorted list can be bookmarked.
import type { Dag } from '../types';

export type SortKey = 'dag_id' | 'owner' | 'schedule' | 'next_run' | 'last_run' | 'state';

export interface Sort {
  key: SortKey;
  desc: boolean;
}

const KEYS: SortKey[] = ['dag_id', 'owner', 'schedule', 'next_run', 'last_run', 'state'];

// The first click on a column: the last run newest first, everything else ascending.
const FIRST_DESC: SortKey[] = ['last_run'];

// Failed first: what needs a look comes to the top.
const STATE_RANK: Record<string, number> = { failed: 0, running: 1, queued: 2, success: 3 };

export function parseSort(param: string): Sort {
  const desc = param.startsWith('-');
  const key = param.replace(/^-/, '') as SortKey;
  return KEYS.includes(key) ? { key, desc } : { key: 'dag_id', desc: false };
}

export function sortParam(s: Sort): string {
  return s.key === 'dag_id' && !s.desc ? '' : (s.desc ? '-' : '') + s.key;
}

// The order after clicking `key`: the other direction if it is the current column.
export function nextSort(current: Sort, key: SortKey): Sort {
  return current.key === key ? { key, desc: !current.desc } : { key, desc: FIRST_DESC.includes(key) };
}

// A DAG's value for a column; undefined (never run, no next run) sorts last either way.
function valueOf(d: Dag, key: SortKey): string | number | undefined {
  switch (key) {
    case 'dag_id':
      return d.dag_id;
    case 'owner':
      return d.owner || undefined;
    case 'schedule':
      return d.schedule_description || undefined;
    case 'next_run':
      return d.next_run?.runs_at ? Date.parse(d.next_run.runs_at) : undefined;
    case 'last_run':
      return d.recent_runs[0] ? Date.parse(d.recent_runs[0].data_interval_start) : undefined;
    case 'state':
      return d.recent_runs[0] ? (STATE_RANK[d.recent_runs[0].state] ?? 4) : undefined;
  }
}

export function sortDags(dags: Dag[], s: Sort): Dag[] {
  const cmp = (a: string | number, b: string | number) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
  return dags.slice().sort((x, y) => {
    const a = valueOf(x, s.key);
    const b = valueOf(y, s.key);
    if (a === undefined || b === undefined) {
      if (a !== b) return a === undefined ? 1 : -1;
    } else {
      const c = cmp(a, b);
      if (c) return s.desc ? -c : c;
    }
    return x.dag_id.localeCompare(y.dag_id); // ties in a stable, readable order
  });
}

// What a click sorts by, where the column's name does not say it.
const TITLES: Partial<Record<SortKey, string>> = {
  last_run: 'Sort by the last run (first click: newest first)',
  state: "Sort by the newest run's state (failed first)",
};

// A column header's button; the <th> around it carries aria-sort (see ariaSort).
export function SortButton({ label, k, sort, onSort }: { label: string; k: SortKey; sort: Sort; onSort: (s: Sort) => void }) {
  const on = sort.key === k;
  return (
    <button
      type="button"
      class={'sort' + (on ? ' on' : '')}
      data-sort={k}
      title={TITLES[k] ?? `Sort by ${label.toLowerCase()}`}
      onClick={() => onSort(nextSort(sort, k))}
    >
      {label}
      <span class="sort-arrow" aria-hidden="true">
        {on ? (sort.desc ? '▼' : '▲') : '↕'}
      </span>
    </button>
  );
}

export function ariaSort(sort: Sort, k: SortKey): 'ascending' | 'descending' | undefined {
  return sort.key === k ? (sort.desc ? 'descending' : 'ascending') : undefined;
}
