#include "env/process_table.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/strings.h"

namespace weir {

namespace {

// Reads a whole small /proc file; empty when it cannot be read.
std::string ReadProcFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

}  // namespace

std::optional<ProcessEntry> ReadProcessEntry(int pid) {
  if (pid <= 0) return std::nullopt;
  std::string stat = ReadProcFile("/proc/" + std::to_string(pid) + "/stat");
  // The command name (field 2) may hold spaces and ')'; the fields after the last ')' do not.
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::vector<std::string> fields = Split(Trim(std::string_view(stat).substr(paren + 1)), ' ');
  // fields[0] is field 3 (state), fields[1] field 4 (ppid), fields[2] field 5 (pgrp),
  // fields[19] field 22 (starttime).
  if (fields.size() < 20) return std::nullopt;
  ProcessEntry e;
  e.pid = pid;
  e.zombie = fields[0] == "Z" || fields[0] == "X";
  e.pgid = std::atoi(fields[2].c_str());
  e.ppid = std::atoi(fields[1].c_str());
  e.start_ticks = std::strtoll(fields[19].c_str(), nullptr, 10);
  return e;
}

std::vector<ProcessEntry> ListProcesses() {
  std::vector<ProcessEntry> out;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* d = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(d->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    if (auto e = ReadProcessEntry(static_cast<int>(pid))) out.push_back(*e);
  }
  closedir(dir);
  return out;
}

std::optional<std::string> ProcessEnvValue(int pid, std::string_view name) {
  std::string env = ReadProcFile("/proc/" + std::to_string(pid) + "/environ");
  std::string_view rest(env);
  while (!rest.empty()) {
    size_t nul = rest.find('\0');
    std::string_view entry = rest.substr(0, nul);
    if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=') {
      return std::string(entry.substr(name.size() + 1));
    }
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  return std::nullopt;
}

bool ProcessEnvironEmpty(int pid) {
  int fd = open(("/proc/" + std::to_string(pid) + "/environ").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char c;
  ssize_t n = read(fd, &c, 1);
  close(fd);
  return n == 0;
}

}  // namespace weir
