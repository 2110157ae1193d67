#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/secret_masker.h"
#include "base/status.h"

namespace weir {

// The log file of one attempt, fed the child's stdout and stderr. Output is written a whole
// line at a time, so the two streams interleave by line, never mid-line; a line longer than
// 64 KiB is written in pieces. It also remembers the last non-empty stdout line (the XCom
// of bash-like operators). Every byte passes the attempt's SecretMasker on its way to the
// file, so the file never holds a secret it knew of (a secret split across lines or chunks
// included); the last stdout line is kept raw, since it becomes the task's XCom, which is
// masked where it is shown. Writes are best effort: a full disk must not leave an attempt
// unreported. With timestamps, every line starts with the UTC time it was written
// ("2021-01-01T00:00:00.123Z "), weir's own lines and the child's alike. Used by one thread.
class AttemptLog {
 public:
  enum Stream { kStdout = 0, kStderr = 1 };

  AttemptLog() = default;  // no file: output is only tracked
  // Opens path for appending, creating its parent folders; an empty path gives no file.
  // Errors name the path.
  static Result<AttemptLog> Open(const std::string& path, SecretMasker masker = {},
                                 bool timestamps = false);

  AttemptLog(AttemptLog&& other) noexcept;
  AttemptLog& operator=(AttemptLog&& other) noexcept;
  AttemptLog(const AttemptLog&) = delete;
  AttemptLog& operator=(const AttemptLog&) = delete;
  ~AttemptLog();

  // Writes text as is (weir's own lines: header, footer).
  void Write(std::string_view text);
  // Child output as it arrives, in chunks of any size.
  void Append(Stream stream, const char* data, size_t size);
  // Writes each stream's unterminated last line, with a '\n' (and what the masker held
  // back). Call when the child is done.
  void FlushPartialLines();
  // The last stdout line that is not blank, right-trimmed; empty if there was none.
  std::string TakeLastStdoutLine() { return std::move(last_line_); }
  void Close();

 private:
  AttemptLog(int fd, SecretMasker masker, bool timestamps)
      : fd_(fd), masker_(std::move(masker)), timestamps_(timestamps) {}
  void WriteFile(std::string_view text);  // masked text, stamped
  void WriteRaw(std::string_view text);
  void AppendLines(Stream stream, std::string_view text);  // masked text
  void TrackLastLine(std::string_view raw);
  void EndStdoutLine();
  void FlushPartial(Stream stream);

  int fd_ = -1;
  SecretMasker masker_;
  bool timestamps_ = false;
  bool line_start_ = true;    // the file ends with a whole line: the next byte starts one
  MaskingStream masking_[2];  // per stream, what may begin a secret waits here
  std::string partial_[2];    // per stream, the (masked) line still being written
  std::string stdout_line_;   // the raw stdout line still being written
  std::string last_line_;
};

}  // namespace weir
