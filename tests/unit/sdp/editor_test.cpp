#include "sdp/editor.h"

#include <gtest/gtest.h>

#include <string>

#include "sdp/parser.h"
#include "sdp/writer.h"
#include "unit/sdp/sample_data.h"

namespace sb::sdp {
namespace {

constexpr std::string_view kOffer =
    "v=0\r\n"
    "o=- 1706011424 3312558916 IN IP4 10.0.0.7\r\n"
    "s=-\r\n"
    "c=IN IP4 10.0.0.7\r\n"
    "t=0 0\r\n"
    "m=audio 10350 RTP/AVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=sendrecv\r\n";

// The Session views `body`, which must outlive it (literals and named strings only).
Session parse_ok(std::string_view body) {
    auto s = parse_session(body);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : Session{};
}

TEST(Editor, WithoutChangesWritesTheInput) {
    for (const std::string& name : test::sample_names()) {
        std::string body = test::load_sample(name);
        Session s = parse_ok(body);
        Editor editor(s);
        EXPECT_FALSE(editor.changed()) << name;
        EXPECT_EQ(editor.write(), write(s)) << name;
    }
}

TEST(Editor, AnchorsAddressAndPortLeavingTheRestAsWritten) {
    Session s = parse_ok(kOffer);
    Editor editor(s);
    editor.set_connection_address("203.0.113.1");
    editor.set_port(0, 40000);
    EXPECT_TRUE(editor.changed());
    EXPECT_EQ(editor.write(),
              "v=0\r\n"
              "o=- 1706011424 3312558916 IN IP4 10.0.0.7\r\n"  // o= only when asked
              "s=-\r\n"
              "c=IN IP4 203.0.113.1\r\n"
              "t=0 0\r\n"
              "m=audio 40000 RTP/AVP 0 101\r\n"
              "a=rtpmap:0 PCMU/8000\r\n"
              "a=rtpmap:101 telephone-event/8000\r\n"
              "a=sendrecv\r\n");
}

TEST(Editor, RewritesTheOriginAddressWhenAsked) {
    Session s = parse_ok(kOffer);
    Editor editor(s);
    editor.set_connection_address("203.0.113.1");
    editor.set_origin_address("203.0.113.1");
    std::string text = editor.write();
    std::string_view head =
        "v=0\r\n"
        "o=- 1706011424 3312558916 IN IP4 203.0.113.1\r\n"
        "s=-\r\n"
        "c=IN IP4 203.0.113.1\r\n"
        "t=0 0\r\n";
    EXPECT_EQ(text.substr(0, head.size()), head);
}

TEST(Editor, SwitchesTheAddressFamily) {
    Session v4 = parse_ok(kOffer);
    Editor to_v6(v4);
    to_v6.set_connection_address("2001:db8::1");
    to_v6.set_origin_address("2001:db8::1");
    std::string edited_text = to_v6.write();
    auto edited = parse_session(edited_text);
    ASSERT_TRUE(edited) << edited.error().message;
    EXPECT_EQ(edited->lines[1].text, "o=- 1706011424 3312558916 IN IP6 2001:db8::1");
    EXPECT_EQ(edited->lines[3].text, "c=IN IP6 2001:db8::1");
    EXPECT_EQ(edited->connection->address_type(), AddressType::Ip6);

    std::string body = test::load_sample("ipv6.sdp");
    Session v6 = parse_ok(body);
    Editor to_v4(v6);
    to_v4.set_connection_address("192.0.2.200");
    to_v4.set_origin_address("192.0.2.200");
    to_v4.set_port(0, 30000);
    EXPECT_EQ(to_v4.write(),
              "v=0\r\n"
              "o=carol 5512 5512 IN IP4 192.0.2.200\r\n"
              "s=-\r\n"
              "c=IN IP4 192.0.2.200\r\n"
              "t=0 0\r\n"
              "m=audio 30000 RTP/AVP 9 0 101\r\n"
              "a=rtpmap:9 G722/8000\r\n"
              "a=rtpmap:0 PCMU/8000\r\n"
              "a=rtpmap:101 telephone-event/8000\r\n"
              "a=fmtp:101 0-15\r\n"
              "a=ptime:20\r\n"
              "a=sendrecv\r\n");
}

TEST(Editor, RewritesEveryMediaLevelConnection) {
    std::string body = test::load_sample("multistream.sdp");
    Session s = parse_ok(body);
    Editor editor(s);
    editor.set_connection_address("203.0.113.1");
    editor.set_port(0, 40000);
    editor.set_port(1, 40002);  // the port count stays
    editor.set_port(2, 40004);
    EXPECT_EQ(editor.write(),
              "v=0\r\n"
              "o=mcu 91827 91828 IN IP4 192.0.2.50\r\n"
              "s=Conference\r\n"
              "i=Weekly planning\r\n"
              "u=http://www.example.com/conf/weekly\r\n"
              "e=conf-admin@example.com\r\n"
              "t=0 0\r\n"
              "a=x-room:blue\r\n"
              "m=audio 40000 RTP/AVP 0 8\r\n"
              "i=main audio\r\n"
              "c=IN IP4 203.0.113.1\r\n"
              "b=AS:80\r\n"
              "a=rtpmap:0 PCMU/8000\r\n"
              "a=rtpmap:8 PCMA/8000\r\n"
              "a=mid:1\r\n"
              "m=video 40002/2 RTP/AVP 31 32\r\n"
              "c=IN IP4 203.0.113.1\r\n"
              "b=AS:512\r\n"
              "a=rtpmap:31 H261/90000\r\n"
              "a=rtpmap:32 MPV/90000\r\n"
              "a=mid:2\r\n"
              "a=recvonly\r\n"
              "m=application 40004 TCP/BFCP *\r\n"
              "c=IN IP4 203.0.113.1\r\n"
              "a=floorctrl:s-only\r\n"
              "a=confid:4321\r\n"
              "a=userid:1234\r\n"
              "a=setup:passive\r\n"
              "a=connection:new\r\n"
              "m=text 0 RTP/AVP 98\r\n"
              "c=IN IP4 203.0.113.1\r\n"
              "a=rtpmap:98 t140/1000\r\n");
}

TEST(Editor, AddsAMediaConnectionWhereNoneApplies) {
    Session s = parse_ok(
        "v=0\r\n"
        "o=- 1 1 IN IP4 192.0.2.1\r\n"
        "s=-\r\n"
        "t=0 0\r\n"
        "m=audio 5000 RTP/AVP 0\r\n"
        "i=voice\r\n"
        "a=sendrecv\r\n"
        "m=video 5002 RTP/AVP 96\r\n"
        "c=IN IP4 10.0.0.1\r\n"
        "a=rtpmap:96 VP8/90000\r\n");
    Editor editor(s);
    editor.set_connection_address("192.0.2.8");
    editor.set_connection_address("192.0.2.9");  // the added line is updated, not added twice
    EXPECT_EQ(editor.write(),
              "v=0\r\n"
              "o=- 1 1 IN IP4 192.0.2.1\r\n"
              "s=-\r\n"
              "t=0 0\r\n"
              "m=audio 5000 RTP/AVP 0\r\n"
              "i=voice\r\n"
              "c=IN IP4 192.0.2.9\r\n"
              "a=sendrecv\r\n"
              "m=video 5002 RTP/AVP 96\r\n"
              "c=IN IP4 192.0.2.9\r\n"
              "a=rtpmap:96 VP8/90000\r\n");
}

TEST(Editor, OneMediaCanGetItsOwnConnection) {
    Session s = parse_ok(kOffer);
    Editor editor(s);
    editor.set_connection_address(0, "198.51.100.5");
    std::string text = editor.write();
    EXPECT_NE(text.find("c=IN IP4 10.0.0.7\r\n"), std::string::npos);  // session level kept
    EXPECT_NE(text.find("m=audio 10350 RTP/AVP 0 101\r\nc=IN IP4 198.51.100.5\r\na=rtpmap:0"),
              std::string::npos);
    auto edited = parse_session(text);
    ASSERT_TRUE(edited) << edited.error().message;
    EXPECT_EQ(edited->connection_for(0)->address, "198.51.100.5");
}

TEST(Editor, AddedConnectionGoesBeforeAddedAttributes) {
    Session s = parse_ok("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nm=audio 5000 RTP/AVP 0\r\n");
    Editor editor(s);
    editor.set_direction(0, Direction::SendOnly);
    editor.set_connection_address(0, "192.0.2.9");
    EXPECT_EQ(editor.write(),
              "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
              "m=audio 5000 RTP/AVP 0\r\n"
              "c=IN IP4 192.0.2.9\r\n"
              "a=sendonly\r\n");
}

TEST(Editor, DropsTheMulticastSuffix) {
    Session s = parse_ok("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 224.2.1.1/127\r\n");
    Editor editor(s);
    editor.set_connection_address("203.0.113.1");
    EXPECT_EQ(editor.write(), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 203.0.113.1\r\n");
}

TEST(Editor, RewritesRtcpPortAndAddress) {
    std::string body = test::load_sample("rtcp_address.sdp");
    Session s = parse_ok(body);
    Editor with_address(s);
    with_address.set_rtcp(0, 30001, "203.0.113.1");
    std::string expected = test::with_crlf(body);
    std::string old_line = "a=rtcp:16391 IN IP4 198.51.100.99\r\n";
    ASSERT_NE(expected.find(old_line), std::string::npos);
    EXPECT_EQ(with_address.write(),
              std::string(expected).replace(expected.find(old_line), old_line.size(),
                                            "a=rtcp:30001 IN IP4 203.0.113.1\r\n"));

    Editor port_only(s);
    port_only.set_rtcp(0, 30001);
    EXPECT_EQ(port_only.write(), std::string(expected).replace(
                                     expected.find(old_line), old_line.size(), "a=rtcp:30001\r\n"));

    Editor v6(s);
    v6.set_rtcp(0, 30001, "2001:db8::7");
    EXPECT_NE(v6.write().find("\r\na=rtcp:30001 IN IP6 2001:db8::7\r\na=sendrecv\r\n"),
              std::string::npos);
}

TEST(Editor, AddsRtcpWhenThereIsNone) {
    Session s = parse_ok(kOffer);
    Editor editor(s);
    editor.set_rtcp(0, 40001, "203.0.113.1");
    EXPECT_EQ(editor.write(), std::string(kOffer) + "a=rtcp:40001 IN IP4 203.0.113.1\r\n");
    EXPECT_EQ(editor.remove_attributes("rtcp"), 1u);
    EXPECT_EQ(editor.write(), kOffer);
    EXPECT_FALSE(editor.changed());
}

TEST(Editor, SetsDirectionAtBothLevels) {
    std::string body = test::load_sample("hold_answer.sdp");
    Session s = parse_ok(body);
    Editor editor(s);
    editor.set_session_direction(Direction::SendRecv);  // replaces a=sendonly
    editor.set_direction(1, Direction::SendOnly);       // replaces a=inactive
    editor.set_direction(0, Direction::RecvOnly);       // audio had none: added at its end
    editor.set_direction(0, Direction::Inactive);       // ... and updated, not added twice
    std::string text = editor.write();
    EXPECT_EQ(text,
              "v=0\r\n"
              "o=bob 3344 3346 IN IP4 203.0.113.40\r\n"
              "s=call\r\n"
              "c=IN IP4 203.0.113.40\r\n"
              "t=0 0\r\n"
              "a=sendrecv\r\n"
              "m=audio 40376 RTP/AVP 0 101\r\n"
              "a=rtpmap:0 PCMU/8000\r\n"
              "a=rtpmap:101 telephone-event/8000\r\n"
              "a=fmtp:101 0-16\r\n"
              "a=inactive\r\n"
              "m=video 40378 RTP/AVP 99\r\n"
              "a=rtpmap:99 H264/90000\r\n"
              "a=sendonly\r\n");
    auto edited = parse_session(text);
    ASSERT_TRUE(edited) << edited.error().message;
    EXPECT_EQ(edited->direction_of(0), Direction::Inactive);
    EXPECT_EQ(edited->direction_of(1), Direction::SendOnly);
}

TEST(Editor, AddsASessionDirectionAtTheEndOfTheSessionLevel) {
    Session s = parse_ok(kOffer);
    Editor editor(s);
    editor.set_session_direction(Direction::SendOnly);
    std::string text = editor.write();
    EXPECT_NE(text.find("t=0 0\r\na=sendonly\r\nm=audio"), std::string::npos);
}

TEST(Editor, ReplacesDuplicateDirectionsWithOne) {
    Session s = parse_ok(
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
        "m=audio 5000 RTP/AVP 0\r\na=sendrecv\r\na=ptime:20\r\na=sendonly\r\n");
    Editor editor(s);
    editor.set_direction(0, Direction::Inactive);
    EXPECT_EQ(editor.write(),
              "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
              "m=audio 5000 RTP/AVP 0\r\na=inactive\r\na=ptime:20\r\n");
}

TEST(Editor, RemovesIceAndAnchorsAnIceOffer) {
    std::string body = test::load_sample("ice_offer.sdp");
    Session s = parse_ok(body);
    Editor editor(s);
    EXPECT_EQ(editor.remove_attributes("candidate"), 5u);
    EXPECT_EQ(editor.remove_attributes("end-of-candidates"), 1u);
    EXPECT_EQ(editor.remove_attributes("ice-ufrag"), 1u);
    EXPECT_EQ(editor.remove_attributes("ice-pwd"), 1u);
    EXPECT_EQ(editor.remove_attributes("ICE-OPTIONS"), 1u);  // session level, any case
    EXPECT_EQ(editor.remove_attributes("candidate"), 0u);
    editor.set_connection_address("192.0.2.1");
    editor.set_port(0, 20000);
    editor.set_rtcp(0, 20001, "192.0.2.1");
    EXPECT_EQ(editor.write(),
              "v=0\r\n"
              "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
              "s=-\r\n"
              "t=0 0\r\n"
              "m=audio 20000 RTP/SAVPF 111 0 8 126\r\n"
              "c=IN IP4 192.0.2.1\r\n"
              "a=rtcp:20001 IN IP4 192.0.2.1\r\n"
              "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
              "inline:c3dpdGNoYm9hcmQtdGVzdC1rZXktMDAwMDAwMDAw\r\n"
              "a=rtpmap:111 opus/48000/2\r\n"
              "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
              "a=rtpmap:0 PCMU/8000\r\n"
              "a=rtpmap:8 PCMA/8000\r\n"
              "a=rtpmap:126 telephone-event/8000\r\n"
              "a=mid:audio\r\n"
              "a=sendrecv\r\n");
}

TEST(Editor, RemovesWithinOneMedia) {
    std::string body = test::load_sample("linphone_offer.sdp");
    Session s = parse_ok(body);
    Editor editor(s);
    EXPECT_EQ(editor.remove_attributes(1, "rtcp-fb"), 5u);
    std::string edited_text = editor.write();
    auto edited = parse_session(edited_text);
    ASSERT_TRUE(edited) << edited.error().message;
    EXPECT_EQ(edited->media[0].attributes.size(), 9u);
    EXPECT_EQ(edited->media[1].attributes.size(), 3u);
    EXPECT_EQ(edited->lines.size(), 21u);
}

TEST(Editor, RemovalGoesByTheNameAsRewritten) {
    std::string body = test::load_sample("hold_answer.sdp");
    Session s = parse_ok(body);
    Editor editor(s);
    editor.set_direction(1, Direction::SendOnly);
    EXPECT_EQ(editor.remove_attributes("inactive"), 0u);
    EXPECT_EQ(editor.remove_attributes("sendonly"), 2u);
    std::string edited_text = editor.write();
    auto edited = parse_session(edited_text);
    ASSERT_TRUE(edited) << edited.error().message;
    EXPECT_EQ(edited->direction_of(0), Direction::SendRecv);
    EXPECT_EQ(edited->direction_of(1), Direction::SendRecv);
}

TEST(Editor, RtcpRemovedThenSetIsAddedAgain) {
    std::string body = test::load_sample("rtcp_address.sdp");
    Session s = parse_ok(body);
    Editor editor(s);
    EXPECT_EQ(editor.remove_attributes("rtcp"), 1u);
    editor.set_rtcp(0, 30001);
    std::string text = editor.write();
    EXPECT_EQ(text.find("a=rtcp:16391"), std::string::npos);
    EXPECT_NE(text.find("a=sendrecv\r\na=rtcp:30001\r\n"), std::string::npos);
}

TEST(Editor, EditedOutputParsesWithTheNewValues) {
    std::string body = test::load_sample("linphone_offer.sdp");
    Session s = parse_ok(body);
    Editor editor(s);
    editor.set_connection_address("203.0.113.9");
    editor.set_port(0, 41000);
    editor.set_port(1, 41002);
    editor.set_rtcp(0, 41001);
    editor.set_direction(1, Direction::Inactive);
    std::string edited_text = editor.write();
    auto edited = parse_session(edited_text);
    ASSERT_TRUE(edited) << edited.error().message;
    EXPECT_EQ(edited->connection->address, "203.0.113.9");
    EXPECT_EQ(edited->media[0].port, 41000);
    EXPECT_EQ(edited->media[1].port, 41002);
    EXPECT_EQ(edited->media[0].rtcp()->port, 41001);
    EXPECT_FALSE(edited->media[0].rtcp()->has_address());
    EXPECT_EQ(edited->direction_of(1), Direction::Inactive);
    EXPECT_EQ(edited->media[0].formats, s.media[0].formats);
    EXPECT_EQ(edited->media[1].rtpmaps(), s.media[1].rtpmaps());
}

}  // namespace
}  // namespace sb::sdp
