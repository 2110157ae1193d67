// An Azure Blob peer for the tests: azurite's blob service (installed by scripts/setup), run in
// this process, in memory, on 127.0.0.1 and a free port. It verifies Shared Key and SAS
// signatures. Account: azurite's well-known devstoreaccount1 with its published key (read here
// from azurite's own files: `node tests/js/azurite.cjs --print-key` prints it and exits).
// Endpoint: http://127.0.0.1:<port>/devstoreaccount1 (path-style).
//
//   node tests/js/azurite.cjs [--port N]     (default: a free port)
//
// Creates the container "lake", then prints "PORT <n>" as its first stdout line; everything it
// says after that goes to stderr. SIGTERM or SIGINT stops it. Equivalent to azurite-blob's
// --blobHost 127.0.0.1 --inMemoryPersistence --disableTelemetry --silent: nothing is written to
// disk and nothing is sent anywhere. It runs strict, as Azure does: without --skipApiVersionCheck
// (an x-ms-version azurite does not know, 2009-04-14 to 2026-06-06, is refused with 400
// InvalidHeaderValue) and without --loose (which would only ignore x-ms-range-get-content-crc64
// and the customer-provided encryption-key headers instead of refusing them).
const fs = require('node:fs');
const path = require('node:path');

const AZ = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src');
const { EMULATOR_ACCOUNT_NAME, EMULATOR_ACCOUNT_KEY } = require(`${AZ}/common/utils/constants`);
const ACCOUNT = EMULATOR_ACCOUNT_NAME;
const KEY = EMULATOR_ACCOUNT_KEY.toString('base64');
const HOST = '127.0.0.1';
const CONTAINER = 'lake';

if (process.argv.includes('--print-key')) {
  console.log(KEY);
  process.exit(0);
}

function argPort() {
  const i = process.argv.indexOf('--port');
  if (i > 0 && process.argv[i + 1]) return Number(process.argv[i + 1]);
  return 0;
}

// Telemetry: azurite's CLI starts it unless --disableTelemetry; here its module is replaced by
// one that does nothing, before anything loads it (loading the real one, Application Insights
// and OpenTelemetry, would also take 1.5 s of the start-up).
const telemetry = require.resolve(`${AZ}/common/Telemetry`);
const noop = () => {};
require.cache[telemetry] = {
  id: telemetry,
  filename: telemetry,
  loaded: true,
  exports: {
    AzuriteTelemetryClient: {
      enableTelemetry: false,
      init: noop,
      TraceRequest: noop,
      TraceStartEvent: async () => {},
      TraceStopEvent: noop,
    },
  },
};

const BlobConfiguration = require(`${AZ}/blob/BlobConfiguration`).default;
const BlobServer = require(`${AZ}/blob/BlobServer`).default;
const { BlobServiceClient, StorageSharedKeyCredential } = require('@azure/storage-blob');

// Signals are handled from the start: one that comes before the server is up just exits.
let server;
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  if (server) {
    await server.close().catch(() => {});
    await server.clean().catch(() => {});
  }
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// A test that dies without stopping it leaves it to another parent: then it stops itself.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stop(), 500).unref();

(async () => {
  const config = new BlobConfiguration(
    HOST,
    argPort(),
    undefined, // keep-alive timeout: azurite's default
    'weir-azurite-blob.db', // LokiJS names: nothing is written in memory mode
    'weir-azurite-extent.db',
    undefined, // persistence folders: unused in memory mode
    false, // access log
    undefined,
    false, // debug log
    undefined,
    false, // --loose off
    false, // --skipApiVersionCheck off
    '', // no TLS
    '',
    '',
    undefined, // no OAuth
    false, // product-style URLs allowed; 127.0.0.1 means path-style
    true, // --inMemoryPersistence
  );
  server = new BlobServer(config);
  await server.start();
  const { port } = server.httpServer.address();

  const endpoint = `http://${HOST}:${port}/${ACCOUNT}`;
  const service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(ACCOUNT, KEY), {
    retryOptions: { maxTries: 1 },
  });
  await service.getContainerClient(CONTAINER).createIfNotExists();

  // The test reads one line and closes the pipe: later output must not hit a closed stdout.
  fs.writeSync(1, `PORT ${port}\n`);
  process.stdout.write = process.stderr.write.bind(process.stderr);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
