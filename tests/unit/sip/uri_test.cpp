#include "sip/uri.h"

#include <gtest/gtest.h>

namespace sb::sip {
namespace {

TEST(Uri, SipUriWithEverything) {
    auto uri = parse_uri("sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&x=y");
    ASSERT_TRUE(uri.has_value()) << uri.error();
    EXPECT_EQ(uri->scheme, UriScheme::Sips);
    EXPECT_EQ(uri->user, "alice");
    EXPECT_EQ(uri->password, "secret");
    EXPECT_EQ(uri->host, "[2001:db8::1]");
    EXPECT_EQ(uri->host_address(), "2001:db8::1");
    EXPECT_EQ(uri->port, 5061);
    EXPECT_EQ(uri->params, ";transport=tcp;lr");
    EXPECT_EQ(uri->param("transport"), "tcp");
    EXPECT_EQ(uri->param("LR"), "");
    EXPECT_FALSE(uri->param("maddr").has_value());
    EXPECT_EQ(uri->headers, "subject=hi&x=y");
}

TEST(Uri, HostOnly) {
    auto uri = parse_uri("sip:example.com");
    ASSERT_TRUE(uri.has_value());
    EXPECT_FALSE(uri->has_user());
    EXPECT_EQ(uri->host, "example.com");
    EXPECT_EQ(uri->port, 0);
}

TEST(Uri, TelUri) {
    auto uri = parse_uri("tel:+1-201-555-0123;phone-context=example.com");
    ASSERT_TRUE(uri.has_value());
    EXPECT_EQ(uri->scheme, UriScheme::Tel);
    EXPECT_EQ(uri->user, "+1-201-555-0123");
    EXPECT_EQ(uri->param("phone-context"), "example.com");
}

TEST(Uri, OtherSchemeIsOpaque) {
    auto uri = parse_uri("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    ASSERT_TRUE(uri.has_value());
    EXPECT_EQ(uri->scheme, UriScheme::Other);
}

struct BadUri {
    const char* text;
    const char* reason;
};

class UriRejects : public ::testing::TestWithParam<BadUri> {};

TEST_P(UriRejects, WithAReason) {
    auto uri = parse_uri(GetParam().text);
    ASSERT_FALSE(uri.has_value()) << GetParam().text;
    EXPECT_STREQ(uri.error(), GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, UriRejects,
    ::testing::Values(BadUri{"example.com", "missing URI scheme"},
                      BadUri{"sip:", "bad host in URI"},
                      BadUri{"sip:alice@", "bad host in URI"},
                      BadUri{"sip:alice@host:0", "bad port in URI"},
                      BadUri{"sip:alice@host:70000", "bad port in URI"},
                      BadUri{"sip:alice@host:50x", "bad port in URI"},
                      BadUri{"sip:al ice@host", "bad user part in URI"},
                      BadUri{"sip:alice@[::1", "bad host in URI"},
                      BadUri{"sip:alice@[zz::1]", "bad host in URI"},
                      BadUri{"sip:alice@host;a b", "bad URI parameter"},
                      BadUri{"sip:alice@host?noequals", "bad URI headers"},
                      BadUri{"sip:a%2@host", "bad user part in URI"},
                      BadUri{"1sip:alice@host", "bad URI scheme"},
                      BadUri{"tel:12 34", "bad telephone number in URI"}));

TEST(Uri, AddressOfRecordNormalises) {
    auto a = parse_uri("sip:%61lice@EXAMPLE.com:5060;transport=udp");
    auto b = parse_uri("sips:alice@example.com");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(address_of_record(*a), "sip:alice@example.com");
    EXPECT_EQ(address_of_record(*b), "sip:alice@example.com");
}

TEST(Uri, IpLiterals) {
    EXPECT_TRUE(is_ip_literal("192.0.2.1"));
    EXPECT_TRUE(is_ip_literal("[::1]"));
    EXPECT_FALSE(is_ip_literal("example.com"));
    EXPECT_FALSE(is_ip_literal("192.0.2"));
}

}  // namespace
}  // namespace sb::sip
