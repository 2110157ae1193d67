#pragma once

#include <functional>

#include "base/status.h"

namespace weir {

// What every role of the metadata store shares: transactions, and the rules below. The roles
// (run_store.h, dag_store.h, catalog_store.h, auth_store.h, job_store.h, config_store.h,
// audit_store.h) inherit this class virtually, so the roles of one store (one MetadataStore)
// share one TransactionalStore: its Transaction() covers the calls made through any of them.
//
// An instance is used by one thread at a time; each thread or process opens its own.
// Every method is atomic on its own; Transaction() groups several. Methods return
// kNotFound for a missing row, kAlreadyExists for a duplicate key, kUnavailable when the
// database is busy beyond its timeout.
class TransactionalStore {
 public:
  virtual ~TransactionalStore() = default;

  // Runs fn inside one transaction: committed when fn succeeds, rolled back when it fails.
  // Nested calls join the outer transaction.
  virtual Status Transaction(const std::function<Status()>& fn) = 0;
};

// Whether `a` and `b` are roles of one store, so that one Transaction() covers both (a
// caller that changes two roles together checks this before relying on it).
inline bool SameStore(const TransactionalStore& a, const TransactionalStore& b) { return &a == &b; }

}  // namespace weir
