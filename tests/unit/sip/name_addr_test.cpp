#include "sip/name_addr.h"

#include <gtest/gtest.h>

#include "sip/header_values.h"
#include "sip/via.h"

namespace sb::sip {
namespace {

TEST(NameAddr, QuotedDisplayNameWithEscapes) {
    auto na = parse_name_addr(R"("Bob \"the\" Builder" <sip:bob@example.com>;tag=abc;x)");
    ASSERT_TRUE(na.has_value()) << na.error();
    EXPECT_EQ(na->display_name, R"("Bob \"the\" Builder")");
    EXPECT_EQ(na->uri.user, "bob");
    EXPECT_EQ(na->tag(), "abc");
    EXPECT_EQ(na->param("x"), "");
    EXPECT_TRUE(na->bracketed);
}

TEST(NameAddr, AddrSpecParamsBelongToTheHeader) {
    auto na = parse_name_addr("sip:alice@example.com;tag=9;expires=60");
    ASSERT_TRUE(na.has_value());
    EXPECT_EQ(na->uri.text, "sip:alice@example.com");
    EXPECT_EQ(na->params, ";tag=9;expires=60");
    EXPECT_FALSE(na->bracketed);
}

TEST(NameAddr, Rejects) {
    EXPECT_FALSE(parse_name_addr("").has_value());
    EXPECT_FALSE(parse_name_addr("<sip:a@b").has_value());
    EXPECT_FALSE(parse_name_addr("\"open <sip:a@b>").has_value());
    EXPECT_FALSE(parse_name_addr("<sip:a@b> junk").has_value());
    EXPECT_FALSE(parse_name_addr("<sip:a@b>;=x").has_value());
    EXPECT_FALSE(parse_name_addr("<sip:a@b>;tag=\"open").has_value());
}

TEST(HeaderValues, SplitsOutsideQuotesAndBrackets) {
    std::vector<std::string_view> values;
    bool ok = for_each_list_value(R"(<sip:a@b;x=1,2>, "x,y" <sip:c@d> ,, sip:e@f)",
                                  [&](std::string_view v) {
                                      values.push_back(v);
                                      return true;
                                  });
    EXPECT_TRUE(ok);
    EXPECT_EQ(values, (std::vector<std::string_view>{"<sip:a@b;x=1,2>", R"("x,y" <sip:c@d>)",
                                                     "sip:e@f"}));
    EXPECT_FALSE(for_each_list_value("\"open, x", [](std::string_view) { return true; }));
}

TEST(Via, FullValue) {
    auto via = parse_via("SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bKabc;rport;received=192.0.2.7");
    ASSERT_TRUE(via.has_value()) << via.error();
    EXPECT_EQ(via->transport, "TCP");
    EXPECT_EQ(via->host, "[2001:db8::9]");
    EXPECT_EQ(via->port, 5070);
    EXPECT_EQ(via->branch, "z9hG4bKabc");
    EXPECT_TRUE(via->rfc3261_branch());
    EXPECT_EQ(via->rport, "");
    EXPECT_EQ(via->received, "192.0.2.7");
}

TEST(Via, Rejects) {
    EXPECT_FALSE(parse_via("SIP/2.0/UDP").has_value());
    EXPECT_FALSE(parse_via("SIP/2.0 host").has_value());
    EXPECT_FALSE(parse_via("SIP/3.0/UDP host").has_value());
    EXPECT_FALSE(parse_via("SIP/2.0/UDP host:99999").has_value());
    EXPECT_FALSE(parse_via("SIP/2.0/UDP host;branch=").has_value());
    EXPECT_FALSE(parse_via("SIP/2.0/UDP host;rport=abc").has_value());
    EXPECT_FALSE(parse_via("SIP/2.0/UDP host junk").has_value());
}

}  // namespace
}  // namespace sb::sip
