// The LocationStore contract (location/api/store.h), run against every store. A new store joins
// by adding a maker to StoreMakers; what it must do is written once, here.

#include <chrono>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "location/api/store.h"
#include "location/memory_store.h"
#include "location/sqlite/sqlite_store.h"
#include "store_test_support.h"

namespace sb::location {
namespace {

using test::contacts;
using test::make_binding;
using test::put;
using test::sorted;

constexpr std::int64_t kNow = 1'000'000;
const std::string kAlice = "sip:alice@example.com";
const std::string kBob = "sip:bob@example.com";
const std::string kCarol = "sip:carol@example.com";

struct MemoryMaker {
    std::unique_ptr<LocationStore> make() { return std::make_unique<MemoryStore>(); }
};

template <int WriteDelayMs>
struct SqliteMaker {
    test::TempDir dir;
    std::unique_ptr<LocationStore> make() {
        const SqliteOptions options{.path = dir.file("bindings.db"),
                                    .write_delay = std::chrono::milliseconds(WriteDelayMs)};
        Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(options);
        if (!store) {
            ADD_FAILURE() << store.error().message;
            return nullptr;
        }
        return std::move(*store);
    }
};

template <class Maker>
class StoreContract : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = maker_.make();
        ASSERT_NE(store_, nullptr);
    }

    /// Stores `binding` with the registrar's refresh change; fails the test when update fails.
    void add(const Binding& binding) {
        Result<std::vector<Binding>> stored = store_->update(binding.aor, kNow, put(binding));
        ASSERT_TRUE(stored.has_value()) << stored.error().message;
    }

    Maker maker_;  // before store_, so that the SQLite file's directory outlives the store
    std::unique_ptr<LocationStore> store_;
};

using SqliteThroughMaker = SqliteMaker<0>;
using SqliteBehindMaker = SqliteMaker<5>;
using StoreMakers = ::testing::Types<MemoryMaker, SqliteThroughMaker, SqliteBehindMaker>;

class StoreNames {
public:
    template <class T>
    static std::string GetName(int) {
        if (std::is_same_v<T, MemoryMaker>) {
            return "Memory";
        }
        return std::is_same_v<T, SqliteThroughMaker> ? "Sqlite" : "SqliteWritingBehind";
    }
};

TYPED_TEST_SUITE(StoreContract, StoreMakers, StoreNames);

TYPED_TEST(StoreContract, AddsABinding) {
    const Binding b = make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 3600);
    Result<std::vector<Binding>> stored = this->store_->update(kAlice, kNow, put(b));
    ASSERT_TRUE(stored.has_value()) << stored.error().message;
    EXPECT_EQ(*stored, std::vector<Binding>{b});

    Result<std::vector<Binding>> found = this->store_->lookup(kAlice, kNow);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(*found, std::vector<Binding>{b});
    EXPECT_EQ(*this->store_->count(kNow), 1u);
    EXPECT_EQ(*this->store_->aors(kNow), std::vector<std::string>{kAlice});
}

TYPED_TEST(StoreContract, LookupOfAnUnknownAorFindsNothing) {
    Result<std::vector<Binding>> found = this->store_->lookup(kAlice, kNow);
    ASSERT_TRUE(found.has_value());
    EXPECT_TRUE(found->empty());
    EXPECT_EQ(*this->store_->count(kNow), 0u);
    EXPECT_TRUE(this->store_->aors(kNow)->empty());
}

TYPED_TEST(StoreContract, RefreshReplacesTheBinding) {
    Binding b = make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 60);
    this->add(b);
    b.expires_at = kNow + 3600;
    b.cseq = 2;
    b.updated_at = kNow;
    this->add(b);

    Result<std::vector<Binding>> found = this->store_->lookup(kAlice, kNow);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(*found, std::vector<Binding>{b});
    EXPECT_EQ(*this->store_->count(kNow), 1u);
}

TYPED_TEST(StoreContract, AnEmptySetRemovesTheAor) {
    this->add(make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 3600));
    this->add(make_binding(kAlice, "sip:alice@192.0.2.2", kNow + 3600));
    this->add(make_binding(kBob, "sip:bob@192.0.2.3", kNow + 3600));

    Result<std::vector<Binding>> stored = this->store_->update(
        kAlice, kNow, [](const std::vector<Binding>&) -> Result<std::vector<Binding>> {
            return std::vector<Binding>{};
        });
    ASSERT_TRUE(stored.has_value()) << stored.error().message;
    EXPECT_TRUE(stored->empty());

    EXPECT_TRUE(this->store_->lookup(kAlice, kNow)->empty());
    EXPECT_EQ(*this->store_->aors(kNow), std::vector<std::string>{kBob});
    EXPECT_EQ(*this->store_->count(kNow), 1u);
}

TYPED_TEST(StoreContract, KeepsSeveralContactsPerAor) {
    this->add(make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 3600));
    this->add(make_binding(kAlice, "sip:alice@192.0.2.2", kNow + 1800));
    this->add(make_binding(kAlice, "sip:alice@192.0.2.3", kNow + 600));
    EXPECT_EQ(contacts(this->store_->lookup(kAlice, kNow)),
              (std::vector<std::string>{"sip:alice@192.0.2.1", "sip:alice@192.0.2.2",
                                        "sip:alice@192.0.2.3"}));

    Result<std::vector<Binding>> stored =
        this->store_->update(kAlice, kNow, test::remove_contact("sip:alice@192.0.2.2"));
    ASSERT_TRUE(stored.has_value()) << stored.error().message;
    EXPECT_EQ(contacts(stored),
              (std::vector<std::string>{"sip:alice@192.0.2.1", "sip:alice@192.0.2.3"}));
    EXPECT_EQ(contacts(this->store_->lookup(kAlice, kNow)),
              (std::vector<std::string>{"sip:alice@192.0.2.1", "sip:alice@192.0.2.3"}));
    EXPECT_EQ(*this->store_->count(kNow), 2u);
}

TYPED_TEST(StoreContract, LookupLeavesOutLapsedBindings) {
    this->add(make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 60));
    this->add(make_binding(kAlice, "sip:alice@192.0.2.2", kNow + 3600));

    EXPECT_EQ(contacts(this->store_->lookup(kAlice, kNow + 59)),
              (std::vector<std::string>{"sip:alice@192.0.2.1", "sip:alice@192.0.2.2"}));
    // A binding lapses at expires_at itself.
    EXPECT_EQ(contacts(this->store_->lookup(kAlice, kNow + 60)),
              std::vector<std::string>{"sip:alice@192.0.2.2"});
    EXPECT_TRUE(this->store_->lookup(kAlice, kNow + 3600)->empty());
}

TYPED_TEST(StoreContract, UpdateSeesAndKeepsOnlyUnexpiredBindings) {
    this->add(make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 60));
    this->add(make_binding(kAlice, "sip:alice@192.0.2.2", kNow + 3600));

    std::vector<std::string> seen;
    Result<std::vector<Binding>> stored =
        this->store_->update(kAlice, kNow + 60, [&seen](const std::vector<Binding>& current) {
            seen = contacts(current);
            return test::keep(current);
        });
    ASSERT_TRUE(stored.has_value()) << stored.error().message;
    EXPECT_EQ(seen, std::vector<std::string>{"sip:alice@192.0.2.2"});
    // The lapsed binding was replaced with the rest of the set, so even an earlier clock no
    // longer finds it.
    EXPECT_EQ(contacts(this->store_->lookup(kAlice, kNow)),
              std::vector<std::string>{"sip:alice@192.0.2.2"});
}

TYPED_TEST(StoreContract, ExpireRemovesLapsedBindingsAndCountsThem) {
    this->add(make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 60));
    this->add(make_binding(kAlice, "sip:alice@192.0.2.2", kNow + 3600));
    this->add(make_binding(kBob, "sip:bob@192.0.2.3", kNow + 30));
    this->add(make_binding(kCarol, "sip:carol@192.0.2.4", kNow + 7200));

    Result<std::size_t> removed = this->store_->expire(kNow + 60);
    ASSERT_TRUE(removed.has_value()) << removed.error().message;
    EXPECT_EQ(*removed, 2u);

    // Asked at an earlier time, the store shows only what is left.
    EXPECT_EQ(*this->store_->count(kNow), 2u);
    EXPECT_EQ(sorted(*this->store_->aors(kNow)), (std::vector<std::string>{kAlice, kCarol}));
    EXPECT_TRUE(this->store_->lookup(kBob, kNow)->empty());
    EXPECT_EQ(contacts(this->store_->lookup(kAlice, kNow)),
              std::vector<std::string>{"sip:alice@192.0.2.2"});

    EXPECT_EQ(*this->store_->expire(kNow + 60), 0u);
    EXPECT_EQ(*this->store_->expire(kNow + 7200), 2u);
    EXPECT_EQ(*this->store_->count(kNow), 0u);
    EXPECT_TRUE(this->store_->aors(kNow)->empty());
}

TYPED_TEST(StoreContract, ExpireFindsWhatLapsesAfterAnEarlierExpire) {
    // Many AORs, so that every shard holds some: each binding lapses a second after the last.
    constexpr int kAors = 300;
    for (int i = 0; i < kAors; ++i) {
        const std::string aor = "sip:user" + std::to_string(i) + "@example.com";
        this->add(make_binding(aor, "sip:u@192.0.2.1", kNow + 1000 + i));
    }
    EXPECT_EQ(*this->store_->expire(kNow), 0u);
    EXPECT_EQ(*this->store_->expire(kNow + 1099), 100u);
    EXPECT_EQ(*this->store_->expire(kNow + 1099), 0u);

    // Stored after those scans, to lapse sooner than anything the scans saw: a shorter refresh
    // and a new AOR.
    this->add(make_binding("sip:user250@example.com", "sip:u@192.0.2.1", kNow + 1100));
    this->add(make_binding(kBob, "sip:bob@192.0.2.3", kNow + 1100));
    EXPECT_EQ(*this->store_->expire(kNow + 1100), 3u);  // user100 and the two above
    EXPECT_TRUE(this->store_->lookup("sip:user250@example.com", kNow)->empty());
    EXPECT_TRUE(this->store_->lookup(kBob, kNow)->empty());
    EXPECT_EQ(*this->store_->count(kNow), static_cast<std::size_t>(kAors - 102));
    EXPECT_EQ(*this->store_->expire(kNow + 1000 + kAors), static_cast<std::size_t>(kAors - 102));
    EXPECT_EQ(*this->store_->count(kNow), 0u);
}

TYPED_TEST(StoreContract, AorsAndCountLeaveOutLapsedBindings) {
    this->add(make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 60));
    this->add(make_binding(kAlice, "sip:alice@192.0.2.2", kNow + 3600));
    this->add(make_binding(kBob, "sip:bob@192.0.2.3", kNow + 30));

    EXPECT_EQ(*this->store_->count(kNow), 3u);
    EXPECT_EQ(sorted(*this->store_->aors(kNow)), (std::vector<std::string>{kAlice, kBob}));
    EXPECT_EQ(*this->store_->count(kNow + 30), 2u);
    EXPECT_EQ(*this->store_->aors(kNow + 30), std::vector<std::string>{kAlice});
    EXPECT_EQ(*this->store_->count(kNow + 60), 1u);
    EXPECT_EQ(*this->store_->count(kNow + 3600), 0u);
    EXPECT_TRUE(this->store_->aors(kNow + 3600)->empty());
}

TYPED_TEST(StoreContract, AFailingChangeLeavesTheStoreUntouched) {
    const Binding b = make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 3600);
    this->add(b);
    auto refuse = [](const std::vector<Binding>&) -> Result<std::vector<Binding>> {
        return fail("423 Interval Too Brief");
    };

    Result<std::vector<Binding>> refused = this->store_->update(kAlice, kNow, refuse);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().message, "423 Interval Too Brief");
    Result<std::vector<Binding>> refused_new = this->store_->update(kBob, kNow, refuse);
    ASSERT_FALSE(refused_new.has_value());

    EXPECT_EQ(*this->store_->lookup(kAlice, kNow), std::vector<Binding>{b});
    EXPECT_TRUE(this->store_->lookup(kBob, kNow)->empty());
    EXPECT_EQ(*this->store_->count(kNow), 1u);
    EXPECT_EQ(*this->store_->aors(kNow), std::vector<std::string>{kAlice});
}

TYPED_TEST(StoreContract, ABindingNamingAnotherAorIsRefused) {
    const Binding bob = make_binding(kBob, "sip:bob@192.0.2.3", kNow + 3600);
    Result<std::vector<Binding>> stored = this->store_->update(kAlice, kNow, put(bob));
    ASSERT_FALSE(stored.has_value());
    EXPECT_NE(stored.error().message.find(kBob), std::string::npos) << stored.error().message;
    EXPECT_EQ(*this->store_->count(kNow), 0u);
}

TYPED_TEST(StoreContract, EveryFieldRoundTrips) {
    const Binding full = test::full_binding(kAlice);
    Binding minimal;  // every field at its default but the two that place it
    minimal.aor = kAlice;
    minimal.contact = "sip:alice@192.0.2.1";
    minimal.expires_at = kNow + 1;
    this->add(full);
    this->add(minimal);

    Result<std::vector<Binding>> found = this->store_->lookup(kAlice, kNow);
    ASSERT_TRUE(found.has_value());
    ASSERT_EQ(found->size(), 2u);
    const Binding& first = (*found)[0].contact == full.contact ? (*found)[0] : (*found)[1];
    const Binding& second = (*found)[0].contact == full.contact ? (*found)[1] : (*found)[0];
    EXPECT_EQ(first, full);
    EXPECT_EQ(first.user_agent.size(), full.user_agent.size());
    EXPECT_EQ(second, minimal);
}

TYPED_TEST(StoreContract, ConcurrentUpdatesLoseNothing) {
    constexpr int kWriters = 4;
    constexpr int kRounds = 250;
    test::bump_counters_concurrently(*this->store_, kWriters, kRounds);

    EXPECT_EQ(test::counter(*this->store_, test::shared_counter()),
              static_cast<std::uint32_t>(kWriters * kRounds));
    for (int w = 0; w < kWriters; ++w) {
        EXPECT_EQ(test::counter(*this->store_, test::own_counter(w)),
                  static_cast<std::uint32_t>(kRounds));
    }
    EXPECT_EQ(*this->store_->count(0), static_cast<std::size_t>(kWriters + 1));
}

}  // namespace
}  // namespace sb::location
