// Admin: variables (op edits them), connections (op; connections.tsx), pools (op; pools.tsx)
// and users (admin).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { del, errorText, get, patch, post, seg } from '../api';
import { ActionButton, Dialog, ErrorBox, Field, Loading, notify, Table, Tabs, useCanEdit, useMe } from '../components';
import { refresh, usePoll } from '../poll';
import { href } from '../router';
import { fmtTime } from '../time';
import type { User, Variable } from '../types';
import { Connections } from './connections';
import { Pools } from './pools';

export function AdminView({ page }: { page: string }) {
  const me = useMe();
  const tabs = [
    { id: 'variables', label: 'Variables', href: href(['admin', 'variables']) },
    { id: 'pools', label: 'Pools', href: href(['admin', 'pools']) },
  ];
  // Viewers do not see connections (hosts and accounts), as in Airflow.
  if (me.role !== 'viewer') tabs.splice(1, 0, { id: 'connections', label: 'Connections', href: href(['admin', 'connections']) });
  if (me.role === 'admin') tabs.push({ id: 'users', label: 'Users', href: href(['admin', 'users']) });
  return (
    <>
      <h1>Admin</h1>
      <Tabs tabs={tabs} current={page} />
      {page === 'variables' && <Variables />}
      {page === 'connections' && <Connections />}
      {page === 'pools' && <Pools />}
      {page === 'users' && (me.role === 'admin' ? <Users /> : <ErrorBox error="Only an admin manages users." />)}
    </>
  );
}

// A form in a dialog: fields are rendered by the caller, submit runs `save`. The fields are
// uncontrolled (defaultValue): the page's live refresh re-renders them without undoing typing.
export function EditDialog(props: {
  title: string;
  open: boolean;
  onClose: () => void;
  save: (form: FormData) => Promise<unknown>;
  children: ComponentChildren;
}) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={props.title} open={props.open} onClose={() => (setError(''), props.onClose())}>
      <form
        class="form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError('');
          try {
            await props.save(new FormData(e.currentTarget));
            notify(`${props.title}: saved`);
            refresh();
            props.onClose();
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        {props.children}
        <ErrorBox error={error} />
        <div class="actions">
          <button class="primary" type="submit" disabled={busy}>
            Save
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export const text = (f: FormData, k: string) => String(f.get(k) ?? '');

function Variables() {
  const canEdit = useCanEdit();
  const vars = usePoll((s) => get<{ variables: Variable[] }>('/variables?limit=1000', s), 10000, []);
  const [editing, setEditing] = useState<Variable | 'new' | null>(null);
  const v = editing === 'new' ? null : editing;
  return (
    <>
      <p class="small muted">
        Templates read them as <code>{'{{ var.value.KEY }}'}</code>. A secret's value is never shown again, here or in logs.
      </p>
      {canEdit && (
        <button type="button" class="primary" onClick={() => setEditing('new')}>
          Add a variable
        </button>
      )}
      <ErrorBox error={vars.error} />
      {!vars.data ? (
        <Loading what="variables" />
      ) : (
        <Table data-testid="variables" head={['Key', 'Value', 'Description', <span class="sr-only">Actions</span>]}>
          {vars.data.variables.map((x) => (
            <tr>
              <td class="mono">{x.key}</td>
              <td class="mono small">{x.is_secret ? <span class="pill">secret ***</span> : x.value}</td>
              <td class="small">{x.description}</td>
              <td class="actions">
                {canEdit && (
                  <>
                    <RowActions what="variable" name={x.key} path={'/variables/' + seg(x.key)} onEdit={() => setEditing(x)} />
                  </>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <EditDialog
        title={v ? `Variable ${v.key}` : 'New variable'}
        open={editing !== null}
        onClose={() => setEditing(null)}
        save={(f) => {
          const body = { value: text(f, 'value'), description: text(f, 'description'), is_secret: f.get('is_secret') === 'on' };
          return v ? patch('/variables/' + seg(v.key), body) : post('/variables', { key: text(f, 'key'), ...body });
        }}
      >
        {!v && (
          <Field id="var-key" label="Key">
            <input id="var-key" name="key" required class="mono" />
          </Field>
        )}
        <Field id="var-value" label={<>Value {v?.is_secret && <span class="muted small">(secret: type the new value)</span>}</>}>
          <textarea id="var-value" name="value" rows={3} class="mono" defaultValue={v && !v.is_secret ? v.value : ''} />
        </Field>
        <Field id="var-desc" label="Description">
          <input id="var-desc" name="description" defaultValue={v?.description ?? ''} />
        </Field>
        <label class="inline">
          <input type="checkbox" name="is_secret" defaultChecked={v?.is_secret ?? false} /> Secret (masked in the UI, the API and logs)
        </label>
      </EditDialog>
    </>
  );
}

const ROLES = ['viewer', 'op', 'admin'];

function Users() {
  const me = useMe();
  const users = usePoll((s) => get<{ users: User[] }>('/users?limit=1000', s), 10000, []);
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const u = editing === 'new' ? null : editing;
  return (
    <>
      <p class="small muted">
        viewer reads everything; op also triggers, clears, pauses and edits variables and pools; admin also manages users.
      </p>
      <button type="button" class="primary" onClick={() => setEditing('new')}>
        Add a user
      </button>
      <ErrorBox error={users.error} />
      {!users.data ? (
        <Loading what="users" />
      ) : (
        <Table data-testid="users" head={['User', 'Role', 'Last login', 'Locked', <span class="sr-only">Actions</span>]}>
          {users.data.users.map((x) => (
            <tr>
              <td class="mono">{x.username}</td>
              <td>{x.role}</td>
              <td class="small">{fmtTime(x.last_login_at) || <span class="muted">never</span>}</td>
              <td class="small">{x.locked_until && new Date(x.locked_until) > new Date() ? `until ${fmtTime(x.locked_until)}` : ''}</td>
              <td class="actions">
                <RowActions
                  what="user"
                  name={x.username}
                  path={'/users/' + seg(x.username)}
                  onEdit={() => setEditing(x)}
                  deletable={x.username !== me.username}
                />
              </td>
            </tr>
          ))}
        </Table>
      )}
      <EditDialog
        title={u ? `User ${u.username}` : 'New user'}
        open={editing !== null}
        onClose={() => setEditing(null)}
        save={(f) => {
          const password = text(f, 'password');
          if (!u) return post('/users', { username: text(f, 'username'), role: text(f, 'role'), password });
          const body: Record<string, string> = { role: text(f, 'role') };
          if (password) body.password = password;
          return patch('/users/' + seg(u.username), body);
        }}
      >
        {!u && (
          <Field id="user-name" label="Username">
            <input id="user-name" name="username" required class="mono" autocomplete="off" />
          </Field>
        )}
        <Field id="user-role" label="Role">
          <select id="user-role" name="role">
            {ROLES.map((r) => (
              <option value={r} selected={r === (u?.role ?? 'viewer')}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="user-password"
          label={<>{u ? 'New password (empty: unchanged; a new one ends their sessions)' : 'Password (8 characters or more)'}</>}
        >
          <input id="user-password" name="password" type="password" autocomplete="new-password" minLength={8} required={!u} />
        </Field>
      </EditDialog>
    </>
  );
}

// Edit and Delete for one row of a list.
export function RowActions(props: { what: string; name: string; path: string; onEdit: () => void; deletable?: boolean }) {
  return (
    <>
      <button type="button" onClick={props.onEdit}>
        Edit
      </button>
      {props.deletable !== false && (
        <ActionButton
          label="Delete"
          kind="danger"
          confirm={`Delete the ${props.what} ${props.name}?`}
          run={() => del(props.path)}
          done={`Deleted ${props.name}`}
        />
      )}
    </>
  );
}
