// A GCS JSON API peer for the tests: firebase-tools' own Cloud Storage emulator
// (lib/emulator/storage, installed by scripts/setup), run in this process on 127.0.0.1 without
// the Java runtime that only its Firebase security rules need (the /storage/v1 and /upload
// routes go through its admin layer, which checks no rules and no credentials).
//
//   node tests/js/gcs_emulator.cjs [--port N]     (default: a free port)
//
// Prints "PORT <n>" as its first stdout line once it listens; everything it says after that goes
// to stderr. SIGTERM or SIGINT stops it. Objects live in a fresh temp folder, removed at exit.
// Buckets need no creating: an upload into any bucket name (e.g. "lake") makes it appear.
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const FT = path.dirname(require.resolve('firebase-tools/package.json'));
const HOST = '127.0.0.1';

function argPort() {
  const i = process.argv.indexOf('--port');
  if (i > 0 && process.argv[i + 1]) return Number(process.argv[i + 1]);
  return 0;
}

// A port nothing listens on: bind port 0 on 127.0.0.1, read it, release it. (The emulator
// builds its URLs from the port it was given, so it must know the number before it listens.)
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// The rules runtime would start a Java process (and download its JAR): the admin routes that
// the GCS JSON API uses never consult it.
const runtime = require(`${FT}/lib/emulator/storage/rules/runtime`);
runtime.StorageRulesRuntime.prototype.start = async function start() {
  this._alive = false;
};
runtime.StorageRulesRuntime.prototype.stop = async function stop() {};

// The emulator keeps object bytes in $TMPDIR/firebase/storage/blobs and deletes that whole
// folder when it stops, which would pull the files from under another emulator running at the
// same time: give each process a folder of its own.
const blobs = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-gcs-emulator-'));
const { StorageEmulator } = require(`${FT}/lib/emulator/storage`);
StorageEmulator.prototype.getPersistenceTmpDir = () => blobs;
const { EmulatorRegistry } = require(`${FT}/lib/emulator/registry`);

function removeBlobs() {
  fs.rmSync(blobs, { recursive: true, force: true });
}
process.on('exit', removeBlobs); // also after an uncaught exception

// Signals are handled from the start: one that comes before the emulator is up just exits.
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await EmulatorRegistry.stop('storage').catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// A test that dies without stopping it leaves it to another parent: then it stops itself.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stop(), 500).unref();
// Some of its handlers throw after answering (a media upload without ?name= answers 400, then
// throws): log that instead of letting the whole emulator die under the test.
process.on('unhandledRejection', (err) => console.error('gcs_emulator:', err));

(async () => {
  const port = argPort() || (await freePort());
  const emulator = new StorageEmulator({
    projectId: 'demo-weir',
    host: HOST,
    port,
    rules: [],
    auto_download: false,
  });
  await EmulatorRegistry.start(emulator);
  // The test reads one line and closes the pipe: later output must not hit a closed stdout.
  fs.writeSync(1, `PORT ${port}\n`);
  process.stdout.write = process.stderr.write.bind(process.stderr);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
