#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace weir {

// Plain file operations. Every error names the path and the errno text, so a user can act
// on it ("cannot read '/dags/x.yaml': Permission denied").

// The whole content of the file at path. kNotFound when it does not exist, kIo otherwise.
Result<std::string> ReadFile(const std::string& path);

// Replaces the file at path with content so that readers see either the old or the new
// content, never a mix: writes a temporary file in the same folder, fsyncs it, renames it
// over path, and fsyncs the folder. On failure the temporary file is removed and the old
// content is untouched. The parent folder must exist.
Status WriteFileAtomic(const std::string& path, std::string_view content);

// Creates path and its missing parents (mkdir -p). Succeeds when the folder exists already;
// fails when path or a parent exists but is not a folder.
Status MakeDirs(const std::string& path);

// The regular files in dir (with recursive, in its sub-folders too), as paths that start
// with dir ("dir/a.yaml", "dir/sub/b.yaml"), sorted. Hidden entries (names starting with
// '.') are skipped, and so are their contents. kNotFound when dir does not exist.
Result<std::vector<std::string>> ListFiles(const std::string& dir, bool recursive);

}  // namespace weir
