// A verifying S3 server for the tests: s3rver 5 (it checks SigV4 signatures) with one bucket,
// "lake", on 127.0.0.1 and a free port, its objects in a fresh folder (argv[2], else a temp
// one). Prints "PORT <n>" once it listens; SIGTERM stops it. Keys: S3RVER / S3RVER.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const S3rver = require('@20minutes/s3rver');

const dir = process.argv[2] || fs.mkdtempSync(path.join(os.tmpdir(), 'weir-s3rver-'));
const server = new S3rver({
  port: 0,
  address: '127.0.0.1',
  silent: true,
  directory: dir,
  configureBuckets: [{ name: 'lake' }],
});
server.run().then(
  (info) => console.log(`PORT ${info.port}`),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
