// ParseArena: Gumbo's memory for one Document (src/html/parse_arena_internal.h).
#include "html/parse_arena_internal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "html/html.h"

namespace hc::html {
namespace {

using internal::ParseArena;

TEST(ParseArenaTest, AllocationsAreAlignedAndDoNotOverlap) {
  ParseArena arena;
  std::vector<std::pair<unsigned char*, std::size_t>> got;
  // Sizes around the alignment, small ones, and ones over a quarter of a block (their own block).
  for (std::size_t size : {0u, 1u, 7u, 15u, 16u, 17u, 100u, 4096u, 16385u, 70000u, 3u, 64u}) {
    auto* p = static_cast<unsigned char*>(arena.Allocate(size));
    ASSERT_NE(p, nullptr) << size;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t), 0u) << size;
    std::memset(p, static_cast<int>(got.size() + 1), size);
    got.emplace_back(p, size);
  }
  // Every region still holds its own fill byte: no allocation overwrote another.
  for (std::size_t i = 0; i < got.size(); ++i) {
    for (std::size_t k = 0; k < got[i].second; ++k) {
      ASSERT_EQ(got[i].first[k], static_cast<unsigned char>(i + 1)) << "allocation " << i << " byte " << k;
    }
  }
}

TEST(ParseArenaTest, ReservesBlocksNotAllocations) {
  ParseArena arena;
  EXPECT_EQ(arena.bytes_reserved(), 0u);
  for (int i = 0; i < 10000; ++i) ASSERT_NE(arena.Allocate(24), nullptr);
  // 10,000 allocations of 32 bytes (24 rounded up): 320,000 bytes in 64 KiB blocks, not 10,000 mallocs'
  // worth of headers. Under AddressSanitizer each allocation is its own malloc of 32 bytes.
  EXPECT_GE(arena.bytes_reserved(), 320000u);
  EXPECT_LE(arena.bytes_reserved(), 320000u + 64u * 1024u);
}

TEST(ParseArenaTest, GumboCallbacksUseTheArena) {
  ParseArena arena;
  void* p = ParseArena::GumboAllocate(&arena, 40);
  ASSERT_NE(p, nullptr);
  EXPECT_GT(arena.bytes_reserved(), 0u);
  ParseArena::GumboFree(&arena, p);  // a no-op: the memory stays valid until the arena goes
  std::memset(p, 0xAB, 40);
}

// A Document keeps its tree valid for its whole life and across moves, with every byte of it in the
// arena: large pages, deep nesting (the flattened child array comes from the arena too) and many
// documents one after another.
TEST(ParseArenaTest, DocumentsParsedThroughTheArenaStayValid) {
  std::string big = "<html><body>";
  for (int i = 0; i < 5000; ++i) big += "<p class=\"c" + std::to_string(i % 7) + "\">paragraph " + std::to_string(i) + "</p>";
  big += "</body></html>";
  std::vector<Document> docs;
  for (int round = 0; round < 20; ++round) {
    auto doc = Document::Parse(big);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    docs.push_back(std::move(*doc));
  }
  auto c3 = Selector::Compile("p.c3");
  ASSERT_TRUE(c3.ok());
  for (const Document& doc : docs) {
    std::vector<Node> ps = Select(doc.document(), *c3);
    ASSERT_EQ(ps.size(), 714u);  // i % 7 == 3 for 714 of 0..4999
    EXPECT_EQ(Text(ps.front()), "paragraph 3");
    EXPECT_EQ(Text(ps.back()), "paragraph 4994");
  }

  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "<div>";
  deep += "<span id=leaf>x</span>";
  ParseOptions options;
  options.max_depth = 64;
  auto flat = Document::Parse(deep, options);
  ASSERT_TRUE(flat.ok());
  auto leaf_selector = Selector::Compile("#leaf");
  ASSERT_TRUE(leaf_selector.ok());
  std::vector<Node> leaf = Select(flat->document(), *leaf_selector);
  ASSERT_EQ(leaf.size(), 1u);
  EXPECT_EQ(leaf.front().parent().tag(), "div");
  // Flattening made the leaf's text its sibling; it is still in the page.
  EXPECT_NE(Text(flat->root()).find('x'), std::string::npos);
}

}  // namespace
}  // namespace hc::html
