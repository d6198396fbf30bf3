#include "users/sqlite_directory.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>

#include "users/digest_hash.h"

namespace sb::users {
namespace {

class DirectoryTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sb-users-XXXXXX";
        dir = mkdtemp(tmpl);
        path = dir + "/users.db";
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::string dir;
    std::string path;
};

User alice() {
    User u;
    u.aor = "sip:alice@example.com";
    u.display_name = "Alice";
    u.ha1_md5 = ha1_md5("alice", "example.com", "secret");
    u.ha1_sha256 = ha1_sha256("alice", "example.com", "secret");
    u.blocked = {"sip:mallory@example.com"};
    u.forwards = {{ForwardWhen::Busy, "sip:bob@example.com", 0},
                  {ForwardWhen::NoAnswer, "sip:+15551234@gw.example.net", 15}};
    u.created_at = 1700000000;
    return u;
}

TEST(DigestHash, KnownValues) {
    // RFC 2617 §3.5 example: HA1 of Mufasa:testrealm@host.com:Circle Of Life.
    EXPECT_EQ(ha1_md5("Mufasa", "testrealm@host.com", "Circle Of Life"),
              "939e7578ed9e3c518a452acee763bce9");
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(DirectoryTest, AddFindUpdateRemove) {
    auto d = SqliteDirectory::open(path);
    ASSERT_TRUE(d.has_value()) << d.error().message;
    ASSERT_TRUE((*d)->add(alice()).has_value());
    EXPECT_FALSE((*d)->add(alice()).has_value());  // exists
    auto found = (*d)->find("sip:alice@example.com");
    ASSERT_TRUE(found.has_value());
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ(**found, alice());
    User changed = alice();
    changed.do_not_disturb = true;
    changed.forwards.clear();
    ASSERT_TRUE((*d)->update(changed).has_value());
    EXPECT_EQ(**(*d)->find("sip:alice@example.com"), changed);
    User ghost;
    ghost.aor = "sip:ghost@example.com";
    EXPECT_FALSE((*d)->update(ghost).has_value());
    EXPECT_TRUE(*(*d)->remove("sip:alice@example.com"));
    EXPECT_FALSE(*(*d)->remove("sip:alice@example.com"));
    EXPECT_FALSE((*d)->find("sip:alice@example.com")->has_value());
}

TEST_F(DirectoryTest, ChangesFromAnotherConnectionAreSeen) {
    auto server = SqliteDirectory::open(path, std::chrono::milliseconds(0));
    auto command_line = SqliteDirectory::open(path);
    ASSERT_TRUE(server && command_line);
    EXPECT_FALSE((*server)->find("sip:alice@example.com")->has_value());
    ASSERT_TRUE((*command_line)->add(alice()).has_value());
    EXPECT_TRUE((*server)->find("sip:alice@example.com")->has_value());
    auto all = (*server)->list();
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(all->size(), 1u);
}

TEST_F(DirectoryTest, SurvivesReopen) {
    {
        auto d = SqliteDirectory::open(path);
        ASSERT_TRUE((*d)->add(alice()).has_value());
    }
    auto d = SqliteDirectory::open(path);
    EXPECT_EQ(**(*d)->find("sip:alice@example.com"), alice());
}

TEST_F(DirectoryTest, BadFileIsReported) {
    auto d = SqliteDirectory::open(dir + "/missing/users.db");
    ASSERT_FALSE(d.has_value());
    EXPECT_NE(d.error().message.find("missing/users.db"), std::string::npos);
}

}  // namespace
}  // namespace sb::users
