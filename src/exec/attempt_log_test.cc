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
