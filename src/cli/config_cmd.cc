// `weir config list` (every setting, its value and where it came from) and `weir config
// reference` (the docs' table of settings).
#include "cli/commands.h"
#include "cli/settings.h"

namespace weir {

namespace {

Result<int> ConfigList(CliState& state) {
  Config config = TRY(LoadConfig());
  Table t({"key", "value", "source"});
  std::vector<Setting> settings(Settings().begin(), Settings().end());
  for (size_t i = 0; i < settings.size(); ++i) {
    const Config::Source& src = config.sources[i];
    std::string value = settings[i].show(config);
    t.AddRow({src.key, value.empty() ? "(unset)" : value, src.from},
             Json{{"key", src.key},
                  {"value", value.empty() ? Json(nullptr) : Json(value)},
                  {"source", src.from},
                  {"environment", std::string(settings[i].env)}});
  }
  t.Print(state.format());
  return kExitOk;
}

}  // namespace

void AddConfigCommands(CLI::App& app, CliState& state) {
  auto* config = app.add_subcommand("config", "Show weir's settings and where they come from");
  config->require_subcommand(1);
  auto* list = config->add_subcommand(
      "list", "Every setting: its value and its source (default, weir.yaml:LINE or WEIR_...)");
  AddOutputOption(list, state);
  list->callback([&state] { state.Run([&] { return ConfigList(state); }); });
  config
      ->add_subcommand("reference", "Print the table of settings (Markdown) that docs/cli.md holds")
      ->callback([&state] {
        state.Run([]() -> Result<int> {
          fmt::print("{}", SettingsReference());
          return kExitOk;
        });
      });
}

}  // namespace weir
