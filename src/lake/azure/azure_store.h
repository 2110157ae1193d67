#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lake/object_store.h"
#include "model/connection.h"
#include "net/http_client.h"
#include "net/retry.h"

namespace weir {

// The connection id an az:// lake uses when none is named (Airflow's wasb_conn_id default).
inline constexpr std::string_view kDefaultAzureConnId = "wasb_default";

// Where an Azure Blob lake is and how to reach it.
struct AzureLocation {
  std::string account;
  std::string container;
  std::string prefix;  // "" or ends with '/': blobs are named prefix + key
  // The Blob service: "https://<account>.blob.core.windows.net", or a path-style endpoint
  // that ends in the account ("http://127.0.0.1:10000/devstoreaccount1", azurite's).
  std::string endpoint;
  std::string key;            // the account key's bytes (Shared Key); empty with a SAS
  std::string sas_token;      // a shared access signature's query ("sv=...&sig=..."), or empty
  int list_page_size = 5000;  // blobs per List Blobs page (Azure's most; tests use fewer)
  // Files up to this size go up in one Put Blob; larger ones as blocks of block_size bytes
  // (grown when a file would need more than 50,000), parallel_blocks at a time, then one Put
  // Block List that makes them the blob.
  int64_t single_put_max = int64_t{64} << 20;
  int64_t block_size = int64_t{16} << 20;
  int parallel_blocks = 4;
  RetryPolicy retry;
};

// An Azure location from an `azure_blob` (or Airflow's `wasb`) connection and an
// az://container/prefix URI. The connection gives, in this order: extra.connection_string
// (AccountName, AccountKey, BlobEndpoint, SharedAccessSignature, ...); login (the account) with
// password or extra.shared_access_key (the account key) or extra.sas_token; host or
// extra.account_url (the endpoint). What it lacks comes from AZURE_STORAGE_CONNECTION_STRING,
// then AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN (the az CLI's
// variables). Errors name what is missing and never quote a key.
Result<AzureLocation> AzureLocationOf(const std::string& uri, const Connection& conn);

// A lake in an Azure Blob Storage container (Shared Key or SAS).
//
// Put hashes the file first (SHA-256 and MD5). A small file is one Put Blob with its MD5 as
// Content-MD5, which Azure checks before it stores anything; a larger one goes up as blocks,
// several at once, each with its own Content-MD5, and becomes the blob only when Put Block List
// commits them: until then nothing is visible, and blocks never committed are discarded by
// Azure. The sha256 is kept as the blob's x-ms-meta-sha256 and its MD5 as Content-MD5; the
// stored blob's size, MD5 and sha256 are checked afterwards (end to end). Get checks the bytes
// against both before it renames the file into place. Copy is Azure's Copy Blob, pinned to the
// source's ETag and waited for when Azure copies in the background. Transient failures
// (connection errors, 408, 429, 5xx) are retried with backoff, honouring Retry-After. Errors
// name az://container/key, the status and Azure's code and message, never a key or a SAS.
class AzureObjectStore : public ObjectStore {
 public:
  explicit AzureObjectStore(AzureLocation location);

  std::string uri() const override;
  Result<ObjectInfo> Put(const std::string& key, const std::string& source,
                         const PutOptions& options = {}) override;
  Status Get(const std::string& key, const std::string& dest) override;
  Result<std::optional<ObjectInfo>> Head(const std::string& key) override;
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override;
  Status Delete(const std::string& key) override;
  Result<ObjectInfo> Copy(const std::string& from_key, const std::string& to_key) override;
  // Copy Blob from another container or prefix of the same account.
  Result<std::optional<ObjectInfo>> CopyFrom(ObjectStore& source, const ObjectInfo& from,
                                             const std::string& key) override;

  // The containers of the account (`weir connections test` asks an azure_blob connection).
  Result<std::vector<std::string>> ListContainers();

  static constexpr int kMaxBlocks = 50'000;
  static constexpr int64_t kMaxBlock = int64_t{4000} << 20;

  // One request: what to sign and send, and where its answer goes.
  struct Call {
    std::string method{};
    std::string blob{};          // the full blob name (prefix included); "" for the container
    bool account_level = false;  // a request to the account itself (List Containers)
    std::vector<std::pair<std::string, std::string>> query{};
    std::map<std::string, std::string> headers{};
    std::string body{};
    std::string body_file{};
    int64_t body_offset = 0;
    int64_t body_length = 0;  // of body_file
    std::string to_file{};    // a 2xx body goes here, hashed on the way
    std::string got_sha256{};
    std::string got_md5{};  // base64
  };
  struct Reply {
    HttpResponse head;
    std::string body;
  };

 private:
  Result<Reply> Send(Call& call);
  Result<ObjectInfo> CopyBlob(AzureObjectStore& source, const std::string& from_key,
                              const std::string& to_key);
  Status Failed(const Reply& reply, std::string_view method, std::string_view where) const;
  Result<ObjectInfo> PutBlocks(const std::string& key, const std::string& source,
                               const std::string& sha256, const std::string& md5, int64_t size);
  // The blob's properties: its ObjectInfo, Content-MD5 and copy status; nullopt when absent.
  struct Stat {
    ObjectInfo info;
    std::string md5;
    std::string copy_status;
  };
  Result<std::optional<Stat>> StatOf(const std::string& key);

  AzureLocation loc_;
  std::string origin_;        // scheme://host[:port]
  std::string account_path_;  // "" or "/devstoreaccount1" (a path-style endpoint)
};

}  // namespace weir
