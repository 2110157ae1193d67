// Admin > Pools: each pool's slots and, as Airflow shows them, how many its task instances
// hold now (running, queued), how many more wait for it (scheduled) and how many are open,
// with a bar of the slots in use. Ops add, edit and delete pools.
import { useState } from 'preact/hooks';
import { get, patch, post, seg } from '../api';
import { ErrorBox, Field, Loading, Table, useCanEdit } from '../components';
import { usePoll } from '../poll';
import type { Pool } from '../types';
import { EditDialog, RowActions, text } from './admin';

const unlimited = (p: Pool) => p.slots < 0;

// Running then queued slots as parts of the whole pool; the text says the same for a screen
// reader and on hover.
function UsageBar({ p }: { p: Pool }) {
  if (unlimited(p)) return <span class="small muted">unlimited</span>;
  const used = p.running_slots + p.queued_slots;
  const label = `${used} of ${p.slots} slots in use: ${p.running_slots} running, ${p.queued_slots} queued`;
  const w = (n: number) => (p.slots ? (100 * Math.min(n, p.slots)) / p.slots : 0);
  return (
    <svg class="usage" viewBox="0 0 100 10" width="100" height="10" preserveAspectRatio="none" role="img" aria-label={label}>
      <title>{label}</title>
      <rect class="usage-bg" width="100" height="10" rx="2" />
      <rect class="s-running" width={w(p.running_slots)} height="10" />
      <rect class="s-queued" x={w(p.running_slots)} width={w(Math.max(0, used - p.running_slots))} height="10" />
    </svg>
  );
}

export function Pools() {
  const canEdit = useCanEdit();
  const pools = usePoll((s) => get<{ pools: Pool[] }>('/pools?limit=1000', s), 5000, []);
  const [editing, setEditing] = useState<Pool | 'new' | null>(null);
  const p = editing === 'new' ? null : editing;
  return (
    <>
      <p class="small muted">
        A pool limits how many tasks that use it run at once (a task's <code>pool</code> and <code>pool_slots</code>). Running and queued
        task instances hold slots; scheduled ones wait for them.
      </p>
      {canEdit && (
        <button type="button" class="primary" onClick={() => setEditing('new')}>
          Add a pool
        </button>
      )}
      <ErrorBox error={pools.error} />
      {!pools.data ? (
        <Loading what="pools" />
      ) : (
        <Table
          class="cards"
          data-testid="pools"
          head={['Pool', 'Slots', 'Running', 'Queued', 'Scheduled', 'Open', 'In use', 'Description', <span class="sr-only">Actions</span>]}
        >
          {pools.data.pools.map((x) => (
            <tr data-pool={x.name}>
              <td class="mono" data-label="Pool">
                {x.name}
              </td>
              <td data-label="Slots" data-testid="slots">
                {unlimited(x) ? '∞' : x.slots}
              </td>
              <td data-label="Running" data-testid="running">
                {x.running_slots}
              </td>
              <td data-label="Queued" data-testid="queued">
                {x.queued_slots}
              </td>
              <td data-label="Scheduled" data-testid="scheduled">
                {x.scheduled_slots}
              </td>
              <td data-label="Open" data-testid="open">
                {x.open_slots < 0 ? '∞' : x.open_slots}
              </td>
              <td data-label="In use">
                <UsageBar p={x} />
              </td>
              <td class="small" data-label="Description">
                {x.description}
              </td>
              <td class="actions">
                {canEdit && (
                  <RowActions
                    what="pool"
                    name={x.name}
                    path={'/pools/' + seg(x.name)}
                    onEdit={() => setEditing(x)}
                    deletable={x.name !== 'default_pool'}
                  />
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <EditDialog
        title={p ? `Pool ${p.name}` : 'New pool'}
        open={editing !== null}
        onClose={() => setEditing(null)}
        save={(f) => {
          const body = { slots: Number(text(f, 'slots')), description: text(f, 'description') };
          return p ? patch('/pools/' + seg(p.name), body) : post('/pools', { name: text(f, 'name'), ...body });
        }}
      >
        {!p && (
          <Field id="pool-name" label="Name">
            <input id="pool-name" name="name" required class="mono" />
          </Field>
        )}
        <Field id="pool-slots" label="Slots">
          <input id="pool-slots" name="slots" type="number" min={0} step={1} required defaultValue={String(p?.slots ?? 1)} />
        </Field>
        <Field id="pool-desc" label="Description">
          <input id="pool-desc" name="description" defaultValue={p?.description ?? ''} />
        </Field>
      </EditDialog>
    </>
  );
}
