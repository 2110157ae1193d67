#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "store/records.h"
#include "store/transactional_store.h"

namespace weir {

// What users configure while weir runs (not weir.yaml): variables and connections, which
// tasks read, and pools, which limit how many task instances run at once. The rules of every role
// are in transactional_store.h.
class ConfigStore : public virtual TransactionalStore {
 public:
  // Variables.
  virtual Status SetVariable(const Variable& v) = 0;
  virtual Result<Variable> GetVariable(const std::string& key) = 0;
  virtual Result<std::vector<Variable>> ListVariables() = 0;
  virtual Status DeleteVariable(const std::string& key) = 0;

  // Connections (replaced whole by Set). Get: kNotFound when there is none.
  virtual Status SetConnection(const StoredConnection& c) = 0;
  virtual Result<StoredConnection> GetConnection(const std::string& conn_id) = 0;
  virtual Result<std::vector<StoredConnection>> ListConnections() = 0;  // by conn_id
  virtual Status DeleteConnection(const std::string& conn_id) = 0;

  // Pools. `default_pool` (128 slots) exists after MetadataStore::Migrate().
  virtual Status SetPool(const Pool& p) = 0;
  virtual Result<Pool> GetPool(const std::string& name) = 0;
  virtual Result<std::vector<Pool>> ListPools() = 0;
  virtual Status DeletePool(const std::string& name) = 0;  // default_pool cannot be deleted
};

}  // namespace weir
