// Addresses as the proxy compares and prints them on every message.

#include "transport/api/endpoint.h"

#include <gtest/gtest.h>

namespace sb::transport {
namespace {

Endpoint at(std::string_view ip, std::uint16_t port = 5060) { return *Endpoint::from(ip, port); }

TEST(EndpointTest, PrintsIpv4WithoutLeadingZeros) {
    for (std::string_view ip : {"0.0.0.0", "255.255.255.255", "10.0.0.1", "192.0.2.10",
                                "1.20.100.9", "127.0.0.1", "100.10.1.0"}) {
        EXPECT_EQ(at(ip).ip(), ip);
    }
    EXPECT_EQ(at("192.0.2.10", 5070).to_string(), "192.0.2.10:5070");
}

TEST(EndpointTest, PrintsIpv6Compressed) {
    EXPECT_EQ(at("2001:db8:0:0:0:0:0:1").ip(), "2001:db8::1");
    EXPECT_EQ(at("::1", 5061).to_string(), "[::1]:5061");
}

TEST(EndpointTest, SameAddressIgnoresThePortOnly) {
    EXPECT_TRUE(at("192.0.2.1", 5060).same_address(at("192.0.2.1", 40000)));
    EXPECT_FALSE(at("192.0.2.1").same_address(at("192.0.2.2")));
    EXPECT_TRUE(at("2001:db8::1", 1).same_address(at("2001:db8::1", 2)));
    EXPECT_FALSE(at("2001:db8::1").same_address(at("2001:db8::2")));
    EXPECT_FALSE(at("::ffff:192.0.2.1").same_address(at("192.0.2.1")));  // another family
}

TEST(EndpointTest, KnowsMulticastAndBroadcast) {
    EXPECT_TRUE(at("255.255.255.255").is_multicast_or_broadcast());
    EXPECT_TRUE(at("224.0.0.1").is_multicast_or_broadcast());
    EXPECT_TRUE(at("239.255.255.250").is_multicast_or_broadcast());
    EXPECT_FALSE(at("223.255.255.255").is_multicast_or_broadcast());
    EXPECT_FALSE(at("240.0.0.1").is_multicast_or_broadcast());
    EXPECT_FALSE(at("192.0.2.255").is_multicast_or_broadcast());
    EXPECT_TRUE(at("ff02::1").is_multicast_or_broadcast());
    EXPECT_FALSE(at("fe80::1").is_multicast_or_broadcast());
}

}  // namespace
}  // namespace sb::transport
