// SentLinks: see crawl_internal.h.
#include <algorithm>
#include <bit>
#include <cstdlib>
#include <functional>
#include <new>

#include "crawl/crawl_internal.h"

namespace hc::crawl::internal {

namespace {

std::size_t Capacity(std::size_t max_slots) { return std::bit_ceil(std::max(max_slots, std::size_t{1})); }

uint64_t* ZeroedSlots(std::size_t count) {
  // calloc, not a vector: a vector writes every slot (8 MB resident at once); calloc's large blocks are
  // fresh anonymous mappings that stay unbacked until a slot is written.
  auto* p = static_cast<uint64_t*>(std::calloc(count, sizeof(uint64_t)));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

// The slot comes from the high bits mixed in, so that the slot and the stored tag are not the same bits.
uint64_t Home(uint64_t h) { return h >> 32 ^ h; }

}  // namespace

void SentLinks::FreeSlots::operator()(uint64_t* p) const { std::free(p); }

SentLinks::SentLinks(std::size_t max_slots)
    : slots_(ZeroedSlots(Capacity(max_slots))),
      max_mask_(Capacity(max_slots) - 1),
      mask_(std::min<uint64_t>(kInitialSlots, Capacity(max_slots)) - 1) {}

bool SentLinks::FirstTime(std::string_view key) {
  uint64_t h = std::hash<std::string_view>{}(key);
  if (h == 0) h = 1;  // 0 marks an empty slot
  std::lock_guard lock(mu_);
  uint64_t& slot = slots_[Home(h) & mask_];
  if (slot == h) return false;
  if (slot == 0) ++filled_;
  slot = h;
  if (filled_ > (mask_ + 1) / 4 && mask_ < max_mask_) Double();
  return true;
}

std::size_t SentLinks::slots() const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(mask_) + 1;
}

void SentLinks::Double() {
  const uint64_t old_size = mask_ + 1;
  mask_ = mask_ * 2 + 1;
  // Slot i's key belongs at i or at i + old_size under the new mask; the upper half is still empty.
  for (uint64_t i = 0; i < old_size; ++i) {
    const uint64_t h = slots_[i];
    if (h != 0 && (Home(h) & mask_) != i) {
      slots_[i + old_size] = h;
      slots_[i] = 0;
    }
  }
}

}  // namespace hc::crawl::internal
