#include "env/seal_keys.h"

#include <sys/stat.h>

#include <cstdlib>

#include "base/strings.h"
#include "env/files.h"

namespace weir {

bool SealKeysFromEnvironment() {
  const char* env = std::getenv(kSecretKeyEnv);
  return env != nullptr && *env != '\0';
}

Result<std::vector<std::string>> ReadSealKeyTexts(const std::string& key_file) {
  std::vector<std::string> keys;
  if (SealKeysFromEnvironment()) {
    for (std::string_view part : Split(std::getenv(kSecretKeyEnv), ',')) {
      std::string_view key = Trim(part);
      if (!key.empty()) keys.emplace_back(key);
    }
    return keys;
  }
  struct stat st {};
  if (stat(key_file.c_str(), &st) != 0) return keys;
  if ((st.st_mode & 077) != 0) {
    return Err(ErrorCode::kFailedPrecondition,
               "the secret key file {} can be read or written by other users (mode {:04o}); "
               "weir will not use it: run `chmod 600 {}`",
               key_file, st.st_mode & 07777, key_file);
  }
  std::string text = TRY(ReadFile(key_file));
  for (std::string_view line : Split(text, '\n')) {
    std::string_view key = Trim(line);
    if (!key.empty() && key.front() != '#') keys.emplace_back(key);
  }
  return keys;
}

Result<SealKeyRing> LoadSealKeys(const std::string& key_file) {
  std::vector<std::string> keys = TRY(ReadSealKeyTexts(key_file));
  std::string where = SealKeysFromEnvironment() ? std::string(kSecretKeyEnv) : key_file;
  if (keys.empty()) {
    return Err(ErrorCode::kNotFound,
               "no key to open sealed secrets: {} is empty or missing (set {} or restore the "
               "key file)",
               where, kSecretKeyEnv);
  }
  return SealKeyRing::FromText(keys, where);
}

Result<SealKeyRing> LoadOrCreateSealKeys(const std::string& key_file) {
  if (TRY(ReadSealKeyTexts(key_file)).empty()) {
    // A scheduler and a worker started together on one home both come here: only one key
    // may be made, and both must use it, so a missing file is created only if still absent.
    struct stat st {};
    bool missing = stat(key_file.c_str(), &st) != 0;
    TRY(WriteSealKeyFile(key_file, {SealKeyRing::NewKeyText()},
                         missing ? WriteMode::kIfAbsent : WriteMode::kReplace));
  }
  return LoadSealKeys(key_file);
}

Status WriteSealKeyFile(const std::string& key_file, const std::vector<std::string>& keys,
                        WriteMode mode) {
  std::string text =
      "# weir's keys for secrets sealed in its database (the first seals, all open).\n"
      "# Keep a copy somewhere safe: without it stored connection secrets cannot be read.\n";
  for (const std::string& k : keys) text += k + "\n";
  return WriteFileAtomic(key_file, text, mode);
}

}  // namespace weir
