// Microsoft's own Node.js client (@azure/storage-blob), as an independent reader and writer of
// what weir stores in Azure Blob Storage, and a maker of SAS tokens for weir's SAS tests.
//
//   node tests/js/azure_client.cjs ENDPOINT KEY get CONTAINER NAME OUT   download NAME to OUT
//   node tests/js/azure_client.cjs ENDPOINT KEY put CONTAINER NAME IN    upload IN as NAME
//   node tests/js/azure_client.cjs ENDPOINT KEY sas CONTAINER PERMS      a container SAS (1 h)
//   node tests/js/azure_client.cjs ENDPOINT KEY uncommitted CONTAINER NAME
//   node tests/js/azure_client.cjs ENDPOINT KEY delete CONTAINER NAME
//
// ENDPOINT is http://127.0.0.1:PORT/<account> (path-style, azurite's); KEY the account key.
// get and put print the blob's properties as JSON (size, contentMD5 as base64, metadata);
// sas prints the token's query; uncommitted prints the blob's uncommitted block count.
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

main().catch((e) => {
  process.stderr.write(`azure_client: ${e.message}\n`);
  process.exit(1);
});
