// SentLinks: see crawl_internal.h.
#include <algorithm>
#include <bit>
#include <functional>

#include "crawl/crawl_internal.h"

namespace hc::crawl::internal {

SentLinks::SentLinks(std::size_t slots) : slots_(std::bit_ceil(std::max<std::size_t>(slots, 1))), mask_(slots_.size() - 1) {}

bool SentLinks::FirstTime(std::string_view key) {
  uint64_t h = std::hash<std::string_view>{}(key);
  if (h == 0) h = 1;  // 0 marks an empty slot
  // The slot comes from the high bits, so that the slot and the stored tag are not the same bits.
  std::atomic<uint64_t>& slot = slots_[(h >> 32 ^ h) & mask_];
  return slot.exchange(h, std::memory_order_relaxed) != h;
}

}  // namespace hc::crawl::internal
