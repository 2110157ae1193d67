#pragma once

#include <string>
#include <vector>

#include "base/sealed.h"
#include "env/files.h"

namespace weir {

// Where the keys that seal secrets at rest (base/sealed.h) come from: the environment
// variable WEIR_SECRET_KEY when it is set (one or more base64url keys separated by commas),
// otherwise the key file (`<home>/secret.key` unless weir.yaml's secret_key_file says
// otherwise: one key per line, '#' comments). In both, the first key seals and every key
// opens, which is how a key is rotated.

inline constexpr char kSecretKeyEnv[] = "WEIR_SECRET_KEY";

// True when WEIR_SECRET_KEY is set (then the key file is not read).
bool SealKeysFromEnvironment();

// The keys as written (base64url), from the environment or the file; an empty list when
// neither exists. Refuses a key file that group or other users may read or write.
Result<std::vector<std::string>> ReadSealKeyTexts(const std::string& key_file);

// The ring of those keys; kNotFound (saying where keys are looked for) when there are none.
Result<SealKeyRing> LoadSealKeys(const std::string& key_file);

// As LoadSealKeys, but when there are no keys at all, makes the key file (owner-only) with
// one new key: for the first secret stored.
Result<SealKeyRing> LoadOrCreateSealKeys(const std::string& key_file);

// Replaces the key file (atomically, owner-only) with `keys`, the first sealing.
Status WriteSealKeyFile(const std::string& key_file, const std::vector<std::string>& keys,
                        WriteMode mode = WriteMode::kReplace);

}  // namespace weir
