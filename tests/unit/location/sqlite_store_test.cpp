// What only the SQLite store promises beyond the contract: the file outlives the process, a write
// that fails changes nothing, and a damaged file is refused at open.

#include "location/sqlite/sqlite_store.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store_test_support.h"
#include "support/eventually.h"

namespace sb::location {
namespace {

using test::contacts;
using test::make_binding;
using test::put;
using namespace std::chrono_literals;

constexpr std::int64_t kNow = 1'000'000;
const std::string kAlice = "sip:alice@example.com";
const std::string kBob = "sip:bob@example.com";

// Adds 20 bindings of 8 KB each to kAlice: more than a capped file has room for.
Result<std::vector<Binding>> grow_past_a_page(const std::vector<Binding>& current) {
    std::vector<Binding> next = current;
    for (int i = 0; i < 20; ++i) {
        Binding big = make_binding(kAlice, "sip:alice@10.0.0." + std::to_string(i), kNow + 600);
        big.path = std::string(8000, 'p');
        next.push_back(big);
    }
    return next;
}

class SqliteStoreTest : public ::testing::Test {
protected:
    std::unique_ptr<SqliteStore> open(std::int64_t now = 0,
                                      Synchronous synchronous = Synchronous::Normal,
                                      std::chrono::milliseconds write_delay = {}) {
        Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(SqliteOptions{
            .path = path_, .synchronous = synchronous, .now = now, .write_delay = write_delay});
        if (!store) {
            ADD_FAILURE() << store.error().message;
            return nullptr;
        }
        return std::move(*store);
    }

    /// A store that writes behind memory, `delay` after a change.
    std::unique_ptr<SqliteStore> open_behind(std::chrono::milliseconds delay) {
        return open(0, Synchronous::Normal, delay);
    }

    static void add(SqliteStore& store, const Binding& binding) {
        Result<std::vector<Binding>> stored = store.update(binding.aor, kNow, put(binding));
        ASSERT_TRUE(stored.has_value()) << stored.error().message;
    }

    /// Four threads update their own AOR and a shared one, 250 times each, through a store
    /// with `write_delay`; the file must hold every update once the store is closed.
    void expect_concurrent_updates_kept(std::chrono::milliseconds write_delay) {
        constexpr int kWriters = 4;
        constexpr int kRounds = 250;
        {
            std::unique_ptr<SqliteStore> store = open(0, Synchronous::Normal, write_delay);
            ASSERT_NE(store, nullptr);
            test::bump_counters_concurrently(*store, kWriters, kRounds);
        }
        std::unique_ptr<SqliteStore> store = open();
        ASSERT_NE(store, nullptr);
        EXPECT_EQ(test::counter(*store, test::shared_counter()),
                  static_cast<std::uint32_t>(kWriters * kRounds));
        for (int w = 0; w < kWriters; ++w) {
            EXPECT_EQ(test::counter(*store, test::own_counter(w)),
                      static_cast<std::uint32_t>(kRounds));
        }
    }

    /// Stores `binding` in a child process, through a store with `write_delay`, and kills the
    /// child with SIGKILL as soon as the update returned (written behind: once it is written).
    void update_then_sigkill(const Binding& binding, std::chrono::milliseconds write_delay) {
        const pid_t child = fork();
        ASSERT_NE(child, -1);
        if (child == 0) {
            // No gtest here: the child reports through its exit status, or dies by SIGKILL.
            Result<std::unique_ptr<SqliteStore>> store =
                SqliteStore::open(SqliteOptions{.path = path_, .write_delay = write_delay});
            if (!store) {
                _exit(2);
            }
            if (!(*store)->update(binding.aor, kNow, put(binding)).has_value()) {
                _exit(3);
            }
            if (write_delay.count() > 0 &&
                !sb::test::eventually([&] { return (*store)->written_behind() == 1; })) {
                _exit(4);
            }
            kill(getpid(), SIGKILL);
            _exit(5);
        }
        int status = 0;
        ASSERT_EQ(waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with " << WEXITSTATUS(status);
        EXPECT_EQ(WTERMSIG(status), SIGKILL);
    }

    /// Runs SQL on the file behind the store's back, as an operator's sqlite3 shell would.
    void poke(const char* sql) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db);
        sqlite3_close(db);
    }

    test::TempDir dir_;
    std::string path_ = dir_.file("bindings.db");
};

TEST_F(SqliteStoreTest, BindingsSurviveCloseAndReopen) {
    const Binding full = test::full_binding(kAlice);
    const Binding second = make_binding(kAlice, "sip:alice@192.0.2.2", kNow + 600);
    const Binding bob = make_binding(kBob, "sip:bob@192.0.2.3", kNow + 600);
    {
        std::unique_ptr<SqliteStore> store = open();
        ASSERT_NE(store, nullptr);
        add(*store, full);
        add(*store, second);
        add(*store, bob);
    }
    std::unique_ptr<SqliteStore> store = open();
    ASSERT_NE(store, nullptr);
    // The order of a set is kept too, though the contract does not ask for it.
    EXPECT_EQ(*store->lookup(kAlice, kNow), (std::vector<Binding>{full, second}));
    EXPECT_EQ(*store->lookup(kBob, kNow), std::vector<Binding>{bob});
    EXPECT_EQ(*store->count(kNow), 3u);
}

TEST_F(SqliteStoreTest, SynchronousFullStoresTheSame) {
    const Binding b = make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 600);
    {
        std::unique_ptr<SqliteStore> store = open(0, Synchronous::Full);
        ASSERT_NE(store, nullptr);
        add(*store, b);
    }
    std::unique_ptr<SqliteStore> store = open(0, Synchronous::Full);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->lookup(kAlice, kNow), std::vector<Binding>{b});
}

TEST_F(SqliteStoreTest, BindingsLapsedAtOpenAreDeletedNotLoaded) {
    {
        std::unique_ptr<SqliteStore> store = open();
        ASSERT_NE(store, nullptr);
        add(*store, make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 60));
        add(*store, make_binding(kAlice, "sip:alice@192.0.2.2", kNow + 3600));
        add(*store, make_binding(kBob, "sip:bob@192.0.2.3", kNow + 60));
    }
    std::unique_ptr<SqliteStore> store = open(kNow + 60);
    ASSERT_NE(store, nullptr);
    // Asked at an earlier time, a loaded lapsed binding would show.
    EXPECT_EQ(contacts(store->lookup(kAlice, kNow)),
              std::vector<std::string>{"sip:alice@192.0.2.2"});
    EXPECT_TRUE(store->lookup(kBob, kNow)->empty());
    EXPECT_EQ(*store->count(kNow), 1u);

    // They are gone from the file too, even for a store opened at an earlier time.
    store.reset();
    store = open(0);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->count(kNow), 1u);
}

TEST_F(SqliteStoreTest, ExpireDeletesFromTheFile) {
    {
        std::unique_ptr<SqliteStore> store = open();
        ASSERT_NE(store, nullptr);
        add(*store, make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 60));
        add(*store, make_binding(kAlice, "sip:alice@192.0.2.2", kNow + 3600));
        EXPECT_EQ(*store->expire(kNow + 60), 1u);
    }
    std::unique_ptr<SqliteStore> store = open(0);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(contacts(store->lookup(kAlice, kNow)),
              std::vector<std::string>{"sip:alice@192.0.2.2"});
}

TEST_F(SqliteStoreTest, AnUpdateSurvivesSigkillRightAfterItReturns) {
    const Binding b = test::full_binding(kAlice);
    update_then_sigkill(b, {});
    // Nothing closed the file: the binding is in the write-ahead log only.
    EXPECT_TRUE(std::filesystem::exists(path_ + "-wal"));

    std::unique_ptr<SqliteStore> store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->lookup(kAlice, kNow), std::vector<Binding>{b});
}

TEST_F(SqliteStoreTest, AFailedWriteReturnsAnErrorAndLosesNothing) {
    const Binding alice = make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 600);
    const Binding bob = make_binding(kBob, "sip:bob@192.0.2.3", kNow + 600);
    std::unique_ptr<SqliteStore> store = open();
    ASSERT_NE(store, nullptr);
    add(*store, alice);

    // Caps the file at its size, then writes more than fits in the pages it has.
    ASSERT_TRUE(store->set_max_pages_for_test(1).has_value());
    Result<std::vector<Binding>> failed = store->update(kAlice, kNow, grow_past_a_page);
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().message, "location store write failed: database or disk is full");
    EXPECT_EQ(*store->lookup(kAlice, kNow), std::vector<Binding>{alice});

    // The store keeps working once there is room again.
    ASSERT_TRUE(store->set_max_pages_for_test(1'000'000).has_value());
    add(*store, bob);
    store.reset();

    store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->lookup(kAlice, kNow), std::vector<Binding>{alice});
    EXPECT_EQ(*store->lookup(kBob, kNow), std::vector<Binding>{bob});
    EXPECT_EQ(*store->count(kNow), 2u);
}

TEST_F(SqliteStoreTest, AFileOfGarbageFailsToOpenNamingTheFile) {
    {
        std::ofstream garbage(path_, std::ios::binary);
        for (int i = 0; i < 1000; ++i) {
            garbage << "this is not a database ";
        }
    }
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(SqliteOptions{.path = path_});
    ASSERT_FALSE(store.has_value());
    EXPECT_NE(store.error().message.find(path_), std::string::npos) << store.error().message;
    EXPECT_NE(store.error().message.find("not a database"), std::string::npos)
        << store.error().message;
}

TEST_F(SqliteStoreTest, ADamagedPageFailsToOpenNamingTheFile) {
    {
        std::unique_ptr<SqliteStore> store = open();
        ASSERT_NE(store, nullptr);
        for (int i = 0; i < 50; ++i) {
            add(*store, make_binding("sip:user" + std::to_string(i) + "@example.com",
                                     "sip:user@192.0.2.1", kNow + 600));
        }
    }
    ASSERT_FALSE(std::filesystem::exists(path_ + "-wal"));  // closing moved it all into the file
    // The header page stays valid, so only the pages behind it can give the damage away.
    const auto size = std::filesystem::file_size(path_);
    ASSERT_GT(size, 4096u);
    {
        std::fstream file(path_, std::ios::binary | std::ios::in | std::ios::out);
        file.seekp(4096);
        for (std::uintmax_t i = 4096; i < size; ++i) {
            file.put(static_cast<char>(i * 7 + 13));
        }
    }
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(SqliteOptions{.path = path_});
    ASSERT_FALSE(store.has_value());
    EXPECT_NE(store.error().message.find(path_), std::string::npos) << store.error().message;
}

TEST_F(SqliteStoreTest, AMissingDirectoryFailsToOpenNamingTheFile) {
    const std::string path = dir_.file("no-such-dir/bindings.db");
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(SqliteOptions{.path = path});
    ASSERT_FALSE(store.has_value());
    EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
}

TEST_F(SqliteStoreTest, AReadOnlyFileFailsToOpenNamingTheFile) {
    if (geteuid() == 0) {
        GTEST_SKIP() << "root writes to read-only files";
    }
    {
        std::unique_ptr<SqliteStore> store = open();
        ASSERT_NE(store, nullptr);
    }
    ASSERT_EQ(chmod(path_.c_str(), 0444), 0);
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(SqliteOptions{.path = path_});
    ASSERT_FALSE(store.has_value());
    EXPECT_NE(store.error().message.find(path_), std::string::npos) << store.error().message;
    EXPECT_NE(store.error().message.find("read-only"), std::string::npos) << store.error().message;
}

TEST_F(SqliteStoreTest, ASecondStoreOnTheSameFileIsRefused) {
    std::unique_ptr<SqliteStore> first = open();
    ASSERT_NE(first, nullptr);
    add(*first, make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 600));

    // Its memory copy would miss what the first one writes, and the reverse.
    Result<std::unique_ptr<SqliteStore>> second = SqliteStore::open(
        SqliteOptions{.path = path_, .busy_timeout = std::chrono::milliseconds(10)});
    ASSERT_FALSE(second.has_value());
    EXPECT_NE(second.error().message.find(path_), std::string::npos) << second.error().message;
    EXPECT_NE(second.error().message.find("another process"), std::string::npos)
        << second.error().message;
    EXPECT_EQ(contacts(first->lookup(kAlice, kNow)),
              std::vector<std::string>{"sip:alice@192.0.2.1"});
}

TEST_F(SqliteStoreTest, AFileFromANewerSchemaIsRefused) {
    {
        std::unique_ptr<SqliteStore> store = open();
        ASSERT_NE(store, nullptr);
    }
    poke("UPDATE schema_version SET version = 99");
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(SqliteOptions{.path = path_});
    ASSERT_FALSE(store.has_value());
    EXPECT_NE(store.error().message.find(path_), std::string::npos) << store.error().message;
    EXPECT_NE(store.error().message.find("99"), std::string::npos) << store.error().message;
}

TEST_F(SqliteStoreTest, ConcurrentUpdatesAllReachTheFile) { expect_concurrent_updates_kept({}); }

TEST_F(SqliteStoreTest, WritingBehindClosingWritesWhatWaits) {
    const Binding alice = test::full_binding(kAlice);
    const Binding bob = make_binding(kBob, "sip:bob@192.0.2.3", kNow + 600);
    {
        std::unique_ptr<SqliteStore> store = open_behind(1h);
        ASSERT_NE(store, nullptr);
        add(*store, alice);
        add(*store, bob);
        add(*store, make_binding(kBob, "sip:bob@192.0.2.4", kNow + 600));
        Result<std::vector<Binding>> removed =
            store->update(kBob, kNow, [](const std::vector<Binding>&) {
                return Result<std::vector<Binding>>{};
            });
        ASSERT_TRUE(removed.has_value()) << removed.error().message;
        EXPECT_EQ(*store->lookup(kAlice, kNow), std::vector<Binding>{alice});  // memory has it
        EXPECT_EQ(store->written_behind(), 0u);
    }
    std::unique_ptr<SqliteStore> store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->lookup(kAlice, kNow), std::vector<Binding>{alice});
    EXPECT_TRUE(store->lookup(kBob, kNow)->empty());
}

TEST_F(SqliteStoreTest, WritingBehindAnUpdateSurvivesSigkillOnceWritten) {
    const Binding b = test::full_binding(kAlice);
    update_then_sigkill(b, 20ms);
    std::unique_ptr<SqliteStore> store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->lookup(kAlice, kNow), std::vector<Binding>{b});
}

TEST_F(SqliteStoreTest, WritingBehindWritesEachChangedAorOnce) {
    std::unique_ptr<SqliteStore> store = open_behind(1h);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 50; ++i) {
        add(*store, make_binding("sip:u" + std::to_string(i) + "@example.com", "sip:u@192.0.2.1",
                                 kNow + 600));
    }
    add(*store, make_binding("sip:u0@example.com", "sip:u@192.0.2.2", kNow + 600));
    ASSERT_TRUE(store->flush().has_value());
    EXPECT_EQ(store->written_behind(), 50u);  // one set an AOR, however often it changed
    ASSERT_TRUE(store->flush().has_value());
    EXPECT_EQ(store->written_behind(), 50u);  // nothing left to write
    store.reset();
    store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->count(kNow), 51u);
}

TEST_F(SqliteStoreTest, WritingBehindExpireDeletesFromTheFile) {
    {
        std::unique_ptr<SqliteStore> store = open_behind(1h);
        ASSERT_NE(store, nullptr);
        add(*store, make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 60));
        add(*store, make_binding(kAlice, "sip:alice@192.0.2.2", kNow + 3600));
        add(*store, make_binding(kBob, "sip:bob@192.0.2.3", kNow + 60));
        ASSERT_TRUE(store->flush().has_value());
        EXPECT_EQ(*store->expire(kNow + 60), 2u);
    }
    // Opened at an earlier time, rows left in the file would load.
    std::unique_ptr<SqliteStore> store = open(0);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(contacts(store->lookup(kAlice, kNow)),
              std::vector<std::string>{"sip:alice@192.0.2.2"});
    EXPECT_TRUE(store->lookup(kBob, kNow)->empty());
}

TEST_F(SqliteStoreTest, WritingBehindAFailedWriteIsRetriedAndLosesNothing) {
    const Binding bob = make_binding(kBob, "sip:bob@192.0.2.3", kNow + 600);
    std::unique_ptr<SqliteStore> store = open_behind(10ms);
    ASSERT_NE(store, nullptr);
    add(*store, make_binding(kAlice, "sip:alice@192.0.2.1", kNow + 600));
    ASSERT_TRUE(sb::test::eventually([&] { return store->written_behind() == 1; }));

    ASSERT_TRUE(store->set_max_pages_for_test(1).has_value());
    Result<std::vector<Binding>> grown = store->update(kAlice, kNow, grow_past_a_page);
    ASSERT_TRUE(grown.has_value()) << grown.error().message;  // memory took it
    add(*store, bob);
    ASSERT_TRUE(sb::test::eventually([&] { return store->failed_flushes() >= 2; }));  // retried
    EXPECT_EQ(store->written_behind(), 1u);
    EXPECT_EQ(store->lookup(kAlice, kNow)->size(), 21u);

    ASSERT_TRUE(store->set_max_pages_for_test(1'000'000).has_value());
    ASSERT_TRUE(sb::test::eventually([&] { return store->written_behind() == 3; }));
    store.reset();
    store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->lookup(kAlice, kNow)->size(), 21u);
    EXPECT_EQ(*store->lookup(kBob, kNow), std::vector<Binding>{bob});
}

TEST_F(SqliteStoreTest, WritingBehindConcurrentUpdatesAllReachTheFile) {
    expect_concurrent_updates_kept(1ms);
}

}  // namespace
}  // namespace sb::location
