// Source addresses and whitelist ranges: parsing, IPv4/IPv6 in one form, prefix matching.

#include "protection/address.h"

#include <gtest/gtest.h>

#include <vector>

namespace sb::protection {
namespace {

IpAddress ip(std::string_view text) {
    auto a = IpAddress::parse(text);
    EXPECT_TRUE(a.has_value()) << text;
    return a ? *a : IpAddress{};
}

Cidr cidr(std::string_view text) {
    auto c = Cidr::parse(text);
    EXPECT_TRUE(c.has_value()) << text << ": " << (c ? "" : c.error().message);
    return c ? *c : Cidr{};
}

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
    EXPECT_EQ(ip("192.0.2.1").to_string(), "192.0.2.1");
    EXPECT_TRUE(ip("192.0.2.1").is_v4());
    EXPECT_EQ(ip("2001:db8::1").to_string(), "2001:db8::1");
    EXPECT_FALSE(ip("2001:db8::1").is_v4());
    for (std::string_view bad :
         {"", "192.0.2", "192.0.2.256", "example.com", "[::1]", "1.2.3.4 "}) {
        EXPECT_FALSE(IpAddress::parse(bad).has_value()) << bad;
    }
}

TEST(IpAddress, Ipv4MappedIsTheSameSource) {
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; they must not escape limits.
    auto v4 = transport::Endpoint::from("192.0.2.1", 5060);
    auto mapped = transport::Endpoint::from("::ffff:192.0.2.1", 5070);
    ASSERT_TRUE(v4 && mapped);
    EXPECT_EQ(IpAddress::of(*v4), IpAddress::of(*mapped));
    EXPECT_EQ(IpAddress::of(*v4).hash(), IpAddress::of(*mapped).hash());
    EXPECT_EQ(IpAddress::of(*mapped).to_string(), "192.0.2.1");
    EXPECT_EQ(IpAddress::of(*v4), ip("192.0.2.1"));
    EXPECT_NE(IpAddress::of(*v4), ip("192.0.2.2"));
}

TEST(IpAddress, HashSpreadsNeighbours) {
    // Consecutive addresses (one subnet) must not pile into one shard (the top 6 bits).
    std::vector<int> shards(64);
    for (int i = 0; i < 256; ++i) {
        ++shards[ip("10.0.0." + std::to_string(i)).hash() >> 58];
    }
    for (int n : shards) {
        EXPECT_LT(n, 16);
    }
}

TEST(Cidr, MatchesIpv4Ranges) {
    Cidr ten = cidr("10.0.0.0/8");
    EXPECT_TRUE(ten.contains(ip("10.0.0.0")));
    EXPECT_TRUE(ten.contains(ip("10.255.255.255")));
    EXPECT_FALSE(ten.contains(ip("11.0.0.0")));
    EXPECT_FALSE(ten.contains(ip("9.255.255.255")));
    EXPECT_FALSE(ten.contains(ip("::a00:1")));  // the IPv4-compatible form is another address
    Cidr odd = cidr("192.168.4.0/22");
    EXPECT_TRUE(odd.contains(ip("192.168.7.255")));
    EXPECT_FALSE(odd.contains(ip("192.168.8.0")));
    EXPECT_FALSE(odd.contains(ip("192.168.3.255")));
    Cidr one = cidr("192.0.2.7");
    EXPECT_TRUE(one.contains(ip("192.0.2.7")));
    EXPECT_FALSE(one.contains(ip("192.0.2.6")));
    EXPECT_TRUE(cidr("0.0.0.0/0").contains(ip("203.0.113.9")));
    EXPECT_FALSE(cidr("0.0.0.0/0").contains(ip("2001:db8::1")));  // IPv4 only
}

TEST(Cidr, MatchesIpv6Ranges) {
    Cidr doc = cidr("2001:db8::/32");
    EXPECT_TRUE(doc.contains(ip("2001:db8:ffff::1")));
    EXPECT_FALSE(doc.contains(ip("2001:db9::1")));
    EXPECT_TRUE(cidr("::1").contains(ip("::1")));
    EXPECT_FALSE(cidr("::1").contains(ip("::2")));
    EXPECT_TRUE(cidr("::/0").contains(ip("192.0.2.1")));  // every address, both families
    EXPECT_TRUE(cidr("fe80::/10").contains(ip("febf::1")));
    EXPECT_FALSE(cidr("fe80::/10").contains(ip("fec0::1")));
    // An IPv4 range written in IPv6 form means the same thing.
    EXPECT_TRUE(cidr("::ffff:10.0.0.0/104").contains(ip("10.1.2.3")));
}

TEST(Cidr, RefusesWhatIsNotARange) {
    for (std::string_view bad : {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/-1",
                                 "10.0.0.0/8/8", "/8", "example.com/24", "10.0.0.0/ 8",
                                 "10.1.2.3/8", "2001:db8::1/32", ""}) {
        auto c = Cidr::parse(bad);
        EXPECT_FALSE(c.has_value()) << bad;
        if (!c) {
            EXPECT_NE(c.error().message.find(std::string(bad)), std::string::npos)
                << c.error().message;
        }
    }
    EXPECT_NE(Cidr::parse("10.1.2.3/8").error().message.find("after the prefix length"),
              std::string::npos);
}

TEST(Cidr, PrintsAsWritten) {
    EXPECT_EQ(cidr("10.0.0.0/8").to_string(), "10.0.0.0/8");
    EXPECT_EQ(cidr("192.0.2.7").to_string(), "192.0.2.7");
    EXPECT_EQ(cidr("192.0.2.7/32").to_string(), "192.0.2.7");
    EXPECT_EQ(cidr("2001:db8::/32").to_string(), "2001:db8::/32");
    EXPECT_EQ(cidr("::/0").to_string(), "::/0");
}

TEST(Cidr, AnyContains) {
    std::vector<Cidr> list{cidr("10.0.0.0/8"), cidr("2001:db8::/32"), cidr("127.0.0.3")};
    EXPECT_TRUE(any_contains(list, ip("10.9.9.9")));
    EXPECT_TRUE(any_contains(list, ip("2001:db8::5")));
    EXPECT_TRUE(any_contains(list, ip("127.0.0.3")));
    EXPECT_FALSE(any_contains(list, ip("127.0.0.1")));
    EXPECT_FALSE(any_contains({}, ip("10.0.0.1")));
}

}  // namespace
}  // namespace sb::protection
