#include "transport/ws_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace sb::transport {
namespace {

TEST(WsProtocol, SipMustBeOfferedExactly) {
    EXPECT_TRUE(offers_sip("sip"));
    EXPECT_TRUE(offers_sip("chat, sip"));
    EXPECT_TRUE(offers_sip(" xmpp ,sip , chat"));
    EXPECT_FALSE(offers_sip(""));
    EXPECT_FALSE(offers_sip("chat"));
    EXPECT_FALSE(offers_sip("sips"));
    EXPECT_FALSE(offers_sip("msrp, xsip"));
    // RFC 6455 §4.1: the server answers one offered value as sent, so "SIP" is another name.
    EXPECT_FALSE(offers_sip("SIP"));
}

TEST(WsProtocol, UpgradeVerdicts) {
    EXPECT_EQ(check_upgrade(true, "sip").status, 0);
    EXPECT_EQ(check_upgrade(true, "chat,sip").status, 0);
    // RFC 7118 §4.1: a WebSocket client that does not offer "sip" is refused.
    EXPECT_EQ(check_upgrade(true, "").status, 400);
    EXPECT_EQ(check_upgrade(true, "chat").status, 400);
    // RFC 6455 §4.2.2: a plain HTTP request is told to upgrade.
    EXPECT_EQ(check_upgrade(false, "sip").status, 426);
    EXPECT_EQ(check_upgrade(false, "").status, 426);
}

TEST(WsProtocol, Utf8DecidesTextOrBinaryFrames) {
    EXPECT_TRUE(is_utf8(""));
    EXPECT_TRUE(is_utf8("INVITE sip:bob@example.com SIP/2.0\r\n"));
    EXPECT_TRUE(is_utf8("From: \"Ľubomír Šťastný\" <sip:l@example.sk>"));
    EXPECT_TRUE(is_utf8("\xf0\x9f\x93\x9e"));      // U+1F4DE, four bytes
    EXPECT_TRUE(is_utf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF, the last code point
    EXPECT_FALSE(is_utf8("\xff"));
    EXPECT_FALSE(is_utf8("\x80"));                  // a continuation byte alone
    EXPECT_FALSE(is_utf8("\xc3"));                  // cut short
    EXPECT_FALSE(is_utf8("\xc0\xaf"));              // overlong "/"
    EXPECT_FALSE(is_utf8("\xe0\x80\xaf"));          // overlong, three bytes
    EXPECT_FALSE(is_utf8("\xed\xa0\x80"));          // U+D800, a surrogate
    EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));      // past U+10FFFF
    std::string body = "v=0\r\n";
    body.push_back('\0');
    EXPECT_TRUE(is_utf8(body));  // NUL is a valid code point
}

TEST(WsProtocol, CrlfKeepAlives) {
    EXPECT_EQ(keep_alive_of("\r\n\r\n"), KeepAlive::Ping);
    EXPECT_EQ(keep_alive_of("\r\n"), KeepAlive::Pong);
    EXPECT_EQ(keep_alive_of(""), KeepAlive::None);
    EXPECT_EQ(keep_alive_of("OPTIONS sip:x SIP/2.0\r\n\r\n"), KeepAlive::None);
}

}  // namespace
}  // namespace sb::transport
