#pragma once

#include <map>
#include <string>

#include "base/status.h"

namespace weir {

// AWS's shared files, as the AWS CLI and the SDKs read them: the credentials file
// (AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials; sections [NAME]) and the config
// file (AWS_CONFIG_FILE, default ~/.aws/config; sections [default] and [profile NAME]).

// The settings of profile `name` (aws_access_key_id, aws_secret_access_key,
// aws_session_token, region, ...), the credentials file's over the config file's; empty
// when neither file has the profile (or the files do not exist). An unreadable file is an
// error naming it.
Result<std::map<std::string, std::string>> ReadAwsProfile(const std::string& name);

// The profile to use: `explicit_name` when given, else AWS_PROFILE, else "default".
std::string AwsProfileName(const std::string& explicit_name);

}  // namespace weir
