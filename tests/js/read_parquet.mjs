// Reads Parquet files with hyparquet (pure JavaScript, independent of DuckDB) and prints,
// for each file given, {"file", "rows", "columns": [names], "first": first row} as JSON lines.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

for (const file of process.argv.slice(2)) {
  const buffer = await asyncBufferFromFile(file)
  const metadata = await parquetMetadataAsync(buffer)
  const rows = await parquetReadObjects({ file: buffer, compressors })
  const columns = metadata.schema.slice(1).map((s) => s.name)
  const first = rows.length > 0 ? rows[0] : null
  const out = { file, rows: rows.length, metadata_rows: Number(metadata.num_rows), columns, first }
  console.log(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? Number(v) : v)))
}
