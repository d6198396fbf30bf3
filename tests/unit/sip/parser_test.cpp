#include "sip/parser.h"

#include <gtest/gtest.h>

namespace sb::sip {
namespace {

TEST(Parser, ParsesASimpleInvite) {
    auto msg = parse_message(
        "INVITE sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds;rport\r\n"
        "Max-Forwards: 70\r\n"
        "To: Bob <sip:bob@example.com>\r\n"
        "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
        "CSeq: 314159 INVITE\r\n"
        "Content-Length: 4\r\n"
        "\r\n"
        "v=0\n");
    ASSERT_TRUE(msg.has_value()) << msg.error().text();
    EXPECT_EQ(msg->method(), Method::Invite);
    EXPECT_EQ(msg->request_uri(), "sip:bob@example.com");
    EXPECT_EQ(msg->top_via().branch, "z9hG4bK776asdhds");
    EXPECT_EQ(msg->top_via().port, 5060);
    EXPECT_EQ(msg->from_tag(), "1928301774");
    EXPECT_EQ(msg->to_tag(), "");
    EXPECT_EQ(msg->cseq().number, 314159u);
    EXPECT_EQ(msg->max_forwards(), 70);
    EXPECT_EQ(msg->body(), "v=0\n");
}

}  // namespace
}  // namespace sb::sip
