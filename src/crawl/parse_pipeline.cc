// ParseWorkerCount; the pipeline itself is a template (parse_pipeline.h).
#include "crawl/parse_pipeline.h"

#include <algorithm>
#include <thread>

namespace hc::crawl::internal {

int ParseWorkerCount(int requested) {
  if (requested > 0) return requested;
  // hardware_concurrency may answer 0 when it cannot tell.
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace hc::crawl::internal
