// Google's own Node.js client (@google-cloud/storage), as an independent reader and writer
// of what weir stores in GCS: the tests compare its bytes and checksums with weir's.
//
//   node tests/js/gcs_client.cjs ENDPOINT get BUCKET NAME OUT   download NAME to the file OUT
//   node tests/js/gcs_client.cjs ENDPOINT put BUCKET NAME IN    upload the file IN as NAME
//
// ENDPOINT is an emulator's origin (http://127.0.0.1:PORT); no credentials are sent. Both
// commands validate the object's MD5/CRC32C as the client does, and print the object's
// metadata as JSON (name, size, md5Hash, crc32c, metadata) on stdout.
const { Storage } = require('@google-cloud/storage');

async function main() {
  const [endpoint, command, bucketName, name, file] = process.argv.slice(2);
  const storage = new Storage({ apiEndpoint: endpoint, projectId: 'weir-test', token: 'none' });
  const object = storage.bucket(bucketName).file(name);
  if (command === 'get') {
    await object.download({ destination: file, validation: true });
  } else if (command === 'put') {
    await storage.bucket(bucketName).upload(file, { destination: name, resumable: false });
  } else {
    throw new Error(`unknown command ${command}: use get or put`);
  }
  const [meta] = await object.getMetadata();
  const { size, md5Hash, crc32c, metadata } = meta;
  process.stdout.write(`${JSON.stringify({ name: meta.name, size, md5Hash, crc32c, metadata })}\n`);
}

main().catch((e) => {
  process.stderr.write(`gcs_client: ${e.message}\n`);
  process.exit(1);
});
