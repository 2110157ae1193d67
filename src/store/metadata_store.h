#pragma once

#include "base/status.h"
#include "store/audit_store.h"
#include "store/auth_store.h"
#include "store/catalog_store.h"
#include "store/config_store.h"
#include "store/dag_store.h"
#include "store/job_store.h"
#include "store/records.h"
#include "store/run_store.h"
#include "store/transactional_store.h"

namespace weir {

// Everything weir remembers, as one store: the union of its roles, each an interface of its
// own (RunStore: runs, task instances, tries, XCom; DagStore: DAGs, versions, import errors;
// CatalogStore: the lake catalog; AuthStore: users, API tokens, web sessions; JobStore:
// scheduler jobs and leases; ConfigStore: variables and pools; AuditStore: the audit log),
// plus the schema. One implementation per database (sqlite/ now, postgres/ next) implements
// every role and passes every role's test suite.
//
// A consumer takes only the roles it uses (auth/ an AuthStore&, lake/ a CatalogStore&); a
// MetadataStore& converts to each. Code that changes several roles in one transaction, or
// that uses nearly all of them (the CLI, the web server, the scheduler), takes the
// MetadataStore. The rules every role follows (threads, atomicity, error codes, Transaction())
// are in transactional_store.h.
class MetadataStore : public RunStore,
                      public DagStore,
                      public CatalogStore,
                      public AuthStore,
                      public JobStore,
                      public ConfigStore,
                      public AuditStore {
 public:
  // Schema. Migrate() applies every pending migration in order, each in its own transaction,
  // and is a no-op when the schema is current.
  virtual Status Migrate() = 0;
  virtual Result<int> SchemaVersion() = 0;
  virtual int LatestSchemaVersion() const = 0;
};

}  // namespace weir
