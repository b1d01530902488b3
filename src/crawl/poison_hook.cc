// The crash hook of the test builds (poison_internal.h). This file compiles to nothing unless
// HC_CRASH_HOOKS is defined, which only tests/CMakeLists.txt's hc_crawl_crash_hooks does, so the
// healthcrawl binary holds neither the hook nor its trigger string (CrashHook.ProductBinaryLacksIt).
#ifdef HC_CRASH_HOOKS

#include <csignal>
#include <cstdlib>
#include <string_view>

#include "crawl/poison_internal.h"

namespace hc::crawl::internal {

void CrashHookForTests(std::string_view url) {
  const char* trigger = std::getenv("HC_TEST_CRASH_ON_PARSE");
  if (trigger && *trigger && url.find(trigger) != std::string_view::npos) std::raise(SIGSEGV);
}

}  // namespace hc::crawl::internal

#endif  // HC_CRASH_HOOKS
