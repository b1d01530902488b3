// ParseArena: see parse_arena_internal.h for why Gumbo's memory comes from an arena.
#include <cstddef>
#include <cstdlib>
#include <memory>

#include "html/parse_arena_internal.h"

namespace hc::html::internal {
namespace {

// Under AddressSanitizer every allocation is a malloc of its own, so that a read or write past the
// end of one of Gumbo's buffers is still caught (a bump allocator would hide it inside the block).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMallocEach = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kMallocEach = true;
#else
constexpr bool kMallocEach = false;
#endif
#else
constexpr bool kMallocEach = false;
#endif

}  // namespace

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
  if (kMallocEach || size > kBlockBytes / 4) {
    // Every allocation under ASan; otherwise a large buffer (the text of a long paragraph, a big child
    // vector), so that the current block's free space is not thrown away for it.
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
}

void ParseArena::Clear() {
  blocks_.clear();
  next_ = nullptr;
  left_ = 0;
  reserved_ = 0;
}

void* ParseArena::GumboAllocate(void* arena, std::size_t size) {
  return static_cast<ParseArena*>(arena)->Allocate(size);
}

void ParseArena::GumboFree(void*, void*) {
  // Nothing: the blocks go with the arena.
}

}  // namespace hc::html::internal
