// One CSV -> Parquet (zstd) conversion by a peer, for bench/csv_to_parquet.py.
//   node convert.mjs polars-read|polars-sink|duckdb INPUT OUTPUT
// Prints {"rows": n} for the file written.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [tool, input, output] = process.argv.slice(2);

if (tool === 'polars-read' || tool === 'polars-sink') {
  const pl = require('nodejs-polars');
  if (tool === 'polars-read') {
    // The whole file in memory, then written.
    const df = pl.readCSV(input, { tryParseDates: true });
    df.writeParquet(output, { compression: 'zstd', compressionLevel: 3 });
    console.log(JSON.stringify({ rows: df.height }));
  } else {
    // Polars' streaming engine: read and write in batches.
    // sinkParquet returns a lazy plan; collecting it runs the streaming engine.
    pl.scanCSV(input, { tryParseDates: true })
      .sinkParquet(output, { compression: 'zstd', compressionLevel: 3 })
      .collectSync({ engine: 'streaming' });
    console.log(JSON.stringify({ rows: pl.scanParquet(output).select(pl.len()).collectSync().getColumn('len')[0] }));
  }
} else if (tool === 'duckdb') {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const q = (s) => `'${s.replaceAll("'", "''")}'`;
  const r = await con.runAndReadAll(
    `COPY (SELECT * FROM read_csv(${q(input)})) TO ${q(output)} (FORMAT parquet, COMPRESSION zstd)`);
  console.log(JSON.stringify({ rows: Number(r.getRows()[0][0]) }));
} else {
  console.error(`unknown tool ${tool}`);
  process.exit(2);
}
