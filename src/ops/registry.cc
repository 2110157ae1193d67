#include "ops/registry.h"

#include <array>

#include "ops/bash.h"
#include "ops/csv_to_parquet.h"
#include "ops/empty.h"
#include "ops/external_table.h"
#include "ops/http_download.h"
#include "ops/lake_put.h"
#include "ops/python.h"
#include "ops/sql.h"
#include "ops/transfer.h"

namespace weir {
namespace {

// Constant, stateless objects built on first use; sorted by name.
const std::array<const Operator*, 9>& Operators() {
  static const BashOperator bash;
  static const CsvToParquetOperator csv_to_parquet;
  static const EmptyOperator empty;
  static const ExternalTableOperator external_table;
  static const HttpDownloadOperator http_download;
  static const LakePutOperator lake_put;
  static const PythonOperator python;
  static const SqlOperator sql;
  static const TransferOperator transfer;
  static const std::array<const Operator*, 9> all = {
      &bash,     &csv_to_parquet, &empty, &external_table, &http_download,
      &lake_put, &python,         &sql,   &transfer};
  return all;
}

}  // namespace

const Operator* FindOperator(std::string_view name) {
  for (const Operator* op : Operators()) {
    if (op->schema().name == name) return op;
  }
  return nullptr;
}

std::vector<OperatorSchema> OperatorSchemas() {
  std::vector<OperatorSchema> out;
  for (const Operator* op : Operators()) out.push_back(op->schema());
  return out;
}

std::vector<std::string> OperatorNames() {
  std::vector<std::string> out;
  for (const Operator* op : Operators()) out.push_back(op->schema().name);
  return out;
}

}  // namespace weir
