// One lake object (#/lake/object?uri=lake://raw/demo/...): its size, rows, format, checksum,
// ETag, schema version and columns, any warning (schema drift), the source it came from, the
// task instance that wrote it, and every version weir wrote of it, newest first, with when
// each was replaced (GET /lake/history and /lake/objects).
import { get, query } from '../api';
import { ErrorBox, Loading, Table } from '../components';
import { usePoll } from '../poll';
import { href } from '../router';
import { fmtBytes, fmtTime } from '../time';
import type { LakeObject } from '../types';

// The object's page; from anywhere in the UI.
export const objectHref = (uri: string) => href(['lake', 'object'], { uri });

// The task instance (and try) that wrote a version.
export function taskHrefOf(o: LakeObject): string {
  return href(['dags', o.dag_id, 'runs', o.run_id, 'tasks', o.task_id], { try: o.try_number });
}

export function LakeObjectView({ uri }: { uri: string }) {
  const history = usePoll((s) => get<{ versions: LakeObject[] }>('/lake/history' + query({ uri, limit: 1000 }), s), 10000, [uri]);
  const current = usePoll((s) => get<{ objects: LakeObject[] }>('/lake/objects' + query({ prefix: uri, limit: 1000 }), s), 10000, [uri]);
  const versions = history.data?.versions ?? [];
  const now = current.data?.objects.find((o) => o.uri === uri);
  // The current version, else (the object is gone) the newest one weir wrote.
  const o = now ?? versions[0];
  const dataset = o?.dataset ?? '';

  return (
    <>
      <nav class="crumbs small" aria-label="Breadcrumb">
        <a href={href(['lake'])}>Lake</a>
        {dataset && (
          <>
            {' '}
            / <a href={href(['lake', ...dataset.split('/')])}>{dataset}</a>
          </>
        )}
      </nav>
      <h1 class="mono wrap-any">{uri}</h1>
      <ErrorBox error={history.error || current.error} />
      {!history.data || !current.data ? (
        <Loading what="the object" />
      ) : !o ? (
        <p class="muted">weir has written no object at this URI.</p>
      ) : (
        <>
          {!now && (
            <p class="warn-box" role="note">
              No current object at this URI: every version below was replaced.
            </p>
          )}
          {o.warning && (
            <p class="warn-box" role="note" data-testid="object-warning">
              <strong>Warning: </strong>
              {o.warning}
            </p>
          )}
          <dl class="facts" data-testid="object-facts">
            <dt>Size</dt>
            <dd>
              {fmtBytes(o.size)} <span class="muted small">({o.size.toLocaleString()} bytes)</span>
            </dd>
            <dt>Rows</dt>
            <dd>{o.rows?.toLocaleString() ?? '—'}</dd>
            <dt>Format</dt>
            <dd>{o.format || 'other'}</dd>
            <dt>SHA-256</dt>
            <dd class="mono small wrap-any" data-testid="sha256">
              {o.sha256}
            </dd>
            <dt>ETag</dt>
            <dd class="mono small wrap-any">{o.etag || '—'}</dd>
            <dt>Schema</dt>
            <dd>
              {o.schema_version ? (
                <a href={href(['lake', ...o.dataset.split('/')])}>
                  version {o.schema_version} of {o.dataset || "the lake's top level"}
                </a>
              ) : (
                'none'
              )}
            </dd>
            <dt>Stored in</dt>
            <dd class="mono small wrap-any">
              {o.lake}
              {o.key && ` (key ${o.key})`}
            </dd>
            <dt>Source</dt>
            <dd class="mono small wrap-any" data-testid="source">
              {o.source_url || '—'}
            </dd>
            {o.source_etag && (
              <>
                <dt>Source ETag</dt>
                <dd class="mono small wrap-any">{o.source_etag}</dd>
              </>
            )}
            {o.source_last_modified && (
              <>
                <dt>Source modified</dt>
                <dd class="small">{o.source_last_modified}</dd>
              </>
            )}
            <dt>Written by</dt>
            <dd class="wrap-any" data-testid="written-by">
              {o.dag_id ? (
                <a href={taskHrefOf(o)}>
                  {o.dag_id} · {o.run_id} · {o.task_id} · try {o.try_number}
                </a>
              ) : (
                '—'
              )}
            </dd>
            <dt>Written at</dt>
            <dd>{fmtTime(o.created_at)}</dd>
          </dl>
          <h2>Columns</h2>
          {o.columns.length === 0 ? (
            <p class="muted small">Not a table: no columns.</p>
          ) : (
            <table class="small" data-testid="object-columns">
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Type</th>
                </tr>
              </thead>
              <tbody>
                {o.columns.map((c) => (
                  <tr>
                    <td class="mono wrap-any">{c.name}</td>
                    <td class="mono">{c.empty ? <span class="muted">no values</span> : c.type}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Versions</h2>
          <p class="small muted">Every version weir wrote at this URI, newest first; writing it again replaces the one before.</p>
          <Table
            class="cards"
            data-testid="versions"
            head={['Written at', 'Written by', 'Rows', 'Size', 'Schema', 'SHA-256', 'Replaced at']}
          >
            {versions.map((v) => (
              <tr class={v.replaced_at ? '' : 'sel'}>
                <td class="small" data-label="Written at">
                  {fmtTime(v.created_at)}
                </td>
                <td class="small wrap-any" data-label="Written by">
                  {v.dag_id ? (
                    <a href={taskHrefOf(v)}>
                      {v.dag_id} · {v.task_id} · {v.run_id}
                    </a>
                  ) : (
                    ''
                  )}
                </td>
                <td data-label="Rows">{v.rows?.toLocaleString() ?? ''}</td>
                <td class="nowrap" data-label="Size">
                  {fmtBytes(v.size)}
                </td>
                <td data-label="Schema">{v.schema_version ? `v${v.schema_version}` : ''}</td>
                <td class="mono small wrap-any" title={v.sha256} data-label="SHA-256">
                  {v.sha256 && `${v.sha256.slice(0, 12)}…`}
                </td>
                <td class="small" data-label="Replaced at">
                  {v.replaced_at ? fmtTime(v.replaced_at) : <strong>current</strong>}
                </td>
              </tr>
            ))}
          </Table>
        </>
      )}
    </>
  );
}
