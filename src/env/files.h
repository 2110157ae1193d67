#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace weir {

// Plain file operations. Every error names the path and the errno text, so a user can act
// on it ("cannot read '/dags/x.yaml': Permission denied").

// The whole content of the file at path. kNotFound when it does not exist, kIo otherwise.
Result<std::string> ReadFile(const std::string& path);

// The content of the regular file at `path`, which must lie inside the folder `root` once
// symbolic links are resolved: a link to a file elsewhere (/etc/shadow) is refused before its
// content is read, with a kFailedPrecondition error naming the link and the folder it points
// into. The check is made again on the opened file, so swapping the link in between does not
// get around it. Also refused: what is not a regular file (a FIFO, a device), and a file of
// more than max_bytes (kInvalidArgument). kNotFound when path does not exist.
Result<std::string> ReadFileWithin(const std::string& root, const std::string& path,
                                   size_t max_bytes);

// Succeeds when `path`, or the part of it that exists, lies inside the folder `root` once
// symbolic links are resolved, so that creating or writing `path` stays inside `root`.
// Otherwise kFailedPrecondition naming `path` and where a link leads. A check of paths, not
// of open files: see ReadFileWithin for reading.
Status CheckStaysInside(const std::string& root, const std::string& path);

// Replaces the file at path (owner-only: 0600) with content so that readers see either the
// old or the new content, never a mix: writes a temporary file in the same folder, fsyncs it,
// renames it over path, and fsyncs the folder. On failure the temporary file is removed and the old
// content is untouched. The parent folder must exist.
// With if_absent, path is created only when no file of that name exists (link(2), which
// never replaces): of several processes creating the same file at once exactly one writes it
// and the others leave it as that one wrote it, reporting success.
enum class WriteMode { kReplace, kIfAbsent };
Status WriteFileAtomic(const std::string& path, std::string_view content,
                       WriteMode mode = WriteMode::kReplace);

// Makes every file and folder this process (and the tasks it starts) creates from now on
// owner-only, whatever the umask it was started with: files 0600, folders 0700 at most
// (sets the umask to 077). weir's home holds secret variables, password hashes and sessions
// in its database, and secrets can reach logs, work folders and the lake; SQLite and DuckDB
// create their own files (-wal, -shm, .wal) and take the umask too. Returns the old umask.
unsigned RestrictNewFilesToOwner();

// "" when only its owner may read or enter `path` (or it does not exist); otherwise a
// warning naming `what`, the path and its mode, and the chmod that fixes it. For a home made
// by an older weir or by hand.
std::string OpenToOthersWarning(const std::string& path, std::string_view what);

// Creates path and its missing parents (mkdir -p), owner-only (0700). Succeeds when the folder
// exists already; fails when path or a parent exists but is not a folder.
Status MakeDirs(const std::string& path);

// The regular files in dir (with recursive, in its sub-folders too), as paths that start
// with dir ("dir/a.yaml", "dir/sub/b.yaml"), sorted. Hidden entries (names starting with
// '.') are skipped, and so are their contents. kNotFound when dir does not exist.
Result<std::vector<std::string>> ListFiles(const std::string& dir, bool recursive);

}  // namespace weir
