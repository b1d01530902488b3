// ParseArena: the memory of one Gumbo parse. Gumbo makes thousands of small allocations per page
// (nodes, attribute vectors, text buffers) and frees each of them again in gumbo_destroy_output; through
// malloc that was about a tenth of a crawl's CPU. A bump allocator hands them out of a few large blocks
// and releases the blocks at once when the Document goes, so the tree is never walked to be freed.
// (Debian has no arena allocator library for C callbacks: APR pools and talloc would each add a
// dependency for forty lines.) Gumbo 0.10 grows vectors and buffers by allocate-copy-free, never
// realloc, so freed memory is simply not reused: the arena holds at most about twice what the tree
// keeps, and only for the life of one Document.
#ifndef HC_HTML_PARSE_ARENA_INTERNAL_H_
#define HC_HTML_PARSE_ARENA_INTERNAL_H_

#include <cstddef>
#include <memory>
#include <vector>

namespace hc::html::internal {

class ParseArena {
 public:
  ParseArena() = default;
  ParseArena(const ParseArena&) = delete;
  ParseArena& operator=(const ParseArena&) = delete;

  // Aligned for any type (Gumbo stores pointers, sizes and doubles); nullptr when out of memory.
  void* Allocate(std::size_t size);
  // Frees everything allocated so far (a tree that is thrown away); the arena can be used again.
  void Clear();
  // Bytes taken from malloc so far (blocks and large buffers); the arena's whole footprint.
  std::size_t bytes_reserved() const { return reserved_; }

  // Gumbo's allocator and deallocator callbacks; userdata is the arena.
  static void* GumboAllocate(void* arena, std::size_t size);
  static void GumboFree(void* arena, void* p);

 private:
  static constexpr std::size_t kBlockBytes = 64 * 1024;  // below glibc's mmap threshold

  struct FreeDeleter {
    void operator()(char* p) const;
  };
  char* NewBlock(std::size_t bytes);  // nullptr when out of memory

  std::vector<std::unique_ptr<char, FreeDeleter>> blocks_;
  char* next_ = nullptr;  // free space in the newest ordinary block
  std::size_t left_ = 0;
  std::size_t reserved_ = 0;
};

}  // namespace hc::html::internal

#endif  // HC_HTML_PARSE_ARENA_INTERNAL_H_
