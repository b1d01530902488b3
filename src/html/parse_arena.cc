// ParseArena: see parse_arena_internal.h for why Gumbo's memory comes from an arena.
#include <cstddef>
#include <cstdlib>
#include <memory>

#include "html/parse_arena_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define HC_ARENA_PER_ALLOCATION 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HC_ARENA_PER_ALLOCATION 1
#endif
#endif

namespace hc::html::internal {

void ParseArena::FreeDeleter::operator()(char* p) const { std::free(p); }

char* ParseArena::NewBlock(std::size_t bytes) {
  auto* p = static_cast<char*>(std::malloc(bytes));
  if (!p) return nullptr;
  blocks_.emplace_back(p);
  reserved_ += bytes;
  return p;
}

void* ParseArena::Allocate(std::size_t size) {
  constexpr std::size_t kAlign = alignof(std::max_align_t);
  size = (size + kAlign - 1) & ~(kAlign - 1);
  if (size == 0) size = kAlign;
#ifdef HC_ARENA_PER_ALLOCATION
  // Under AddressSanitizer every allocation is a malloc of its own, so that a read or write past the
  // end of one of Gumbo's buffers is still caught (a bump allocator would hide it inside the block).
  return NewBlock(size);
#else
  if (size > kBlockBytes / 4) {
    // A large buffer (the text of a long paragraph, a big child vector) gets a block of its own, so
    // that the current block's free space is not thrown away for it.
    return NewBlock(size);
  }
  if (size > left_) {
    next_ = NewBlock(kBlockBytes);
    if (!next_) {
      left_ = 0;
      return nullptr;
    }
    left_ = kBlockBytes;
  }
  void* out = next_;
  next_ += size;
  left_ -= size;
  return out;
#endif
}

void* ParseArena::GumboAllocate(void* arena, std::size_t size) {
  return static_cast<ParseArena*>(arena)->Allocate(size);
}

void ParseArena::GumboFree(void*, void*) {
  // Nothing: the blocks go with the arena.
}

}  // namespace hc::html::internal
