// Reads Parquet files with hyparquet (pure JavaScript, independent of DuckDB) and prints,
// for each file given, {"file", "rows", "columns": [names], "first": first row} as JSON lines.
// With --all first, "all" holds every row too.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

const all = process.argv[2] === '--all'
for (const file of process.argv.slice(all ? 3 : 2)) {
  const buffer = await asyncBufferFromFile(file)
  const metadata = await parquetMetadataAsync(buffer)
  const rows = await parquetReadObjects({ file: buffer, compressors })
  const columns = metadata.schema.slice(1).map((s) => s.name)
  const first = rows.length > 0 ? rows[0] : null
  const out = { file, rows: rows.length, metadata_rows: Number(metadata.num_rows), columns, first }
  if (all) out.all = rows
  console.log(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? Number(v) : v)))
}
