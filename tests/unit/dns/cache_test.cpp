#include "dns/cache.h"

#include <gtest/gtest.h>

namespace sb::dns {
namespace {

using namespace std::chrono_literals;

Answer with_ttl(std::uint32_t ttl, Answer::Status status = Answer::Status::Ok) {
    Answer a;
    a.status = status;
    a.ttl = ttl;
    if (status == Answer::Status::Ok) {
        a.addresses.push_back(*transport::Endpoint::from("192.0.2.1", 0));
    }
    return a;
}

TEST(CacheLifetime, TtlCappedByTheMaximum) {
    EXPECT_EQ(cache_lifetime(with_ttl(60), 300s), 60s);
    EXPECT_EQ(cache_lifetime(with_ttl(86400), 300s), 300s);
    EXPECT_EQ(cache_lifetime(with_ttl(0), 300s), 0s);
    EXPECT_EQ(cache_lifetime(with_ttl(600, Answer::Status::NxDomain), 300s), 300s);
    EXPECT_EQ(cache_lifetime(with_ttl(30, Answer::Status::NxDomain), 300s), 30s);
}

TEST(CacheLifetime, TimeoutsAndFailuresAreNotCached) {
    EXPECT_EQ(cache_lifetime(with_ttl(60, Answer::Status::Timeout), 300s), 0s);
    EXPECT_EQ(cache_lifetime(with_ttl(60, Answer::Status::Failure), 300s), 0s);
}

class CacheTest : public ::testing::Test {
protected:
    Cache cache_{3, 100s};
    TimePoint t0_{std::chrono::hours(1)};
};

TEST_F(CacheTest, HitUntilTheTtlRunsOut) {
    cache_.insert("example.com", RecordType::A, with_ttl(30), t0_);
    EXPECT_TRUE(cache_.find("example.com", RecordType::A, t0_ + 29s));
    EXPECT_FALSE(cache_.find("example.com", RecordType::Aaaa, t0_));
    EXPECT_FALSE(cache_.find("example.com", RecordType::A, t0_ + 30s));
    EXPECT_EQ(cache_.size(), 0u);  // the expired entry went when it was found expired
}

TEST_F(CacheTest, TtlIsCappedByTheMaximum) {
    cache_.insert("example.com", RecordType::A, with_ttl(3600), t0_);
    EXPECT_TRUE(cache_.find("example.com", RecordType::A, t0_ + 99s));
    EXPECT_FALSE(cache_.find("example.com", RecordType::A, t0_ + 100s));
}

TEST_F(CacheTest, NegativeAnswersAreCached) {
    cache_.insert("nope.example.com", RecordType::Naptr, with_ttl(60, Answer::Status::NxDomain),
                  t0_);
    auto hit = cache_.find("nope.example.com", RecordType::Naptr, t0_ + 10s);
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->status, Answer::Status::NxDomain);
}

TEST_F(CacheTest, UncacheableAnswersAreIgnored) {
    cache_.insert("a", RecordType::A, with_ttl(60, Answer::Status::Timeout), t0_);
    cache_.insert("b", RecordType::A, with_ttl(0), t0_);
    EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(CacheTest, BoundedLeastRecentlyUsedGoesFirst) {
    cache_.insert("a", RecordType::A, with_ttl(60), t0_);
    cache_.insert("b", RecordType::A, with_ttl(60), t0_);
    cache_.insert("c", RecordType::A, with_ttl(60), t0_);
    EXPECT_TRUE(cache_.find("a", RecordType::A, t0_));  // "b" is now the least recently used
    cache_.insert("d", RecordType::A, with_ttl(60), t0_);
    EXPECT_EQ(cache_.size(), 3u);
    EXPECT_TRUE(cache_.find("a", RecordType::A, t0_));
    EXPECT_FALSE(cache_.find("b", RecordType::A, t0_));
    EXPECT_TRUE(cache_.find("c", RecordType::A, t0_));
    EXPECT_TRUE(cache_.find("d", RecordType::A, t0_));
}

TEST_F(CacheTest, InsertReplaces) {
    cache_.insert("a", RecordType::A, with_ttl(10), t0_);
    cache_.insert("a", RecordType::A, with_ttl(60), t0_ + 5s);
    EXPECT_EQ(cache_.size(), 1u);
    EXPECT_TRUE(cache_.find("a", RecordType::A, t0_ + 30s));
}

TEST(Cache, ZeroEntriesDisablesIt) {
    Cache cache(0, 100s);
    cache.insert("a", RecordType::A, with_ttl(60), TimePoint{});
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_FALSE(cache.find("a", RecordType::A, TimePoint{}));
}

}  // namespace
}  // namespace sb::dns
