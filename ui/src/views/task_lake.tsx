// On a task instance's page: the lake objects it wrote ("Wrote: lake://..."), each a link to
// its page, and a warning notice for each one published with a warning (schema drift under
// schema_policy warn). The URIs to look under come from the task's rendered arguments and
// XCom (lake_put's `target`, its XCom's `uri`), so a task that names no lake asks nothing.
import { get, query } from '../api';
import { usePoll } from '../poll';
import type { LakeObject, TaskInstanceDetail } from '../types';
import { objectHref } from './lake_object';

// The most objects listed by name; the rest are counted.
const SHOWN = 20;

// Every string in the values that names a place in a lake (lake://raw/demo/, file:///...),
// without those under another one found (a prefix covers them).
export function lakePrefixes(values: unknown[]): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 8 || found.size >= 20) return;
    if (typeof v === 'string') {
      if (/^(lake|file):\/\/\S+$/.test(v)) found.add(v);
    } else if (Array.isArray(v)) {
      v.forEach((x) => walk(x, depth + 1));
    } else if (v && typeof v === 'object') {
      Object.values(v).forEach((x) => walk(x, depth + 1));
    }
  };
  values.forEach((v) => walk(v, 0));
  const all = [...found].sort();
  return all.filter((p) => !all.some((q) => q !== p && p.startsWith(q)));
}

export function TaskLakeObjects({ ti }: { ti: TaskInstanceDetail }) {
  const prefixes = lakePrefixes([ti.xcom, ...ti.tries.map((x) => x.rendered_args)]);
  const objects = usePoll(
    async (s) => {
      const byUri = new Map<string, LakeObject>();
      for (const prefix of prefixes) {
        const page = await get<{ objects: LakeObject[] }>('/lake/objects' + query({ prefix, limit: 1000 }), s);
        for (const o of page.objects) byUri.set(o.uri, o);
      }
      return [...byUri.values()].filter((o) => o.dag_id === ti.dag_id && o.run_id === ti.run_id && o.task_id === ti.task_id);
    },
    5000,
    [ti.dag_id, ti.run_id, ti.task_id, prefixes.join('\n')],
    true,
  );
  const wrote = prefixes.length ? (objects.data ?? []) : [];
  if (!wrote.length) return null;
  return (
    <>
      {wrote
        .filter((o) => o.warning)
        .map((o) => (
          <div class="warn-box wrap-any" role="note" data-testid="lake-warning">
            <strong>Warning</strong> on <a href={objectHref(o.uri)}>{o.uri}</a>: {o.warning}
          </div>
        ))}
      <p class="wrote wrap-any" data-testid="wrote">
        <strong>Wrote: </strong>
        {wrote.slice(0, SHOWN).map((o, i) => (
          <>
            {i > 0 && ', '}
            <a class="mono" href={objectHref(o.uri)}>
              {o.uri}
            </a>
          </>
        ))}
        {wrote.length > SHOWN && ` and ${wrote.length - SHOWN} more`}
      </p>
    </>
  );
}
