// The lake catalog: datasets; for one dataset its partitions, objects with the run that wrote
// each, its current schema (the union of its objects' columns, as a table over them reads
// it) and its schema versions (its distinct schemas) with what changed between them. Long
// keys wrap and, on a phone, each dataset and object is a card: no page scrolls sideways. An
// object opens its own page (lake_object.tsx, #/lake/object?uri=...).
import { get, query } from '../api';
import { ErrorBox, Loading, Table } from '../components';
import { usePoll } from '../poll';
import { href } from '../router';
import { ago, fmtBytes, fmtTime } from '../time';
import type { CurrentSchema, Dataset, LakeObject, SchemaVersion } from '../types';
import { LakeObjectView, objectHref, taskHrefOf } from './lake_object';

export function LakeView({ dataset, params }: { dataset: string; params: URLSearchParams }) {
  const uri = params.get('uri');
  if (dataset === 'object' && uri) return <LakeObjectView uri={uri} />;
  return dataset ? <DatasetView dataset={dataset} partition={params.get('partition') ?? ''} /> : <Datasets />;
}

function Datasets() {
  const ds = usePoll((s) => get<{ datasets: Dataset[] }>('/lake/datasets?limit=1000', s), 10000, []);
  return (
    <>
      <h1>Lake</h1>
      <ErrorBox error={ds.error} />
      {!ds.data ? (
        <Loading what="datasets" />
      ) : ds.data.datasets.length === 0 ? (
        <p class="muted">The lake is empty: datasets appear once a task writes to it (lake_put, csv_to_parquet, http_download).</p>
      ) : (
        <Table class="cards" data-testid="datasets" head={['Dataset', 'Objects', 'Rows', 'Size', 'Schema', 'Updated']}>
          {ds.data.datasets.map((d) => (
            <tr>
              <td class="mono wrap-any" data-label="Dataset">
                <a href={href(['lake', ...d.dataset.split('/')])}>{d.dataset}</a>
              </td>
              <td data-label="Objects">{d.objects}</td>
              <td data-label="Rows">{d.rows?.toLocaleString() ?? ''}</td>
              <td class="nowrap" data-label="Size">
                {fmtBytes(d.size)}
              </td>
              <td data-label="Schema">
                v{d.schema_version}
                {d.warnings > 0 && (
                  <span class="pill warn">
                    {d.warnings} warning{d.warnings > 1 ? 's' : ''}
                  </span>
                )}
              </td>
              <td class="small" title={fmtTime(d.updated_at)} data-label="Updated">
                {ago(d.updated_at)}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}

// "year=2021/month=01" from ".../yellow_tripdata/year=2021/month=01/part.parquet".
function partitionOf(uri: string): string {
  return uri
    .split('/')
    .filter((p) => /^[^=]+=[^=]*$/.test(p))
    .join('/');
}

function DatasetView({ dataset, partition }: { dataset: string; partition: string }) {
  const objects = usePoll(
    (s) => get<{ objects: LakeObject[]; total_entries: number }>('/lake/objects' + query({ dataset, limit: 1000 }), s),
    10000,
    [dataset],
  );
  const schema = usePoll(
    (s) => get<{ versions: SchemaVersion[]; current: CurrentSchema }>('/lake/schema' + query({ dataset, limit: 1000 }), s),
    10000,
    [dataset],
  );
  const all = objects.data?.objects ?? [];
  const partitions = new Map<string, { objects: number; rows: number; size: number }>();
  for (const o of all) {
    const p = partitionOf(o.uri);
    const e = partitions.get(p) ?? { objects: 0, rows: 0, size: 0 };
    e.objects++;
    e.rows += o.rows ?? 0;
    e.size += o.size;
    partitions.set(p, e);
  }
  const shown = partition ? all.filter((o) => partitionOf(o.uri) === partition) : all;
  const versions = (schema.data?.versions ?? []).slice().sort((a, b) => b.version - a.version);
  const here = ['lake', ...dataset.split('/')];

  return (
    <>
      <nav class="crumbs small" aria-label="Breadcrumb">
        <a href={href(['lake'])}>Lake</a> / <span class="mono wrap-any">{dataset}</span>
      </nav>
      <h1 class="mono wrap-any">{dataset}</h1>
      <ErrorBox error={objects.error || schema.error} />
      {[...partitions.keys()].some((p) => p) && (
        <>
          <h2>Partitions</h2>
          <div class="chips" role="group" aria-label="Partitions">
            <a class={'chip' + (partition ? '' : ' on')} href={href(here)}>
              all
            </a>
            {[...partitions.entries()].sort().map(([p, e]) => (
              <a
                class={'chip' + (p === partition ? ' on' : '')}
                href={href(here, { partition: p })}
                title={`${e.objects} objects, ${e.rows.toLocaleString()} rows, ${fmtBytes(e.size)}`}
              >
                {p || '(none)'}
              </a>
            ))}
          </div>
        </>
      )}
      <h2>Objects</h2>
      {!objects.data ? (
        <Loading what="objects" />
      ) : (
        <Table class="cards" data-testid="objects" head={['Object', 'Rows', 'Size', 'Schema', 'Written by', 'Source']}>
          {shown.map((o) => (
            <tr>
              <td class="mono small wrap-any" title={`sha256 ${o.sha256}`} data-label="Object">
                <a href={objectHref(o.uri)}>{o.uri}</a>
                {o.warning && <div class="warn small">{o.warning}</div>}
              </td>
              <td data-label="Rows">{o.rows?.toLocaleString() ?? ''}</td>
              <td class="nowrap" data-label="Size">
                {fmtBytes(o.size)}
              </td>
              <td data-label="Schema">v{o.schema_version}</td>
              <td class="small wrap-any" data-label="Written by">
                {o.dag_id ? (
                  <a href={taskHrefOf(o)}>
                    {o.dag_id} · {o.task_id} · {o.run_id}
                  </a>
                ) : (
                  ''
                )}
                <div class="muted">{fmtTime(o.created_at)}</div>
              </td>
              <td class="small mono wrap-any" data-label="Source">
                {o.source_url}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <h2>Current schema</h2>
      {!schema.data ? (
        <Loading what="the schema" />
      ) : (
        <>
          <p class="small muted">
            The columns of every current object together, as a table over them reads them; objects have version
            {schema.data.current.versions.length > 1 ? 's ' : ' '}
            {schema.data.current.versions.map((v) => `v${v}`).join(', ')}.
          </p>
          <table class="small" data-testid="current-schema">
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Type</th>
              </tr>
            </thead>
            <tbody>
              {schema.data.current.columns.map((c) => (
                <tr>
                  <td class="mono wrap-any">{c.name}</td>
                  <td class="mono">
                    {c.type}
                    {c.empty && <span class="muted"> (no values yet)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Schema versions</h2>
      <p class="small muted">Each distinct schema written to the dataset, once: an object with a schema already seen has that version.</p>
      {schema.data &&
        versions.map((v, i) => (
          <SchemaVersionView v={v} previous={versions[i + 1]} open={i === 0} inUse={schema.data!.current.versions.includes(v.version)} />
        ))}
    </>
  );
}

function SchemaVersionView({ v, previous, open, inUse }: { v: SchemaVersion; previous?: SchemaVersion; open: boolean; inUse: boolean }) {
  const before = new Map((previous?.columns ?? []).map((c) => [c.name, c]));
  const now = new Set(v.columns.map((c) => c.name));
  const removed = previous ? previous.columns.filter((c) => !now.has(c.name)) : [];
  return (
    <details class="schema" open={open || undefined} data-testid={`schema-v${v.version}`}>
      <summary>
        <strong>v{v.version}</strong>{' '}
        <span class="muted small">
          {fmtTime(v.created_at)}, policy {v.policy}
        </span>{' '}
        {v.change ? <span>· {v.change}</span> : <span class="muted">· first version</span>}
        {!inUse && <span class="muted small"> · no current object has it</span>}
      </summary>
      <p class="small muted wrap-any">
        First written as <span class="mono">{v.first_uri}</span>
      </p>
      <table class="small">
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {v.columns.map((c) => {
            const was = before.get(c.name);
            // A column without values has no type to compare.
            const change = !previous
              ? ''
              : was === undefined
                ? 'added'
                : !was.empty && !c.empty && was.type !== c.type
                  ? `was ${was.type}`
                  : '';
            return (
              <tr class={change ? (was === undefined ? 'added' : 'changed') : ''}>
                <td class="mono wrap-any">{c.name}</td>
                <td class="mono">{c.empty ? <span class="muted">no values</span> : c.type}</td>
                <td>{change}</td>
              </tr>
            );
          })}
          {removed.map((c) => (
            <tr class="removed">
              <td class="mono wrap-any">{c.name}</td>
              <td class="mono">{c.type}</td>
              <td>removed</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
