#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace date {
class time_zone;
}

namespace weir {

// All instants in weir are UTC with microsecond precision; zones matter only for display
// and for evaluating schedules (schedule/).
using Micros = std::chrono::microseconds;
using Time = std::chrono::sys_time<Micros>;
using Duration = Micros;

inline constexpr Time kEpoch{};

int64_t ToMicros(Time t);
Time FromMicros(int64_t micros);

// "2021-01-01T00:00:00Z"; fractional seconds are printed only when non-zero.
std::string FormatIso(Time t);
// "2021-01-01T00:00:00+00:00" (Airflow's run_id and `ts` form) in the given zone's offset.
std::string FormatIsoOffset(Time t, const date::time_zone* zone);
// "2021-01-01" of t in the zone (UTC when zone is null).
std::string FormatDate(Time t, const date::time_zone* zone = nullptr);
// strftime-style formatting of t's wall time in `zone` (UTC when null). Supports the
// specifiers of C's strftime plus %f (microseconds, Python's) and %z/%Z of the zone.
std::string FormatTime(Time t, std::string_view format, const date::time_zone* zone = nullptr);

// Looks up an IANA zone ("UTC", "Europe/Berlin"). The error lists how to find valid names.
Result<const date::time_zone*> FindZone(std::string_view name);

// Parses "2021-01-01", "2021-01-01 06:00", "2021-01-01T06:00:00", with optional fraction and
// optional "Z" or "+hh:mm". A value without an offset is wall time in `zone` (UTC when null);
// a wall time that does not exist (DST gap) moves forward by the gap, an ambiguous one takes
// the earlier instant.
Result<Time> ParseDateTime(std::string_view text, const date::time_zone* zone = nullptr);

// Parses a duration: "30s", "5m", "1h30m", "2d", "1w", "500ms", a bare number of seconds,
// an ISO-8601 "PT1H30M", or "HH:MM:SS". Errors name the text and show valid forms.
Result<Duration> ParseDuration(std::string_view text);
// "1h 30m", "45s", "1.2s", "350ms": short, for people.
std::string FormatDuration(Duration d);
// Seconds as a double, for JSON and tables.
double ToSeconds(Duration d);

}  // namespace weir
