// Admin > Connections (op and admin): Airflow's connections with a form per type. Secrets are
// write-only: the API never returns them, an edit leaves a secret field empty to keep it
// (sent as ***), and typing a value replaces it.
import { useState } from 'preact/hooks';
import { errorText, get, patch, post, seg } from '../api';
import { ErrorBox, Field, Loading, notify, Table, useCanEdit } from '../components';
import { usePoll } from '../poll';
import type { Connection } from '../types';
import { EditDialog, RowActions, text } from './admin';

interface FieldDef {
  name: string; // a top-level field (host, login, password, schema, port) or extra.<key>
  label: string;
  secret?: boolean;
  textarea?: boolean;
  json?: boolean; // an extra field whose value is JSON (headers, keyfile_dict)
}

const COMMON: FieldDef[] = [
  { name: 'host', label: 'Host' },
  { name: 'port', label: 'Port' },
  { name: 'schema', label: 'Schema' },
  { name: 'login', label: 'Login' },
  { name: 'password', label: 'Password', secret: true },
];

// The fields each type's hooks read, under the names Airflow's providers use.
const TYPES: Record<string, FieldDef[]> = {
  aws: [
    { name: 'login', label: 'Access key ID' },
    { name: 'password', label: 'Secret access key', secret: true },
    { name: 'extra.region_name', label: 'Region' },
    { name: 'extra.endpoint_url', label: 'Endpoint URL (MinIO, R2, Ceph, GCS interop)' },
    { name: 'extra.aws_session_token', label: 'Session token', secret: true },
  ],
  google_cloud_platform: [
    { name: 'extra.project', label: 'Project' },
    { name: 'extra.key_path', label: 'Key file path (service account or authorized_user)' },
    { name: 'extra.keyfile_dict', label: 'Service-account key (JSON)', secret: true, textarea: true, json: true },
    { name: 'extra.token_uri', label: 'Token URI (override)' },
    { name: 'extra.endpoint_url', label: 'Cloud Storage endpoint (for an emulator)' },
    { name: 'extra.bigquery_endpoint_url', label: 'BigQuery endpoint (for a test server)' },
  ],
  azure_blob: [
    { name: 'login', label: 'Account name' },
    { name: 'password', label: 'Account key', secret: true },
    { name: 'host', label: 'Blob endpoint (for an emulator)' },
    { name: 'extra.sas_token', label: 'SAS token', secret: true },
    { name: 'extra.connection_string', label: 'Connection string', secret: true },
  ],
  http: [
    { name: 'host', label: 'Base URL' },
    { name: 'login', label: 'Login (basic auth)' },
    { name: 'password', label: 'Password or bearer token', secret: true },
    { name: 'extra.headers', label: 'Headers (JSON object)', textarea: true, json: true },
  ],
  postgres: COMMON,
};
const TYPE_NAMES = [...Object.keys(TYPES), 'other'];

function fieldsOf(type: string): FieldDef[] {
  return TYPES[type] ?? COMMON;
}

function currentValue(c: Connection | null, f: FieldDef): string {
  if (!c || f.secret) return '';
  if (f.name.startsWith('extra.')) {
    const v = c.extra[f.name.slice(6)];
    if (v === undefined) return '';
    return f.json || typeof v !== 'string' ? JSON.stringify(v, null, 2) : v;
  }
  const v = (c as unknown as Record<string, unknown>)[f.name];
  return v === null || v === undefined ? '' : String(v);
}

function isSet(c: Connection | null, f: FieldDef): boolean {
  if (!c) return false;
  if (f.name === 'password') return c.password_set;
  return f.name.startsWith('extra.') && c.extra[f.name.slice(6)] !== undefined;
}

// The API's body from the form: typed fields over the free-form extra.
function bodyOf(form: FormData, type: string, c: Connection | null): Record<string, unknown> {
  const fields = fieldsOf(type);
  const rest = text(form, 'extra_rest').trim();
  let extra: Record<string, unknown> = {};
  if (rest) {
    const parsed: unknown = JSON.parse(rest);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('Other extra fields must be a JSON object');
    extra = parsed as Record<string, unknown>;
  }
  const body: Record<string, unknown> = {
    conn_type: type === 'other' ? text(form, 'conn_type_other') : type,
    description: text(form, 'description'),
  };
  for (const f of fields) {
    let value: unknown = text(form, f.name);
    if (value === '') {
      if (f.secret && isSet(c, f))
        value = '***'; // keep the stored secret
      else if (!f.name.startsWith('extra.')) value = f.name === 'port' ? null : '';
      else continue;
    } else if (f.json) {
      try {
        value = JSON.parse(value as string);
      } catch {
        throw new Error(`${f.label}: not JSON`);
      }
    } else if (f.name === 'port') {
      value = Number(value);
    }
    if (f.name.startsWith('extra.')) extra[f.name.slice(6)] = value;
    else body[f.name] = value;
  }
  body.extra = extra;
  return body;
}

// The extra fields the type's form does not show, as JSON (secrets stay ***).
function restOf(c: Connection | null, type: string): string {
  if (!c) return '';
  const shown = new Set(fieldsOf(type).map((f) => f.name));
  const rest = Object.fromEntries(Object.entries(c.extra).filter(([k]) => !shown.has('extra.' + k)));
  return Object.keys(rest).length ? JSON.stringify(rest, null, 2) : '';
}

// Runs the type's check on the server (one harmless request) and says what it saw.
function TestButton({ id }: { id: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          const r = await post<{ status: boolean; message: string }>('/connections/' + seg(id) + '/test');
          notify(`${id}: ${r.status ? 'works' : 'failed'}: ${r.message}`, !r.status);
        } catch (err) {
          notify(`${id}: ${errorText(err)}`, true);
        } finally {
          setBusy(false);
        }
      }}
    >
      Test
    </button>
  );
}

export function Connections() {
  const canEdit = useCanEdit();
  const conns = usePoll((s) => get<{ connections: Connection[] }>('/connections?limit=1000', s), 10000, []);
  const [editing, setEditing] = useState<Connection | 'new' | null>(null);
  const c = editing === 'new' ? null : editing;
  const [type, setType] = useState('aws');
  const open = (x: Connection | 'new') => {
    setType(x === 'new' ? 'aws' : x.conn_type in TYPES ? x.conn_type : 'other');
    setEditing(x);
  };
  return (
    <>
      <p class="small muted">
        Templates read them as <code>{'{{ conn.ID.host }}'}</code>; <code>WEIR_CONN_ID</code> variables define them too and win. Passwords
        and secret fields are sealed at rest and never shown again.
      </p>
      {canEdit && (
        <button type="button" class="primary" onClick={() => open('new')}>
          Add a connection
        </button>
      )}
      <ErrorBox error={conns.error} />
      {!conns.data ? (
        <Loading what="connections" />
      ) : (
        <Table data-testid="connections" head={['Id', 'Type', 'Host', 'Login', 'Secrets', 'Source', <span class="sr-only">Actions</span>]}>
          {conns.data.connections.map((x) => (
            <tr>
              <td class="mono">{x.connection_id}</td>
              <td class="mono small">{x.conn_type}</td>
              <td class="mono small">{x.host}</td>
              <td class="mono small">{x.login}</td>
              <td class="small">{x.password_set ? <span class="pill">password ***</span> : ''}</td>
              <td class="small">{x.source}</td>
              <td class="actions">
                {canEdit && <TestButton id={x.connection_id} />}
                {canEdit && x.source === 'database' && (
                  <RowActions
                    what="connection"
                    name={x.connection_id}
                    path={'/connections/' + seg(x.connection_id)}
                    onEdit={() => open(x)}
                  />
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <EditDialog
        title={c ? `Connection ${c.connection_id}` : 'New connection'}
        open={editing !== null}
        onClose={() => setEditing(null)}
        save={async (f) => {
          const body = bodyOf(f, type, c);
          return c
            ? patch('/connections/' + seg(c.connection_id), body)
            : post('/connections', { connection_id: text(f, 'connection_id'), ...body });
        }}
      >
        {!c && (
          <Field id="conn-id" label="Id">
            <input id="conn-id" name="connection_id" required class="mono" />
          </Field>
        )}
        <Field id="conn-type" label="Type">
          <select id="conn-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            {TYPE_NAMES.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </Field>
        {type === 'other' && (
          <Field id="conn-type-other" label="Type name">
            <input id="conn-type-other" name="conn_type_other" required class="mono" defaultValue={c?.conn_type ?? ''} />
          </Field>
        )}
        {fieldsOf(type).map((f) => {
          const id = 'conn-' + f.name.replace('.', '-');
          const hint = f.secret ? (isSet(c, f) ? 'Set: leave empty to keep it, type to replace it.' : 'Not set.') : undefined;
          return (
            <Field key={type + f.name} id={id} label={f.label} hint={hint}>
              {f.textarea ? (
                <textarea id={id} name={f.name} rows={4} class="mono" defaultValue={currentValue(c, f)} autocomplete="off" />
              ) : (
                <input
                  id={id}
                  name={f.name}
                  class="mono"
                  type={f.secret ? 'password' : 'text'}
                  defaultValue={currentValue(c, f)}
                  autocomplete="off"
                />
              )}
            </Field>
          );
        })}
        <Field id="conn-extra" label="Other extra fields (JSON object)">
          <textarea id="conn-extra" name="extra_rest" rows={3} class="mono" defaultValue={restOf(c, type)} />
        </Field>
        <Field id="conn-desc" label="Description">
          <input id="conn-desc" name="description" defaultValue={c?.description ?? ''} />
        </Field>
      </EditDialog>
    </>
  );
}
