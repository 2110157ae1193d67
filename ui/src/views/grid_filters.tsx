// The grid's filters (Airflow's): runs of one type, runs in one state, and a base date that
// ends the grid at an older day to reach older runs. They live in the address, so a filtered
// grid is a link.
import { href, navigate } from '../router';

export type GridFilters = { run_type?: string; run_state?: string; base_date?: string };

const RUN_TYPES = ['scheduled', 'manual', 'backfill', 'test'];
const RUN_STATES = ['queued', 'running', 'success', 'failed'];

// The filters an address holds; anything else is ignored.
export function gridFiltersOf(params: URLSearchParams): GridFilters {
  const pick = (name: string, allowed: string[]) => {
    const v = params.get(name) ?? '';
    return allowed.includes(v) ? v : undefined;
  };
  const base = params.get('base_date') ?? '';
  return {
    run_type: pick('run_type', RUN_TYPES),
    run_state: pick('run_state', RUN_STATES),
    base_date: /^\d{4}-\d\d-\d\d$/.test(base) ? base : undefined,
  };
}

// The grid API's parameters for them.
export function gridQuery(f: GridFilters) {
  return { run_type: f.run_type, state: f.run_state, base_date: f.base_date };
}

export function GridFilterBar(props: {
  dagId: string;
  tab: string;
  keep: Record<string, string | number | undefined>;
  filters: GridFilters;
}) {
  const { dagId, tab, keep, filters } = props;
  const go = (change: GridFilters) => navigate(href(['dags', dagId, tab], { ...keep, ...filters, ...change, run: undefined }));
  const any = filters.run_type || filters.run_state || filters.base_date;
  return (
    <>
      <label class="inline">
        Run type
        <select
          data-testid="grid-run-type"
          value={filters.run_type ?? ''}
          onChange={(e) => go({ run_type: e.currentTarget.value || undefined })}
        >
          <option value="">any</option>
          {RUN_TYPES.map((t) => (
            <option value={t}>{t}</option>
          ))}
        </select>
      </label>
      <label class="inline">
        Run state
        <select
          data-testid="grid-run-state"
          value={filters.run_state ?? ''}
          onChange={(e) => go({ run_state: e.currentTarget.value || undefined })}
        >
          <option value="">any</option>
          {RUN_STATES.map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
      </label>
      <label class="inline">
        Up to
        <input
          type="date"
          data-testid="grid-base-date"
          value={filters.base_date ?? ''}
          onChange={(e) => go({ base_date: e.currentTarget.value || undefined })}
        />
      </label>
      {any && (
        <a href={href(['dags', dagId, tab], { ...keep, run: undefined, run_type: undefined, run_state: undefined, base_date: undefined })}>
          Clear filters
        </a>
      )}
    </>
  );
}
