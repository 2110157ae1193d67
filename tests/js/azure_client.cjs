// Microsoft's own Node.js client (@azure/storage-blob), as an independent reader and writer of
// what weir stores in Azure Blob Storage, and a maker of SAS tokens for weir's SAS tests.
//
//   node tests/js/azure_client.cjs ENDPOINT KEY get CONTAINER NAME OUT   download NAME to OUT
//   node tests/js/azure_client.cjs ENDPOINT KEY put CONTAINER NAME IN    upload IN as NAME
//   node tests/js/azure_client.cjs ENDPOINT KEY sas CONTAINER PERMS      a container SAS (1 h)
//   node tests/js/azure_client.cjs ENDPOINT KEY uncommitted CONTAINER NAME
//   node tests/js/azure_client.cjs ENDPOINT KEY delete CONTAINER NAME
//   node tests/js/azure_client.cjs ENDPOINT KEY put-dir CONTAINER PREFIX DIR [CONCURRENCY]
//       upload every file below DIR as PREFIX + its path below DIR, CONCURRENCY (default 8)
//       at a time, each with uploadFile
//   node tests/js/azure_client.cjs ENDPOINT KEY list CONTAINER PREFIX
//   node tests/js/azure_client.cjs ENDPOINT KEY delete-prefix CONTAINER PREFIX
//
// ENDPOINT is http://127.0.0.1:PORT/<account> (path-style, azurite's); KEY the account key.
// get and put print the blob's properties as JSON (size, contentMD5 as base64, metadata);
// sas prints the token's query; uncommitted prints the blob's uncommitted block count;
// put-dir, list and delete-prefix print {"count": blobs, "bytes": their total size}.
const fs = require('node:fs');
const path = require('node:path');
const {
  BlobServiceClient,
  StorageSharedKeyCredential,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
} = require('@azure/storage-blob');

async function main() {
  const [endpoint, key, command, container, name, file] = process.argv.slice(2);
  const account = new URL(endpoint).pathname.replace(/^\/+/, '').split('/')[0];
  const credential = new StorageSharedKeyCredential(account, key);
  const service = new BlobServiceClient(endpoint, credential, { retryOptions: { maxTries: 1 } });
  const containerClient = service.getContainerClient(container);
  if (command === 'sas') {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse(name),
        expiresOn: new Date(Date.now() + 3600 * 1000),
      },
      credential,
    );
    process.stdout.write(`${sas.toString()}\n`);
    return;
  }
  if (command === 'put-dir') {
    await putDir(containerClient, name, file, Number(process.argv[8] || 8));
    return;
  }
  if (command === 'list' || command === 'delete-prefix') {
    let count = 0;
    let bytes = 0;
    // Deletes go 32 at a time: one by one, 10,000 blobs take longer than copying them.
    const deleting = new Set();
    for await (const item of containerClient.listBlobsFlat({ prefix: name })) {
      count += 1;
      bytes += item.properties.contentLength;
      if (command !== 'delete-prefix') continue;
      const done = containerClient.deleteBlob(item.name).finally(() => deleting.delete(done));
      deleting.add(done);
      if (deleting.size >= 32) await Promise.race(deleting);
    }
    await Promise.all(deleting);
    process.stdout.write(`${JSON.stringify({ count, bytes })}\n`);
    return;
  }
  const blob = containerClient.getBlockBlobClient(name);
  if (command === 'delete') {
    await blob.deleteIfExists();
    return;
  }
  if (command === 'uncommitted') {
    const list = await blob.getBlockList('uncommitted').catch(() => ({ uncommittedBlocks: [] }));
    process.stdout.write(`${(list.uncommittedBlocks || []).length}\n`);
    return;
  }
  if (command === 'get') {
    await blob.downloadToFile(file);
  } else if (command === 'put') {
    await blob.uploadFile(file);
  } else {
    throw new Error(`unknown command ${command}`);
  }
  const props = await blob.getProperties();
  const contentMD5 = props.contentMD5 ? Buffer.from(props.contentMD5).toString('base64') : null;
  process.stdout.write(
    `${JSON.stringify({ size: props.contentLength, contentMD5, metadata: props.metadata })}\n`,
  );
}

// Every file below `dir`, uploaded `concurrency` at a time by as many workers taking the next.
async function putDir(containerClient, prefix, dir, concurrency) {
  const files = fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)));
  let next = 0;
  let bytes = 0;
  async function worker() {
    while (next < files.length) {
      const rel = files[next++];
      const blob = containerClient.getBlockBlobClient(prefix + rel.split(path.sep).join('/'));
      await blob.uploadFile(path.join(dir, rel));
      bytes += fs.statSync(path.join(dir, rel)).size;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  process.stdout.write(`${JSON.stringify({ count: files.length, bytes })}\n`);
}

main().catch((e) => {
  process.stderr.write(`azure_client: ${e.message}\n`);
  process.exit(1);
});
