#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "duck/duck.h"
#include "lake/object_store.h"
#include "model/connection.h"

namespace weir {

// DuckDB reading objects in a cloud store: s3:// and gs:// through DuckDB's httpfs extension,
// az:// through its azure extension, both loaded from duckdb_extension_directory (never
// downloaded), with the connection's credentials as a temporary DuckDB secret scoped to the
// bucket, so they live in memory only and never in the warehouse file.

// One bucket (or a prefix of one) to read, and the connection to read it with.
struct CloudRead {
  std::string uri;    // s3://bucket[/prefix/], gs://..., az://container[/prefix/]
  LakeAccess access;  // access.conn_id "": the scheme's default (aws_default, ...)
};

// Whether `uri` is in a cloud store DuckDB reads through an extension (s3://, gs://, az://).
bool IsCloudUri(std::string_view uri);

// The scheme://bucket/ part of a cloud URI ("s3://bkt/raw/x.parquet" -> "s3://bkt/").
std::string CloudBucketOf(std::string_view uri);

// What DuckDB reads for `uri`: lake://<key> becomes the lake's own URI plus the key when the
// lake at `lake_uri` is in a cloud store, and a local path otherwise (LocalPathOf); s3://,
// gs:// and az:// URIs stay as they are. The key may end in '/' or hold a glob.
Result<std::string> DuckPathOf(const std::string& uri, const std::string& lake_uri);

// The statement that makes `conn`'s credentials a DuckDB secret named `name` for `uri`'s
// bucket: TYPE s3 (keys, session token, region, endpoint, path or vhost style, SSL; keys the
// connection lacks come from AWS's chain, as for the S3 lake), TYPE gcs (an HMAC key: extra
// hmac_key_id and hmac_secret, as DuckDB reads GCS through its S3-compatible API), or TYPE
// azure (a connection string from the account and key, or SAS). Errors say what the connection
// lacks and never quote a secret.
Result<std::string> DuckSecretSql(const std::string& name, const std::string& uri,
                                  const Connection& conn);

// Makes DuckDB on `con` able to read each of `reads`: loads the extensions they need from
// `extension_directory` (duck/duck_extension.h) and makes one secret per read. Errors say which
// URI needed what; a secret DuckDB refuses is reported with its values masked.
Status PrepareCloudReads(DuckConnection& con, const std::string& extension_directory,
                         const std::vector<CloudRead>& reads);

// The comment external_table puts on a DuckDB view over cloud files, so that later readers
// of the warehouse (sql tasks, weir query) read them with the same connection:
// {"weir_cloud_read": {"uri": ..., "conn_id": ...}}.
std::string CloudViewComment(const CloudRead& read);

// For SQL over the warehouse (`sql` tasks, `weir query`): a DuckOptions::prepare that readies
// reading the lake at `lake_uri` when it is in a cloud store, and the cloud files of each view
// external_table made (CloudViewComment), each with its connection. It never fails the open,
// so tables over local files still work: what went wrong goes to *problem, for the error of a
// query that then fails (WithCloudProblem). It returns the prefixes it readied, which a confined
// database may then read: the lake's, and the buckets of those views.
std::function<Result<std::vector<std::string>>(DuckConnection&)> WarehouseReadsPrepare(
    const std::string& lake_uri, const LakeAccess& lake_access,
    const std::string& extension_directory, const std::shared_ptr<std::string>& problem);

// `error` with "; and DuckDB cannot read cloud files: <problem>" added when there is one.
Error WithCloudProblem(Error error, const std::string& problem);

}  // namespace weir
