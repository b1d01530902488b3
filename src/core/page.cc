// The page facts' test observer (core/page.h).
#include "core/page.h"

#include <atomic>

namespace hc {

namespace {
std::atomic<void (*)(PageFact, std::string_view)> fact_observer{nullptr};
}  // namespace

void SetPageFactObserverForTests(void (*observer)(PageFact fact, std::string_view subject)) {
  fact_observer.store(observer);
}

void ReportPageFact(PageFact fact, std::string_view subject) {
  if (auto* observer = fact_observer.load(std::memory_order_relaxed)) observer(fact, subject);
}

}  // namespace hc
