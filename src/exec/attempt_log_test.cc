#include "exec/attempt_log.h"

#include <gtest/gtest.h>

#include "env/files.h"
#include "env/temp_dir.h"

namespace weir {
namespace {

void Append(AttemptLog& log, AttemptLog::Stream s, std::string_view text) {
  log.Append(s, text.data(), text.size());
}

TEST(AttemptLog, InterleavesStreamsByWholeLines) {
  TempDir dir;
  std::string path = dir.Join("a/b/1.log");
  auto log = AttemptLog::Open(path);
  ASSERT_TRUE(log) << log.error().message;
  Append(*log, AttemptLog::kStdout, "hel");
  Append(*log, AttemptLog::kStderr, "warn");
  Append(*log, AttemptLog::kStdout, "lo\nwor");
  Append(*log, AttemptLog::kStderr, "ing\n");
  Append(*log, AttemptLog::kStdout, "ld");
  log->FlushPartialLines();
  log->Close();
  EXPECT_EQ(ReadFile(path).value_or(""), "hello\nwarning\nworld\n");
}

TEST(AttemptLog, StampsEveryLineWithItsTimeWhenAsked) {
  TempDir dir;
  std::string path = dir.Join("1.log");
  auto log = AttemptLog::Open(path, SecretMasker({"SECRET"}), /*timestamps=*/true);
  ASSERT_TRUE(log) << log.error().message;
  log->Write("[weir] header one\n[weir] header two\n");
  Append(*log, AttemptLog::kStdout, "out 1\nout");
  Append(*log, AttemptLog::kStderr, "err SECRET\n");
  Append(*log, AttemptLog::kStdout, " 2\n\nlast");
  log->FlushPartialLines();
  log->Write("[weir] exit status 0 after 0.01s\n");
  log->Close();
  std::string text = ReadFile(path).value_or("");
  std::vector<std::string> lines;
  for (size_t at = 0; at < text.size();) {
    size_t nl = text.find('\n', at);
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  const std::vector<std::string> want = {"[weir] header one",
                                         "[weir] header two",
                                         "out 1",
                                         "err ***",
                                         "out 2",
                                         "",
                                         "last",
                                         "[weir] exit status 0 after 0.01s"};
  ASSERT_EQ(lines.size(), want.size()) << text;
  for (size_t i = 0; i < want.size(); ++i) {
    // "2026-12-07T02:03:04.123Z " then the line as written.
    ASSERT_GE(lines[i].size(), 25u) << lines[i];
    EXPECT_EQ(lines[i].substr(25), want[i]);
    EXPECT_EQ(lines[i][4], '-');
    EXPECT_EQ(lines[i][10], 'T');
    EXPECT_EQ(lines[i][19], '.');
    EXPECT_EQ(lines[i].substr(23, 2), "Z ");
  }
}

TEST(AttemptLog, TracksTheLastNonBlankStdoutLineAcrossChunks) {
  AttemptLog log;
  Append(log, AttemptLog::kStdout, "first\nsec");
  Append(log, AttemptLog::kStdout, "ond  \n\n   \n");
  Append(log, AttemptLog::kStderr, "not stdout\n");
  EXPECT_EQ(log.TakeLastStdoutLine(), "second");
  Append(log, AttemptLog::kStdout, "x\ntail without newline");
  log.FlushPartialLines();
  EXPECT_EQ(log.TakeLastStdoutLine(), "tail without newline");
}

TEST(AttemptLog, MasksSecretsSplitAcrossChunksAndLinesBeforeTheyReachTheFile) {
  TempDir dir;
  std::string path = dir.Join("1.log");
  auto log = AttemptLog::Open(path, SecretMasker({"TOP\nSECRET", "HEADER'SECRET"}));
  ASSERT_TRUE(log) << log.error().message;
  log->Write("[weir] arguments {\"a\": \"HEADER'SECRET\"} process 'HEADER'\\''SECRET'\n");
  Append(*log, AttemptLog::kStdout, "a TOP");
  Append(*log, AttemptLog::kStderr, "err line\n");
  Append(*log, AttemptLog::kStdout, "\nSECRET b\nc TO");
  log->FlushPartialLines();
  log->Close();
  EXPECT_EQ(ReadFile(path).value_or(""),
            "[weir] arguments {\"a\": \"***\"} process '***'\nerr line\na *** b\nc TO\n");
}

TEST(AttemptLog, KeepsTheLastStdoutLineRawForTheXCom) {
  TempDir dir;
  auto log = AttemptLog::Open(dir.Join("1.log"), SecretMasker({"HEADERSECRET"}));
  ASSERT_TRUE(log);
  Append(*log, AttemptLog::kStdout, "value HEADERSECRET\n");
  log->FlushPartialLines();
  EXPECT_EQ(log->TakeLastStdoutLine(), "value HEADERSECRET");
  log->Close();
  EXPECT_EQ(ReadFile(dir.Join("1.log")).value_or(""), "value ***\n");
}

TEST(AttemptLog, OpenFailsNamingThePath) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("file"), "x"));
  auto log = AttemptLog::Open(dir.Join("file/1.log"));
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().message.find(dir.Join("file")), std::string::npos);
}

}  // namespace
}  // namespace weir
