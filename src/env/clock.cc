#include "env/clock.h"

namespace weir {

Time SystemClock::Now() const {
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
}

}  // namespace weir
