// The form that creates or edits a transfer job, in the Transfer Service console's sections:
// name, source, sink, conditions, options, schedule. Every change is checked by the server
// (POST /transfers/validate, 300 ms after the last keystroke): its message shows beside the
// field it names, and Create (Save) waits until the job is valid. Empty inputs are left out.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { errorText, get, patch, post, transferPath, validateTransfer } from '../api';
import { ErrorBox, Field, Loading, notify, useCanEdit } from '../components';
import { refresh, usePoll } from '../poll';
import { href, navigate } from '../router';
import type { Connection, TransferJob, TransferListing, TransferSchedule, TransferSpec, TransferValidation } from '../types';
import { durationText } from './transfers';

interface FormState {
  name: string;
  description: string;
  kind: 'store' | 'url_list';
  source: string;
  url_list: string;
  source_conn_id: string;
  manifest: string;
  sink: string;
  sink_conn_id: string;
  include_prefixes: string; // one a line
  exclude_prefixes: string;
  min_time_elapsed_since_last_modification: string;
  max_time_elapsed_since_last_modification: string;
  last_modified_since: string;
  last_modified_before: string;
  overwrite_when: string; // "" leaves it unset
  delete_objects_unique_in_sink: boolean;
  delete_objects_from_source_after_transfer: boolean;
  dry_run: boolean;
  max_deletes: string;
  parallelism: string;
  bandwidth_limit: string;
  max_failures: string;
  scheduled: boolean;
  schedule_start_date: string;
  schedule_end_date: string;
  start_time_of_day: string;
  end_time_of_day: string;
  repeat_interval: string;
  paused: boolean; // create only: the job's DAG starts paused
}

type TextField = { [K in keyof FormState]: FormState[K] extends string ? K : never }[keyof FormState];
type BoolField = { [K in keyof FormState]: FormState[K] extends boolean ? K : never }[keyof FormState];

const SCHEDULE_FIELDS = ['schedule_start_date', 'schedule_end_date', 'start_time_of_day', 'end_time_of_day', 'repeat_interval'] as const;

function initial(job?: TransferListing): FormState {
  const s: TransferSpec = job?.transfer_spec ?? {};
  const sc: Partial<TransferSchedule> = job?.schedule ?? {};
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    name: job?.name ?? '',
    description: job?.description ?? '',
    kind: s.url_list ? 'url_list' : 'store',
    source: str(s.source),
    url_list: str(s.url_list),
    source_conn_id: str(s.source_conn_id),
    manifest: str(s.manifest),
    sink: str(s.sink),
    sink_conn_id: str(s.sink_conn_id),
    include_prefixes: (s.include_prefixes ?? []).join('\n'),
    exclude_prefixes: (s.exclude_prefixes ?? []).join('\n'),
    min_time_elapsed_since_last_modification: durationText(s.min_time_elapsed_since_last_modification),
    max_time_elapsed_since_last_modification: durationText(s.max_time_elapsed_since_last_modification),
    last_modified_since: str(s.last_modified_since),
    last_modified_before: str(s.last_modified_before),
    overwrite_when: str(s.overwrite_when),
    delete_objects_unique_in_sink: !!s.delete_objects_unique_in_sink,
    delete_objects_from_source_after_transfer: !!s.delete_objects_from_source_after_transfer,
    dry_run: !!s.dry_run,
    max_deletes: str(s.max_deletes),
    parallelism: str(s.parallelism),
    bandwidth_limit: str(s.bandwidth_limit),
    max_failures: str(s.max_failures),
    scheduled: !!job?.schedule,
    schedule_start_date: str(sc.schedule_start_date),
    schedule_end_date: str(sc.schedule_end_date),
    start_time_of_day: str(sc.start_time_of_day),
    end_time_of_day: str(sc.end_time_of_day),
    repeat_interval: durationText(sc.repeat_interval),
    paused: false,
  };
}

// A whole number as a number, anything else as typed (the server says what is wrong with it).
const count = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);

// The job the form describes, with only the fields the user set.
function jobOf(f: FormState): TransferJob {
  const spec: Record<string, unknown> = {};
  const put = (k: TextField, convert: (v: string) => unknown = (v) => v) => {
    const v = f[k].trim();
    if (v) spec[k] = convert(v);
  };
  const lines = (k: 'include_prefixes' | 'exclude_prefixes') => {
    const list = f[k].split('\n').map((l) => l.replace(/\r$/, ''));
    if (list.some((l) => l.trim())) spec[k] = list.filter((l) => l.trim());
  };
  if (f.kind === 'store') {
    put('source');
    put('manifest');
  } else {
    put('url_list');
  }
  put('source_conn_id');
  put('sink');
  put('sink_conn_id');
  lines('include_prefixes');
  lines('exclude_prefixes');
  put('min_time_elapsed_since_last_modification');
  put('max_time_elapsed_since_last_modification');
  put('last_modified_since');
  put('last_modified_before');
  put('overwrite_when');
  for (const k of ['delete_objects_unique_in_sink', 'delete_objects_from_source_after_transfer', 'dry_run'] as const) {
    if (f[k]) spec[k] = true;
  }
  put('max_deletes');
  put('parallelism', count);
  put('bandwidth_limit', count);
  put('max_failures', count);
  const job: TransferJob = { name: f.name.trim(), transfer_spec: spec as TransferSpec };
  if (f.description.trim()) job.description = f.description.trim();
  if (f.scheduled) {
    const s: Record<string, string> = {};
    for (const k of SCHEDULE_FIELDS) if (f[k].trim()) s[k] = f[k].trim();
    job.schedule = s as unknown as TransferSchedule;
  }
  return job;
}

// The fields the form shows now: an error about one of them shows beside it, others on top.
function shownFields(f: FormState): string[] {
  const out = ['name', 'description', f.kind === 'store' ? 'source' : 'url_list', 'source_conn_id', 'sink', 'sink_conn_id'];
  if (f.kind === 'store') out.push('manifest');
  out.push(
    'include_prefixes',
    'exclude_prefixes',
    'min_time_elapsed_since_last_modification',
    'max_time_elapsed_since_last_modification',
    'last_modified_since',
    'last_modified_before',
    'overwrite_when',
    'delete_objects_unique_in_sink',
    'delete_objects_from_source_after_transfer',
    'dry_run',
    'max_deletes',
    'parallelism',
    'bandwidth_limit',
    'max_failures',
  );
  if (f.scheduled) out.push(...SCHEDULE_FIELDS);
  return out;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// A JSON merge patch (RFC 7386) that turns `stored` into `next`: next's fields, and null for
// each field stored has and next has not.
function wholePatch(stored: Json, next: Json): Json {
  const out: Json = { ...next };
  for (const [k, v] of Object.entries(stored)) {
    if (!(k in next)) out[k] = null;
    else if (isObject(v) && isObject(next[k])) out[k] = wholePatch(v, next[k] as Json);
  }
  return out;
}

// The route #/transfers/<name>/edit: the job, then the form filled with it.
export function TransferEditView({ name }: { name: string }) {
  const job = usePoll((s) => get<TransferListing>(transferPath(name) + '?limit_runs=1', s), 0, [name]);
  if (job.error) return <ErrorBox error={job.error} />;
  if (!job.data) return <Loading what={name} />;
  return <TransferForm key={name} job={job.data} />;
}

export function TransferForm({ job }: { job?: TransferListing }) {
  const canEdit = useCanEdit();
  const create = !job;
  const [form, setForm] = useState<FormState>(() => initial(job));
  // A new form says nothing until the user types; an edited one is checked at once.
  const [touched, setTouched] = useState(!create);
  const [check, setCheck] = useState<{ key: string; result: TransferValidation } | null>(null);
  const [checkError, setCheckError] = useState('');
  const [saveError, setSaveError] = useState('');
  const [busy, setBusy] = useState(false);
  const conns = usePoll(
    (s) => (canEdit ? get<{ connections: Connection[] }>('/connections?limit=1000', s) : Promise.resolve(undefined)),
    0,
    [canEdit],
  );

  const body = jobOf(form);
  const key = JSON.stringify(body);
  useEffect(() => {
    if (!touched || !canEdit) return;
    const ctl = new AbortController();
    const timer = window.setTimeout(() => {
      validateTransfer(JSON.parse(key) as TransferJob, create, ctl.signal).then(
        (result) => {
          setCheck({ key, result });
          setCheckError('');
        },
        (e) => {
          if (!ctl.signal.aborted) setCheckError(errorText(e));
        },
      );
    }, 300);
    return () => {
      window.clearTimeout(timer);
      ctl.abort();
    };
  }, [key, touched, canEdit]);

  if (!canEdit) return <ErrorBox error="Only an op or an admin creates and edits transfer jobs." />;

  // The last answer stays shown while the next is on its way; only the current one allows saving.
  const shown = check?.result;
  const valid = check?.key === key && shown?.valid === true;
  const invalid = shown && !shown.valid ? shown : null;
  const visible = shownFields(form);
  const errorOf = (field: string) => (invalid && invalid.field === field ? invalid.message : '');
  const topError = invalid && !visible.includes(invalid.field) ? invalid.message : '';

  const set = (changes: Partial<FormState>) => {
    setForm((f) => ({ ...f, ...changes }));
    setTouched(true);
  };
  const errorId = (field: string) => `tf-${field}-error`;
  // An input's attributes: its id, value, what describes it and whether it is invalid.
  const bind = (k: TextField) => ({
    id: 'tf-' + k,
    name: k,
    value: form[k],
    onInput: (e: Event) => set({ [k]: (e.currentTarget as HTMLInputElement).value } as Partial<FormState>),
    'aria-invalid': errorOf(k) ? ('true' as const) : undefined,
    'aria-describedby': errorOf(k) ? errorId(k) : undefined,
  });
  const fieldError = (field: string) =>
    errorOf(field) ? (
      <p class="field-error" id={errorId(field)} data-testid={'error-' + field}>
        {errorOf(field)}
      </p>
    ) : null;
  const text = (k: TextField, label: ComponentChildren, hint?: string, extra: Record<string, unknown> = {}) => (
    <Field id={'tf-' + k} label={label} hint={hint}>
      <input {...bind(k)} class="mono" autocomplete="off" {...extra} />
      {fieldError(k)}
    </Field>
  );
  const checkbox = (k: BoolField, label: ComponentChildren, hint?: string) => (
    <div class="tf-check">
      <label class="inline">
        <input
          type="checkbox"
          name={k}
          checked={form[k]}
          onChange={(e) => set({ [k]: e.currentTarget.checked } as Partial<FormState>)}
          aria-invalid={errorOf(k) ? 'true' : undefined}
          aria-describedby={errorOf(k) ? errorId(k) : undefined}
        />{' '}
        {label}
      </label>
      {hint && <div class="small muted">{hint}</div>}
      {fieldError(k)}
    </div>
  );
  const conn = (k: 'source_conn_id' | 'sink_conn_id', label: string) => {
    const ids = (conns.data?.connections ?? []).map((c) => c.connection_id);
    if (form[k] && !ids.includes(form[k])) ids.unshift(form[k]);
    return (
      <Field
        id={'tf-' + k}
        label={label}
        hint="Empty: the scheme's default (aws_default, google_cloud_default, wasb_default; lake_conn_id for lake://)."
      >
        {conns.error ? (
          <input {...bind(k)} class="mono" autocomplete="off" />
        ) : (
          <select {...bind(k)} onChange={bind(k).onInput}>
            <option value="">default</option>
            {ids.map((id) => (
              <option value={id}>{id}</option>
            ))}
          </select>
        )}
        {fieldError(k)}
      </Field>
    );
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!valid) return;
    setBusy(true);
    setSaveError('');
    try {
      if (job) {
        const stored: Json = { transfer_spec: job.transfer_spec };
        if (job.description) stored.description = job.description;
        if (job.schedule) stored.schedule = job.schedule;
        const p = wholePatch(stored, body as unknown as Json);
        if (!form.scheduled) p.schedule = null;
        await patch(transferPath(job.name), p);
        notify(`Transfer job ${job.name} saved`);
      } else {
        await post('/transfers', form.paused ? { ...body, paused: true } : body);
        notify(`Transfer job ${body.name} created`);
      }
      refresh();
      navigate(href(['transfers', body.name]));
    } catch (err) {
      setSaveError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const back = job ? href(['transfers', job.name]) : href(['transfers']);
  return (
    <>
      <nav class="crumbs small" aria-label="Breadcrumb">
        <a href={href(['transfers'])}>Transfers</a>
        {job && (
          <>
            {' '}
            / <a href={back}>{job.name}</a>
          </>
        )}
      </nav>
      <h1>{job ? `Edit ${job.name}` : 'Create a transfer job'}</h1>
      <form
        class="form transfer-form"
        onSubmit={submit}
        aria-label={job ? `Edit transfer job ${job.name}` : 'Create a transfer job'}
        noValidate
      >
        <div aria-live="polite">
          {topError && (
            <div class="error" data-testid="form-error">
              {topError}
            </div>
          )}
          {checkError && <div class="error">Cannot check the job: {checkError}</div>}
        </div>

        <fieldset class="tf-section">
          <legend>Name and description</legend>
          {job ? (
            <p class="small">
              Name <span class="mono">{job.name}</span> <span class="muted">(a job's name is its DAG's id: it cannot change)</span>
            </p>
          ) : (
            text('name', 'Name', "Also the id of the job's DAG: letters, digits, '_', '.', '-'. It cannot change later.", {
              required: true,
            })
          )}
          {text('description', 'Description (optional)')}
        </fieldset>

        <fieldset class="tf-section">
          <legend>Source</legend>
          <fieldset class="tf-radios">
            <legend>Kind of source</legend>
            <label class="inline">
              <input type="radio" name="kind" value="store" checked={form.kind === 'store'} onChange={() => set({ kind: 'store' })} /> A
              bucket or folder
            </label>
            <label class="inline">
              <input
                type="radio"
                name="kind"
                value="url_list"
                checked={form.kind === 'url_list'}
                onChange={() => set({ kind: 'url_list' })}
              />{' '}
              A list of URLs (TsvHttpData-1.0)
            </label>
          </fieldset>
          {form.kind === 'store'
            ? text(
                'source',
                'Source URI',
                'A folder of a store, ending in /: s3://bucket/raw/, gs://bucket/path/, az://container/path/, lake://prefix/, file:///absolute/folder/.',
                { placeholder: 's3://bucket/raw/' },
              )
            : text(
                'url_list',
                'URL list location',
                'A TsvHttpData-1.0 file at an http(s):// URL, a file:/// path or in a store (s3://bucket/urls.tsv). Conditions do not apply to it.',
                { placeholder: 'https://example.com/urls.tsv' },
              )}
          {conn('source_conn_id', 'Source connection')}
          {form.kind === 'store' &&
            text(
              'manifest',
              'Manifest (optional)',
              "A CSV whose first column names the objects to transfer, relative to the source's path (where it is: as a URL list).",
            )}
        </fieldset>

        <fieldset class="tf-section">
          <legend>Sink</legend>
          {text('sink', 'Sink URI', 'A folder of a store, ending in /, that does not overlap the source.', {
            placeholder: 'gs://archive/raw/',
          })}
          {conn('sink_conn_id', 'Sink connection')}
        </fieldset>

        <fieldset class="tf-section">
          <legend>Conditions</legend>
          <p class="small muted">Which objects of the source to consider. Keys are relative to the source's path.</p>
          <div class="tf-grid">
            <Field
              id="tf-include_prefixes"
              label="Include prefixes"
              hint="One a line; a key must start with one of them (2024/, not /2024/)."
            >
              <textarea {...bind('include_prefixes')} rows={3} class="mono" />
              {fieldError('include_prefixes')}
            </Field>
            <Field id="tf-exclude_prefixes" label="Exclude prefixes" hint="One a line; a key must start with none of them.">
              <textarea {...bind('exclude_prefixes')} rows={3} class="mono" />
              {fieldError('exclude_prefixes')}
            </Field>
            {text(
              'min_time_elapsed_since_last_modification',
              'Minimum age',
              'Only objects at least this old when the transfer starts: 1h, 7d.',
            )}
            {text('max_time_elapsed_since_last_modification', 'Maximum age', 'Only objects younger than this.')}
            {text('last_modified_since', 'Modified since', 'At or after this time, UTC: 2021-01-01T00:00:00Z.')}
            {text('last_modified_before', 'Modified before', 'Before this time, UTC.')}
          </div>
        </fieldset>

        <fieldset class="tf-section">
          <legend>Options</legend>
          <Field id="tf-overwrite_when" label="When to overwrite an object the sink has">
            <select {...bind('overwrite_when')} onChange={bind('overwrite_when').onInput}>
              <option value="">unset (different)</option>
              <option value="different">different: when the content differs</option>
              <option value="never">never: keep the sink's</option>
              <option value="always">always</option>
            </select>
            {fieldError('overwrite_when')}
          </Field>
          {checkbox('delete_objects_unique_in_sink', 'Delete objects that only the sink has (a mirror)')}
          {checkbox('delete_objects_from_source_after_transfer', 'Delete each object from the source once the sink holds it (a move)')}
          {checkbox('dry_run', 'Dry run', 'Report what would be copied, skipped and deleted; change nothing.')}
          <div class="tf-grid">
            {text('max_deletes', 'Most deletions', 'A count (100) or a share (10%) of the objects on the side that deletes.')}
            {text('parallelism', 'Parallelism', 'Objects in flight at once, 1 to 64; default 16.', { inputMode: 'numeric' })}
            {text('bandwidth_limit', 'Bandwidth limit', 'Bytes per second over all copies: 10MB, 50MiB. Default: no limit.')}
            {text('max_failures', 'Failures allowed', 'Objects that may fail before the task does; default 0.', { inputMode: 'numeric' })}
          </div>
        </fieldset>

        <fieldset class="tf-section">
          <legend>Schedule (UTC)</legend>
          <label class="inline">
            <input type="radio" name="scheduled" checked={!form.scheduled} onChange={() => set({ scheduled: false })} /> None: it runs only
            when run (Run now, or <code>weir transfers run</code>)
          </label>
          <label class="inline">
            <input type="radio" name="scheduled" checked={form.scheduled} onChange={() => set({ scheduled: true })} /> On a schedule
          </label>
          {form.scheduled && (
            <div class="tf-grid">
              {text('schedule_start_date', 'Start date', 'The first day.', { type: 'date' })}
              {text('schedule_end_date', 'End date (optional)', 'The last day; the start date again: it runs once.', { type: 'date' })}
              {text('start_time_of_day', 'Start time of day', "Each day's first transfer; unset: 00:00.", { type: 'time', step: 1 })}
              {text('end_time_of_day', 'End time (optional)', 'With an end date: none starts after it that day.', {
                type: 'time',
                step: 1,
              })}
              {text('repeat_interval', 'Repeat interval', 'At least 1h; default 24h.', { placeholder: '24h' })}
            </div>
          )}
          {valid && shown?.valid && (
            <p class="small" data-testid="schedule-preview">
              Runs <strong>{shown.schedule_text}</strong>.
            </p>
          )}
        </fieldset>

        {create && checkbox('paused', 'Create paused', 'Its schedule starts once you unpause it; Run now still runs it.')}
        <ErrorBox error={saveError} />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !valid} data-testid="save-transfer">
            {create ? 'Create' : 'Save'}
          </button>
          <a class="btn" href={back}>
            Cancel
          </a>
          {!valid && (
            <span class="small muted" aria-live="polite">
              {!touched ? 'Fill in a name, a source and a sink.' : invalid ? 'Fix what is marked to continue.' : 'Checking…'}
            </span>
          )}
        </div>
      </form>
    </>
  );
}
