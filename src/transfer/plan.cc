#include "transfer/plan.h"

#include <algorithm>
#include <map>

namespace weir {

namespace {

// The deletions `plan` makes, against the limit: an error before anything is deleted.
Status CheckMaxDeletes(const TransferSpec& spec, const TransferPlan& plan) {
  if (!spec.max_deletes) return {};
  int64_t deletes = 0;
  int64_t of = 0;
  std::string where;
  if (spec.delete_objects_unique_in_sink) {
    deletes = plan.counters.objects_found_only_from_sink;
    of = plan.sink_considered;
    where = "from the sink " + spec.sink;
  } else {
    deletes = std::ranges::count_if(plan.items, &TransferItem::delete_source);
    of = plan.source_considered;
    where = "from the source " + spec.source;
  }
  const MaxDeletes& max = *spec.max_deletes;
  double percent = of == 0 ? 0 : 100.0 * static_cast<double>(deletes) / static_cast<double>(of);
  bool over = max.count >= 0 ? deletes > max.count : percent > max.percent;
  if (!over) return {};
  return Err(ErrorCode::kFailedPrecondition,
             "transfer: it would delete {} objects {} ({:.1f}% of {}), more than max_deletes {}; "
             "nothing was copied or deleted. Check the source and the conditions, or raise "
             "max_deletes",
             deletes, where, percent, of, max.text);
}

}  // namespace

std::string_view TransferActionName(TransferAction a) {
  switch (a) {
    case TransferAction::kCheck:
      return "check";
    case TransferAction::kSkip:
      return "skip";
    case TransferAction::kDeleteFromSink:
      return "delete";
    case TransferAction::kMissing:
      return "missing";
    case TransferAction::kCopy:
      break;
  }
  return "copy";
}

Json TransferCountersJson(const TransferCounters& c) {
  return Json{{"objects_found_from_source", c.objects_found_from_source},
              {"bytes_found_from_source", c.bytes_found_from_source},
              {"objects_found_only_from_sink", c.objects_found_only_from_sink},
              {"bytes_found_only_from_sink", c.bytes_found_only_from_sink},
              {"objects_from_source_skipped_by_sync", c.objects_from_source_skipped_by_sync},
              {"bytes_from_source_skipped_by_sync", c.bytes_from_source_skipped_by_sync},
              {"objects_copied_to_sink", c.objects_copied_to_sink},
              {"bytes_copied_to_sink", c.bytes_copied_to_sink},
              {"objects_deleted_from_source", c.objects_deleted_from_source},
              {"bytes_deleted_from_source", c.bytes_deleted_from_source},
              {"objects_deleted_from_sink", c.objects_deleted_from_sink},
              {"bytes_deleted_from_sink", c.bytes_deleted_from_sink},
              {"objects_from_source_failed", c.objects_from_source_failed},
              {"bytes_from_source_failed", c.bytes_from_source_failed},
              {"objects_failed_to_delete_from_sink", c.objects_failed_to_delete_from_sink},
              {"bytes_failed_to_delete_from_sink", c.bytes_failed_to_delete_from_sink}};
}

std::optional<bool> SameContent(const ObjectInfo& source, const ObjectInfo& sink,
                                std::string* why) {
  if (source.size != sink.size) {
    *why = fmt::format("size {} -> {}", sink.size, source.size);
    return false;
  }
  for (auto [name, field] :
       {std::pair{"md5", &ObjectInfo::md5}, std::pair{"sha256", &ObjectInfo::sha256}}) {
    const std::string& a = source.*field;
    const std::string& b = sink.*field;
    if (a.empty() || b.empty()) continue;
    *why = a == b ? fmt::format("same {}", name) : fmt::format("{} differs", name);
    return a == b;
  }
  *why = "same size, no checksum listed";
  return std::nullopt;
}

Result<TransferPlan> PlanTransfer(const TransferSpec& spec, const std::vector<ObjectInfo>& source,
                                  const std::vector<ObjectInfo>& sink, Time start,
                                  const std::optional<std::set<std::string>>& manifest) {
  TransferPlan plan;
  TransferCounters& n = plan.counters;
  const ObjectConditions& cond = spec.object_conditions;
  std::map<std::string_view, const ObjectInfo*> in_sink;
  for (const ObjectInfo& o : sink) in_sink[o.key] = &o;
  std::set<std::string_view> in_source;
  for (const ObjectInfo& o : source) in_source.insert(o.key);
  for (const ObjectInfo& o : source) {
    if (manifest && !manifest->contains(o.key)) continue;
    std::optional<Time> modified;
    if (o.modified != Time{}) modified = o.modified;
    if (!cond.Admits(o.key, modified, start)) continue;
    ++plan.source_considered;
    TransferItem item{.key = o.key, .source = o};
    auto existing = in_sink.find(o.key);
    if (existing == in_sink.end()) {
      item.action = TransferAction::kCopy;
      item.reason = "new";
    } else {
      item.sink = *existing->second;
      std::string why;
      std::optional<bool> same = SameContent(o, *existing->second, &why);
      switch (spec.overwrite_when) {
        case OverwriteWhen::kAlways:
          item.action = TransferAction::kCopy;
          item.reason = "overwrite_when: always";
          break;
        case OverwriteWhen::kNever:
          item.action = TransferAction::kSkip;
          item.reason = "in the sink (overwrite_when: never)";
          break;
        case OverwriteWhen::kDifferent:
          item.action = !same   ? TransferAction::kCheck
                        : *same ? TransferAction::kSkip
                                : TransferAction::kCopy;
          item.reason = why;
          break;
      }
    }
    if (item.action == TransferAction::kSkip) {
      ++n.objects_from_source_skipped_by_sync;
      n.bytes_from_source_skipped_by_sync += o.size;
    } else {
      ++n.objects_found_from_source;
      n.bytes_found_from_source += o.size;
    }
    // A move deletes what the sink now holds the same of: copied, or already there. A sink
    // object kept by overwrite_when: never is not the source's, so its source stays.
    item.delete_source = spec.delete_objects_from_source_after_transfer &&
                         !(spec.overwrite_when == OverwriteWhen::kNever && item.sink);
    plan.items.push_back(std::move(item));
  }
  if (manifest) {
    for (const std::string& key : *manifest) {
      if (in_source.contains(key)) continue;  // planned, or excluded by the conditions
      plan.items.push_back(TransferItem{.key = key,
                                        .action = TransferAction::kMissing,
                                        .reason = "named by the manifest, not in the source"});
    }
  }
  for (const ObjectInfo& o : sink) {
    if (!cond.AdmitsKey(o.key)) continue;
    ++plan.sink_considered;
    if (!spec.delete_objects_unique_in_sink) continue;
    // The source has it, though the conditions left it out this time: not unique to the sink.
    if (in_source.contains(o.key)) continue;
    ++n.objects_found_only_from_sink;
    n.bytes_found_only_from_sink += o.size;
    plan.items.push_back(TransferItem{.key = o.key,
                                      .action = TransferAction::kDeleteFromSink,
                                      .reason = "only in the sink",
                                      .sink = o});
  }
  std::ranges::stable_sort(plan.items, {}, &TransferItem::key);
  TRY(CheckMaxDeletes(spec, plan));
  return plan;
}

}  // namespace weir
