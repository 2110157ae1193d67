// The shapes the REST API answers (docs/api.md).

export type TaskState =
  'none' | 'scheduled' | 'queued' | 'running' | 'success' | 'failed' | 'up_for_retry' | 'skipped' | 'upstream_failed' | 'removed';
export type RunState = 'queued' | 'running' | 'success' | 'failed';
export type Role = 'admin' | 'op' | 'viewer';

export interface Me {
  username: string;
  role: Role;
  csrf_token: string;
}

export interface RecentRun {
  run_id: string;
  state: RunState;
  data_interval_start: string;
  data_interval_end: string;
}

export interface NextRun {
  data_interval_start: string;
  data_interval_end: string;
  runs_at: string;
}

export interface Dag {
  dag_id: string;
  description: string;
  owner: string;
  tags: string[];
  schedule: string;
  schedule_description: string;
  timezone: string;
  is_paused: boolean;
  is_active: boolean;
  fileloc: string;
  latest_version_id: number;
  last_parsed_at: string;
  recent_runs: RecentRun[];
  next_run?: NextRun | null;
  // The file fails to load now: the DAG runs with its last good version.
  has_import_errors: boolean;
  import_error: ImportError | null;
  // Every run counted by state, and the newest run's task instances by state.
  run_counts?: Partial<Record<RunState, number>>;
  recent_task_counts?: Partial<Record<TaskState, number>>;
}

// GET /dags's health of the listed DAGs at a glance.
export interface DagsHealth {
  dags: number;
  paused: number;
  import_errors: number;
  failing: number; // whose newest run failed
  running: number; // with a run queued or running
}

export interface TaskSpec {
  task_id: string;
  operator: string;
  upstream: string[];
  owner: string;
  retries: number;
  trigger_rule: string;
  pool: string;
  doc_md: string;
}

export interface Param {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  default: unknown;
  description: string;
  enum: unknown[];
  minimum?: number;
  maximum?: number;
  min_length?: number;
  max_length?: number;
  pattern?: string;
}

export interface DagDetail extends Dag {
  tasks?: TaskSpec[];
  params?: Param[];
  catchup?: boolean;
  max_active_runs?: number;
  start_date?: string | null;
  end_date?: string | null;
  doc_md?: string;
  version_number?: number;
}

export interface DagRun {
  dag_id: string;
  run_id: string;
  run_type: string;
  state: RunState;
  logical_date: string;
  data_interval_start: string;
  data_interval_end: string;
  queued_at: string;
  start_date: string | null;
  end_date: string | null;
  conf: Record<string, unknown>;
  version_id: number;
  // Why the scheduler ended the run as it did (a timeout, a deadlock).
  state_reason: string;
  // A person's note (PATCH .../setNote), with who wrote it and when.
  note: string;
  note_updated_by?: string;
  note_updated_at?: string;
}

export interface TaskInstance {
  dag_id: string;
  run_id: string;
  task_id: string;
  state: TaskState;
  try_number: number;
  max_tries: number;
  operator: string;
  pool: string;
  pool_slots: number;
  priority_weight: number;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
  next_retry_at: string | null;
  error: string;
  marked: TaskMark | null;
  // A person's note (PATCH .../setNote), with who wrote it and when.
  note: string;
  note_updated_by?: string;
  note_updated_at?: string;
}

// A task instance as GET /dags/~/dagRuns/~/taskInstances lists it: with its run's dates and type.
export interface BrowsedTaskInstance extends TaskInstance {
  logical_date: string;
  run_type: string;
  data_interval_end: string;
}

// Either thing a note can be on: a run or a task instance.
export type Noted = Pick<DagRun, 'note' | 'note_updated_by' | 'note_updated_at'>;

// A person set the state by hand (it did not come from a try); gone once cleared or run again.
export interface TaskMark {
  by: string;
  at: string;
  from_state: TaskState;
}

export interface TaskInstanceList {
  task_instances: TaskInstance[];
  total_entries: number;
}

// What a run or a task instance waits for (GET .../dependencies).
export interface WaitReason {
  name: string;
  reason: string;
  code: string;
  details: Record<string, unknown>;
}

export interface WaitExplanation {
  status: 'waiting' | 'ready' | 'starting' | 'running' | 'finished';
  summary: string;
  dependencies: WaitReason[];
}

export interface TaskTry {
  try_number: number;
  state: TaskState;
  queued_at: string;
  start_date: string | null;
  end_date: string | null;
  hostname: string;
  pid: number;
  exit_code: number | null;
  error: string;
  version_id: number;
  rendered_args: unknown;
}

export interface TaskInstanceDetail extends TaskInstance {
  tries: TaskTry[];
  xcom: Record<string, unknown>;
}

export interface GridCell {
  state: TaskState;
  try_number: number;
  start_date?: string | null;
  end_date?: string | null;
  marked?: TaskMark;
}

export interface Grid {
  dag_id: string;
  runs: DagRun[];
  tasks: string[]; // a page of them: total_tasks counts all
  total_tasks: number;
  cells: Record<string, Record<string, GridCell>>;
}

export interface Source {
  source: string;
  version_number: number;
  version_id: number;
  fileloc: string;
  created_at: string;
}

export interface LogChunk {
  content: string;
  offset: number;
  next_offset: number;
  size: number;
  finished: boolean;
}

export interface ImportError {
  fileloc: string;
  message: string;
  timestamp: string;
}

export interface Connection {
  connection_id: string;
  conn_type: string;
  description: string;
  host: string;
  schema: string;
  login: string;
  port: number | null;
  extra: Record<string, unknown>;
  password_set: boolean;
  source: string;
}

export interface Variable {
  key: string;
  value: string;
  description: string;
  is_secret: boolean;
}

export interface Pool {
  name: string;
  slots: number; // -1: unlimited
  description: string;
  // Slots held by the pool's task instances now, and those left (-1: unlimited).
  running_slots: number;
  queued_slots: number;
  scheduled_slots: number;
  open_slots: number;
}

// GET /dags/{dag_id}/calendar: the DAG's runs counted per day (in its time zone) and state.
export interface CalendarYear {
  dag_id: string;
  year: number;
  timezone: string;
  first_year: number;
  last_year: number;
  days: { date: string; states: Partial<Record<RunState, number>> }[];
}

export interface User {
  username: string;
  role: Role;
  created_at: string;
  last_login_at: string | null;
  failed_logins: number;
  locked_until: string | null;
}

export interface Dataset {
  dataset: string;
  objects: number;
  rows: number | null;
  size: number;
  schema_version: number;
  warnings: number;
  updated_at: string;
}

export interface Column {
  name: string;
  type: string;
  // The file has no value in the column: its type says nothing.
  empty?: boolean;
}

// A dataset's current schema: the union of its current objects' columns, and their versions.
export interface CurrentSchema {
  columns: Column[];
  versions: number[];
}

export interface SchemaVersion {
  version: number;
  columns: Column[];
  change: string;
  policy: string;
  first_uri: string;
  created_at: string;
}

export interface LakeObject {
  uri: string;
  lake: string; // the object store holding it (file:///home/me/weir/lake)
  key: string; // its key in that store
  dataset: string;
  format: string;
  size: number;
  sha256: string;
  etag: string; // the lake's ETag of the object
  rows: number | null;
  columns: Column[];
  schema_version: number;
  warning: string;
  source_url: string;
  source_etag: string;
  source_last_modified: string;
  dag_id: string;
  run_id: string;
  task_id: string;
  try_number: number;
  created_at: string;
  replaced_at: string | null;
}

// One entry of the audit log (GET /eventLogs).
export interface AuditEvent {
  event_log_id: number;
  when: string;
  event: string;
  owner: string;
  source: string;
  origin: string;
  dag_id: string | null;
  run_id: string | null;
  task_id: string | null;
  extra: Record<string, unknown>;
}

// Transfer jobs (docs/transfers.md, GET /transfers): the spec's fields flat, in snake_case.
export interface TransferSpec {
  source?: string;
  url_list?: string;
  sink?: string;
  source_conn_id?: string;
  sink_conn_id?: string;
  manifest?: string;
  include_prefixes?: string[];
  exclude_prefixes?: string[];
  min_time_elapsed_since_last_modification?: string;
  max_time_elapsed_since_last_modification?: string;
  last_modified_since?: string;
  last_modified_before?: string;
  overwrite_when?: string;
  overwrite_objects_already_existing_in_sink?: boolean;
  delete_objects_unique_in_sink?: boolean;
  delete_objects_from_source_after_transfer?: boolean;
  dry_run?: boolean;
  max_deletes?: string | number;
  parallelism?: number | string;
  bandwidth_limit?: number | string;
  max_failures?: number | string;
}

// The Transfer Service's schedule, in UTC: dates "2026-12-06", times "02:30:00", interval "21600s".
export interface TransferSchedule {
  schedule_start_date: string;
  schedule_end_date?: string;
  start_time_of_day?: string;
  end_time_of_day?: string;
  repeat_interval?: string;
}

// A job as it is stored and sent (POST /transfers, /transfers/validate).
export interface TransferJob {
  name: string;
  description?: string;
  transfer_spec: TransferSpec;
  schedule?: TransferSchedule;
}

// What a run's transfer task returned (its XCom): the Transfer Service's counters and more.
export interface TransferSummary {
  source: string;
  sink: string;
  dry_run: boolean;
  counters: Record<string, number>;
  failures: number;
  copied_server_side: number;
  failed?: string[];
  deletes_held?: string;
  report?: string;
}

// A job as lists show it.
export interface TransferListing extends TransferJob {
  paused: boolean;
  dag_file: string;
  schedule_text: string;
  last_run: DagRun | null;
  last_run_summary: TransferSummary | null;
}

export interface TransferRun {
  run: DagRun;
  task: TaskInstance | null; // the transfer task; null before it exists
  summary: TransferSummary | null; // null while it runs, or when it failed
}

export interface TransferJobDetail extends TransferListing {
  dag_id: string;
  runs: TransferRun[]; // newest first
}

export type TransferValidation =
  | { valid: true; job: TransferJob; schedule_text: string; dag_schedule: { schedule: string; start_date: string; end_date: string } }
  | { valid: false; field: string; message: string };

// One line of a try's per-object report.
export interface TransferReportEntry {
  key: string;
  action: string;
  reason: string;
  bytes?: number;
  how?: string;
  source_md5?: string;
  source_sha256?: string;
  sink_sha256?: string;
  error?: string;
}

export interface TransferReport {
  entries: TransferReportEntry[];
  total_entries: number; // of the action asked for
  counts: Record<string, number>; // lines per action
  try_number: number;
  finished: boolean;
  exists: boolean;
}
