// The DAG list: schedule in words, next and last run, recent states, pause, search, tags,
// sorting by a column, and a banner with every DAG file that does not load; above the table
// the list's health, in each row its runs and newest tasks counted by state (dags_health). On
// a phone each DAG is a card and the header a row of sort buttons.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, patch, query, seg } from '../api';
import { ErrorBox, Loading, StateDot, Table, Toggle, useCanEdit } from '../components';
import { refresh, usePoll } from '../poll';
import { href, navigate } from '../router';
import { covers, fmtTime } from '../time';
import type { Dag, DagsHealth, ImportError } from '../types';
import { HealthSummary, RunCounts, TaskCounts } from './dags_health';
import { ariaSort, parseSort, sortDags, sortParam, SortButton } from './dags_sort';
import type { Sort, SortKey } from './dags_sort';

// The sortable columns after the pause switch, in order.
const COLUMNS: [SortKey, string][] = [
  ['dag_id', 'DAG'],
  ['owner', 'Owner'],
  ['schedule', 'Schedule'],
  ['next_run', 'Next run'],
  ['last_run', 'Last run'],
  ['state', 'Recent runs'],
];

export function ImportErrorsBanner() {
  const errs = usePoll((s) => get<{ import_errors: ImportError[] }>('/importErrors', s), 5000, []);
  const list = errs.data?.import_errors ?? [];
  if (!list.length) return null;
  return (
    <section class="banner" role="alert" aria-label="Import errors" data-testid="import-errors">
      <h2>
        {list.length} DAG file{list.length > 1 ? 's' : ''} did not load
      </h2>
      <ul>
        {list.map((e) => (
          <li key={e.fileloc}>
            <pre>{e.message}</pre>
          </li>
        ))}
      </ul>
      <p class="small">
        The other DAGs keep running. A DAG whose file loaded before stays listed, marked “import error”, and runs with its last good
        version. Fix the file and weir reloads it within seconds.
      </p>
    </section>
  );
}

export function DagsView({ params }: { params: URLSearchParams }) {
  const search = params.get('search') ?? '';
  // The box keeps its own text (a refresh never undoes typing); the address follows it.
  const [typed, setTyped] = useState(search);
  const typedRef = useRef(search);
  typedRef.current = typed;
  const searchTimer = useRef(0);
  useEffect(() => {
    if (document.activeElement?.getAttribute('type') !== 'search') setTyped(search);
  }, [search]);
  const tags = params.get('tags') ?? '';
  const paused = params.get('paused') ?? '';
  const sort = parseSort(params.get('sort') ?? '');
  const canEdit = useCanEdit();
  const dags = usePoll(
    (s) =>
      get<{ dags: Dag[]; total_entries: number; health?: DagsHealth }>(
        '/dags' + query({ dag_id_pattern: search, tags, paused, limit: 1000 }),
        s,
      ),
    5000,
    [search, tags, paused],
    true,
  );
  const allTags = usePoll((s) => get<{ dags: Dag[] }>('/dags?limit=1000', s), 30000, []);
  const tagSet = [...new Set((allTags.data?.dags ?? []).flatMap((d) => d.tags))].sort();
  // From the address as it is now (a delayed search must not undo a tag chosen meanwhile),
  // with the search box's text as it is now.
  const setParam = (k: string, v: string) => {
    window.clearTimeout(searchTimer.current);
    const now = new URLSearchParams(location.hash.split('?')[1] ?? '');
    const next = {
      tags: now.get('tags') ?? '',
      paused: now.get('paused') ?? '',
      sort: now.get('sort') ?? '',
      search: typedRef.current,
      [k]: v,
    };
    navigate(href(['dags'], next));
  };
  const setSort = (s: Sort) => setParam('sort', sortParam(s));

  return (
    <>
      <ImportErrorsBanner />
      <div class="toolbar">
        <h1>DAGs</h1>
        <input
          type="search"
          placeholder="Search DAGs"
          aria-label="Search DAGs"
          value={typed}
          onInput={(e) => {
            const text = e.currentTarget.value;
            setTyped(text);
            typedRef.current = text;
            window.clearTimeout(searchTimer.current);
            searchTimer.current = window.setTimeout(() => setParam('search', text), 150);
          }}
        />
        <label class="inline">
          Tag
          <select value={tags} onChange={(e) => setParam('tags', e.currentTarget.value)} aria-label="Filter by tag">
            <option value="">all</option>
            {tagSet.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </label>
        <div class="seg" role="group" aria-label="Paused or active">
          {[
            ['', 'All'],
            ['false', 'Active'],
            ['true', 'Paused'],
          ].map(([v, label]) => (
            <button type="button" class={paused === v ? 'on' : ''} aria-pressed={paused === v} onClick={() => setParam('paused', v)}>
              {label}
            </button>
          ))}
        </div>
      </div>
      {dags.data?.health && (
        <HealthSummary
          health={dags.data.health}
          pausedHref={paused === 'true' ? undefined : href(['dags'], { search, tags, sort: params.get('sort') ?? '', paused: 'true' })}
        />
      )}
      <ErrorBox error={dags.error} />
      {!dags.data ? (
        <Loading what="DAGs" />
      ) : dags.data.dags.length === 0 ? (
        <p class="muted" data-testid="no-dags">
          {search || tags || paused
            ? 'No DAG matches these filters.'
            : 'No DAGs yet. Put DAG files (YAML) in the dags folder (dags_folder in weir.yaml): weir loads them within seconds.'}
        </p>
      ) : (
        <Table
          class="dags"
          head={[
            <span class="sr-only">Paused</span>,
            ...COLUMNS.map(([k, label]) => <SortButton label={label} k={k} sort={sort} onSort={setSort} />),
            'Runs',
            'Recent tasks',
          ]}
          sorted={[undefined, ...COLUMNS.map(([k]) => ariaSort(sort, k)), undefined, undefined]}
        >
          {sortDags(dags.data.dags, sort).map((d) => (
            <tr key={d.dag_id} data-dag={d.dag_id} class={d.is_paused ? 'paused' : ''}>
              <td>
                <Toggle
                  on={!d.is_paused}
                  label={d.is_paused ? `Unpause ${d.dag_id}` : `Pause ${d.dag_id}`}
                  disabled={!canEdit}
                  onChange={async (on) => {
                    await patch('/dags/' + seg(d.dag_id), { is_paused: !on });
                    refresh();
                  }}
                />
              </td>
              <td>
                <a class="dag-link" href={href(['dags', d.dag_id, 'grid'])}>
                  {d.dag_id}
                </a>
                {d.has_import_errors && (
                  <>
                    {' '}
                    <a
                      class="pill bad"
                      href={href(['dags', d.dag_id, 'grid'])}
                      title={d.import_error?.message}
                      aria-label={`import error: ${d.dag_id} runs with its last good version`}
                      data-testid="import-error-badge"
                    >
                      import error
                    </a>
                  </>
                )}
                {d.description && <div class="small muted">{d.description}</div>}
                <div class="tags">
                  {d.tags.map((t) => (
                    <button type="button" class="tag" onClick={() => setParam('tags', t)} title={`Only DAGs tagged ${t}`}>
                      {t}
                    </button>
                  ))}
                </div>
              </td>
              <td data-label="Owner">{d.owner}</td>
              <td data-label="Schedule">
                <span title={d.schedule || 'none'}>{d.schedule_description}</span>
              </td>
              <td class="small" data-label="Next run">
                {d.next_run ? (
                  <span title={`covers ${covers(d.next_run.data_interval_start, d.next_run.data_interval_end, d.timezone)} ${d.timezone}`}>
                    {fmtTime(d.next_run.runs_at, d.timezone)}
                  </span>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
              <td class="small" data-label="Last run">
                {d.recent_runs[0] ? (
                  <a href={href(['dags', d.dag_id, 'grid'], { run: d.recent_runs[0].run_id })}>
                    <span class={`state s-${d.recent_runs[0].state}`}>{d.recent_runs[0].state}</span>{' '}
                    {covers(d.recent_runs[0].data_interval_start, d.recent_runs[0].data_interval_end, d.timezone)}
                  </a>
                ) : (
                  <span class="muted">never run</span>
                )}
              </td>
              <td data-label="Recent runs">
                <span class="dots">
                  {d.recent_runs
                    .slice()
                    .reverse()
                    .map((r) => (
                      <StateDot
                        state={r.state}
                        title={`${r.run_id} covers ${covers(r.data_interval_start, r.data_interval_end, d.timezone)}`}
                        href={href(['dags', d.dag_id, 'grid'], { run: r.run_id })}
                      />
                    ))}
                </span>
              </td>
              <td data-label="Runs" data-testid="run-counts">
                <RunCounts counts={d.run_counts} />
              </td>
              <td data-label="Recent tasks" data-testid="task-counts">
                <TaskCounts counts={d.recent_task_counts} />
              </td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}
