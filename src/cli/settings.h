#pragma once

// The one table of weir.yaml settings: key, default, environment variable, what it means.
// LoadConfig reads through it, `weir config list` prints it with each value's source, the
// weir.yaml of a new home is written from it, and `weir config reference` prints the docs'
// table (docs/cli.md holds that output; a test keeps them equal).

#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "cli/config.h"

namespace weir {

struct Setting {
  std::string_view key;
  std::string_view default_value;  // as written in weir.yaml; empty: unset
  std::string_view env;            // the environment variable that overrides it; empty: none
  std::string_view meaning;        // for the docs (Markdown) and `weir config list`
  std::string_view comment;        // for the weir.yaml of a new home; empty: use `meaning`
  // Stores `value` in `config` (paths still relative to the home); an error says what the
  // value must be, without saying where it came from (the caller adds that).
  Status (*apply)(Config& config, const std::string& value);
  // The value in effect, as `weir config list` shows it (paths absolute).
  std::string (*show)(const Config& config);
};

// Every setting, in the order weir.yaml and the docs list them.
std::span<const Setting> Settings();

// The docs' table of settings (Markdown), as docs/cli.md must hold it.
std::string SettingsReference();

}  // namespace weir
