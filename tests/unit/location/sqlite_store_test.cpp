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

namespace sb::location {
namespace {

using test::contacts;
using test::make_binding;
using test::put;

constexpr std::int64_t kNow = 1'000'000;
const std::string kAlice = "sip:alice@example.com";
const std::string kBob = "sip:bob@example.com";

class SqliteStoreTest : public ::testing::Test {
protected:
    std::unique_ptr<SqliteStore> open(std::int64_t now = 0,
                                      Synchronous synchronous = Synchronous::Normal) {
        Result<std::unique_ptr<SqliteStore>> store =
            SqliteStore::open(SqliteOptions{.path = path_, .synchronous = synchronous, .now = now});
        if (!store) {
            ADD_FAILURE() << store.error().message;
            return nullptr;
        }
        return std::move(*store);
    }

    static void add(SqliteStore& store, const Binding& binding) {
        Result<std::vector<Binding>> stored = store.update(binding.aor, kNow, put(binding));
        ASSERT_TRUE(stored.has_value()) << stored.error().message;
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
    const pid_t child = fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        // No gtest here: the child reports through its exit status, or dies by SIGKILL.
        Result<std::unique_ptr<SqliteStore>> store =
            SqliteStore::open(SqliteOptions{.path = path_});
        if (!store) {
            _exit(2);
        }
        if (!(*store)->update(kAlice, kNow, put(b)).has_value()) {
            _exit(3);
        }
        kill(getpid(), SIGKILL);
        _exit(4);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
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
    auto grow = [](const std::vector<Binding>& current) -> Result<std::vector<Binding>> {
        std::vector<Binding> next = current;
        for (int i = 0; i < 20; ++i) {
            Binding big = make_binding(kAlice, "sip:alice@10.0.0." + std::to_string(i), kNow + 600);
            big.path = std::string(8000, 'p');
            next.push_back(big);
        }
        return next;
    };
    Result<std::vector<Binding>> failed = store->update(kAlice, kNow, grow);
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

TEST_F(SqliteStoreTest, ConcurrentUpdatesAllReachTheFile) {
    constexpr int kWriters = 4;
    constexpr int kRounds = 250;
    {
        std::unique_ptr<SqliteStore> store = open();
        ASSERT_NE(store, nullptr);
        test::bump_counters_concurrently(*store, kWriters, kRounds);
    }
    std::unique_ptr<SqliteStore> store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(test::counter(*store, test::shared_counter()),
              static_cast<std::uint32_t>(kWriters * kRounds));
    for (int w = 0; w < kWriters; ++w) {
        EXPECT_EQ(test::counter(*store, test::own_counter(w)), static_cast<std::uint32_t>(kRounds));
    }
}

}  // namespace
}  // namespace sb::location
