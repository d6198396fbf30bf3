#include "transport/listen_ports.h"

#include <gtest/gtest.h>

#include <set>

namespace sb::transport {
namespace {

TEST(ListenPorts, GivenPortsStay) {
    auto ports = choose_ports({{Transport::Udp, "127.0.0.1", 5060},
                               {Transport::Tls, "127.0.0.1", 5061},
                               {Transport::Wss, "127.0.0.1", 8443}});
    ASSERT_TRUE(ports.has_value()) << ports.error().message;
    EXPECT_EQ(*ports, (std::vector<std::uint16_t>{5060, 5061, 8443}));
}

TEST(ListenPorts, UdpAndTcpShareOnePortOtherStreamsGetTheirOwn) {
    std::vector<ListenSpec> specs = {{Transport::Udp, "127.0.0.1", 0},
                                     {Transport::Tcp, "127.0.0.1", 0},
                                     {Transport::Tls, "127.0.0.1", 0},
                                     {Transport::Ws, "127.0.0.1", 0},
                                     {Transport::Wss, "127.0.0.1", 0}};
    auto ports = choose_ports(specs);
    ASSERT_TRUE(ports.has_value()) << ports.error().message;
    ASSERT_EQ(ports->size(), specs.size());
    EXPECT_NE((*ports)[0], 0);
    EXPECT_EQ((*ports)[0], (*ports)[1]);
    std::set<std::uint16_t> distinct((*ports).begin() + 1, (*ports).end());
    EXPECT_EQ(distinct.size(), 4u) << "TCP, TLS, WS and WSS need a port each";
}

TEST(ListenPorts, ChoicesAvoidGivenPorts) {
    // A spec on port 0 never lands on the port another spec names on the same host.
    for (int i = 0; i < 5; ++i) {
        auto first = choose_ports({{Transport::Tls, "127.0.0.1", 0}});
        ASSERT_TRUE(first.has_value());
        auto ports = choose_ports({{Transport::Ws, "127.0.0.1", (*first)[0]},
                                   {Transport::Tls, "127.0.0.1", 0}});
        ASSERT_TRUE(ports.has_value());
        EXPECT_NE((*ports)[1], (*ports)[0]);
    }
}

TEST(ListenPorts, NamesAHostThatIsNoAddress) {
    auto ports = choose_ports({{Transport::Tls, "example.com", 0}});
    ASSERT_FALSE(ports.has_value());
    EXPECT_NE(ports.error().message.find("example.com"), std::string::npos);
}

}  // namespace
}  // namespace sb::transport
