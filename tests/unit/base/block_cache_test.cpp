#include "base/block_cache.h"

#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace sb {
namespace {

// Each test uses its own instantiation, so the lists start empty.
template <int Test>
using Blocks = BlockCache<1424 + Test, 4>;

TEST(BlockCache, ABlockFreedIsTheNextOneGiven) {
    using B = Blocks<0>;
    if (!B::kEnabled) {
        GTEST_SKIP() << "blocks are not kept under AddressSanitizer";
    }
    void* first = B::allocate();
    std::memset(first, 0xab, 1424);  // the whole size is usable
    B::release(first);
    EXPECT_EQ(B::cached(), 1u);
    EXPECT_EQ(B::allocate(), first);
    EXPECT_EQ(B::cached(), 0u);
    B::release(first);
}

TEST(BlockCache, KeepsNoMoreThanItsLimit) {
    using B = Blocks<1>;
    std::vector<void*> blocks;
    for (int i = 0; i < 10; ++i) {
        blocks.push_back(B::allocate());
    }
    for (void* b : blocks) {
        B::release(b);
    }
    EXPECT_EQ(B::cached(), B::kEnabled ? 4u : 0u);
    // The first four freed were kept, and are given out again, last freed first.
    for (std::size_t i = 0; i < 4 && B::kEnabled; ++i) {
        void* again = B::allocate();
        EXPECT_EQ(again, blocks[3 - i]);
        ::operator delete(again);
    }
    EXPECT_EQ(B::cached(), 0u);
}

TEST(BlockCache, EachThreadKeepsItsOwnBlocks) {
    using B = Blocks<2>;
    void* block = B::allocate();
    std::size_t kept_there = 0;
    std::thread other([&] {
        // Freed on another thread: kept there, freed when that thread ends.
        B::release(block);
        kept_there = B::cached();
    });
    other.join();
    EXPECT_EQ(kept_there, B::kEnabled ? 1u : 0u);
    EXPECT_EQ(B::cached(), 0u);
}

struct Big : CachedAllocation<Big, 4> {
    virtual ~Big() = default;
    char bytes[1500] = {};
};
struct Bigger final : Big {
    char more[100] = {};
};

TEST(CachedAllocation, NewTakesTheBlockTheLastDeleteGaveBack) {
    using Blocks = BlockCache<sizeof(Big), 4>;
    auto* first = new Big;
    delete first;
    auto* second = new Big;
    if (Blocks::kEnabled) {
        EXPECT_EQ(second, first);
    }
    // A derived class of another size is allocated and freed as usual, also through the base.
    Big* other = new Bigger;
    delete other;
    EXPECT_EQ(Blocks::cached(), 0u);
    delete second;
    EXPECT_EQ(Blocks::cached(), Blocks::kEnabled ? 1u : 0u);
}

}  // namespace
}  // namespace sb
