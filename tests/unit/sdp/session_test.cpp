#include "sdp/session.h"

#include <gtest/gtest.h>

#include <string>

#include "sdp/parser.h"
#include "unit/sdp/sample_data.h"

namespace sb::sdp {
namespace {

// A session with the given session-level lines and media descriptions appended.
std::string body(std::string_view session_lines, std::string_view media) {
    std::string out = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n";
    out += session_lines;
    out += "t=0 0\r\n";
    out += media;
    return out;
}

// The Session views `text`, which must outlive it.
Session parse_ok(const std::string& text) {
    auto s = parse_session(text);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : Session{};
}
Session parse_ok(std::string&& text) = delete;

TEST(Hold, ZeroAddressHoldsTheStream) {
    // RFC 2543 style: the stream stays sendrecv but points nowhere.
    std::string text = body("c=IN IP4 0.0.0.0\r\n", "m=audio 4000 RTP/AVP 0\r\n");
    Session s = parse_ok(text);
    EXPECT_TRUE(is_on_hold(s, 0));
    EXPECT_TRUE(is_on_hold(s));
}

TEST(Hold, MediaLevelZeroAddressOverridesTheSession) {
    std::string text = body("c=IN IP4 192.0.2.1\r\n",
                            "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\n"
                            "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n");
    Session s = parse_ok(text);
    EXPECT_TRUE(is_on_hold(s, 0));
    EXPECT_FALSE(is_on_hold(s, 1));
    EXPECT_FALSE(is_on_hold(s));
}

TEST(Hold, SendonlyAndInactiveHoldRecvonlyDoesNot) {
    for (auto [attribute, held] :
         {std::pair{"a=sendonly\r\n", true}, std::pair{"a=inactive\r\n", true},
          std::pair{"a=recvonly\r\n", false}, std::pair{"a=sendrecv\r\n", false},
          std::pair{"", false}}) {
        std::string text =
            body("c=IN IP4 192.0.2.1\r\n", std::string("m=audio 4000 RTP/AVP 0\r\n") + attribute);
        Session s = parse_ok(text);
        EXPECT_EQ(is_on_hold(s), held) << attribute;
    }
}

TEST(Hold, MediaDirectionOverridesTheSessionDirection) {
    std::string text = body("c=IN IP4 192.0.2.1\r\na=sendonly\r\n",
                            "m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n"
                            "m=video 4002 RTP/AVP 96\r\n");
    Session s = parse_ok(text);
    EXPECT_EQ(s.direction_of(0), Direction::SendRecv);
    EXPECT_EQ(s.direction_of(1), Direction::SendOnly);
    EXPECT_FALSE(is_on_hold(s, 0));
    EXPECT_TRUE(is_on_hold(s, 1));
    EXPECT_FALSE(is_on_hold(s));
}

TEST(Hold, DisabledStreamsDoNotCount) {
    std::string text = body("c=IN IP4 192.0.2.1\r\n",
                            "m=audio 4000 RTP/AVP 0\r\na=inactive\r\n"
                            "m=video 0 RTP/AVP 96\r\n");
    Session s = parse_ok(text);
    EXPECT_FALSE(is_on_hold(s, 1));
    EXPECT_TRUE(is_on_hold(s));

    std::string disabled_text = body("c=IN IP4 0.0.0.0\r\n", "m=audio 0 RTP/AVP 0\r\n");
    Session only_disabled = parse_ok(disabled_text);
    EXPECT_FALSE(is_on_hold(only_disabled));
    std::string no_media_text = body("c=IN IP4 0.0.0.0\r\n", "");
    Session no_media = parse_ok(no_media_text);
    EXPECT_FALSE(is_on_hold(no_media));
}

TEST(Hold, SamplesThatAreNotHeld) {
    for (const char* name : {"linphone_offer.sdp", "baresip_offer.sdp", "ipv6.sdp",
                             "multistream.sdp", "ice_offer.sdp", "lf_only.sdp"}) {
        std::string text = test::load_sample(name);
        Session s = parse_ok(text);
        EXPECT_FALSE(is_on_hold(s)) << name;
    }
}

TEST(Connection, AddressTypes) {
    EXPECT_EQ(address_type_from("IP4"), AddressType::Ip4);
    EXPECT_EQ(address_type_from("ip6"), AddressType::Ip6);
    EXPECT_EQ(address_type_from("X-ATM"), AddressType::Other);
    EXPECT_EQ(addrtype_for("192.0.2.1"), "IP4");
    EXPECT_EQ(addrtype_for("2001:db8::1"), "IP6");
    EXPECT_EQ(addrtype_for("media.example.com"), "IP4");

    std::string text = body("c=IN IP6 ::\r\n", "m=audio 4000 RTP/AVP 0\r\n");
    Session s = parse_ok(text);
    EXPECT_EQ(s.connection_for(0)->address_type(), AddressType::Ip6);
    EXPECT_TRUE(is_on_hold(s));  // the IPv6 unspecified address
}

TEST(Connection, UnspecifiedAddresses) {
    EXPECT_TRUE(is_unspecified_address("0.0.0.0"));
    EXPECT_TRUE(is_unspecified_address("::"));
    EXPECT_TRUE(is_unspecified_address("0:0:0:0:0:0:0:0"));
    EXPECT_FALSE(is_unspecified_address("0.0.0.1"));
    EXPECT_FALSE(is_unspecified_address("::1"));
    EXPECT_FALSE(is_unspecified_address("0"));
    EXPECT_FALSE(is_unspecified_address(""));
}

TEST(Connection, NoneApplies) {
    std::string text = body("", "m=audio 4000 RTP/AVP 0\r\n");
    Session s = parse_ok(text);
    EXPECT_EQ(s.connection_for(0), nullptr);
    EXPECT_FALSE(is_on_hold(s));
}

TEST(Direction, NamesRoundTrip) {
    for (Direction d :
         {Direction::SendRecv, Direction::SendOnly, Direction::RecvOnly, Direction::Inactive}) {
        EXPECT_EQ(direction_from_name(to_string(d)), d);
    }
    EXPECT_EQ(direction_from_name("SendOnly"), Direction::SendOnly);
    EXPECT_FALSE(direction_from_name("sendonlyx").has_value());
    EXPECT_FALSE(direction_from_name("").has_value());
}

TEST(Section, FindsAttributesIgnoringCase) {
    std::string text = body("a=Tool:x\r\n", "m=audio 4000 RTP/AVP 0\r\na=RTCP:4005\r\n");
    Session s = parse_ok(text);
    ASSERT_NE(s.find_attribute("tool"), nullptr);
    EXPECT_EQ(s.find_attribute("tool")->value, "x");
    EXPECT_FALSE(s.has_attribute("ptime"));
    EXPECT_EQ(s.media[0].rtcp()->port, 4005);
}

}  // namespace
}  // namespace sb::sdp
