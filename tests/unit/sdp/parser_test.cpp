#include "sdp/parser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sdp/writer.h"
#include "unit/sdp/sample_data.h"

namespace sb::sdp {
namespace {

using test::load_sample;

std::vector<std::string_view> attribute_names(const Section& section) {
    std::vector<std::string_view> names;
    for (const Attribute& a : section.attributes) {
        names.push_back(a.name);
    }
    return names;
}

// ---- every sample parses with the expected values ----

TEST(ParseSession, LinphoneOfferWithAudioAndVideo) {
    std::string body = load_sample("linphone_offer.sdp");
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;

    EXPECT_EQ(s->origin.username, "alice");
    EXPECT_EQ(s->origin.session_id, "2214");
    EXPECT_EQ(s->origin.session_version, "1187");
    EXPECT_EQ(s->origin.nettype, "IN");
    EXPECT_EQ(s->origin.addrtype, "IP4");
    EXPECT_EQ(s->origin.address, "192.0.2.10");
    EXPECT_EQ(s->name, "Talk");
    ASSERT_TRUE(s->connection.has_value());
    EXPECT_EQ(s->connection->nettype, "IN");
    EXPECT_EQ(s->connection->address, "192.0.2.10");
    EXPECT_EQ(s->connection->address_type(), AddressType::Ip4);
    EXPECT_EQ(s->connection->line, 3u);
    ASSERT_EQ(s->timings.size(), 1u);
    EXPECT_EQ(s->timings[0].start, 0u);
    EXPECT_EQ(s->timings[0].stop, 0u);
    EXPECT_EQ(s->lines.size(), 26u);
    EXPECT_EQ(s->first_line, 0u);
    EXPECT_EQ(s->end_line, 7u);

    ASSERT_EQ(s->attributes.size(), 2u);
    EXPECT_EQ(s->attributes[0].name, "rtcp-xr");
    // Only the first ':' separates name and value.
    EXPECT_EQ(s->attributes[0].value,
              "rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics");
    EXPECT_EQ(s->attributes[1].name, "record");
    EXPECT_EQ(s->attributes[1].value, "off");

    ASSERT_EQ(s->media.size(), 2u);
    const MediaDescription& audio = s->media[0];
    EXPECT_EQ(audio.media, "audio");
    EXPECT_EQ(audio.port, 7078);
    EXPECT_EQ(audio.port_count, 1);
    EXPECT_EQ(audio.proto, "RTP/AVP");
    EXPECT_EQ(audio.formats, (std::vector<std::string_view>{"96", "97", "98", "0", "8", "101"}));
    EXPECT_TRUE(audio.is_rtp());
    EXPECT_FALSE(audio.connection.has_value());
    EXPECT_EQ(s->connection_for(0), &*s->connection);
    EXPECT_EQ(audio.first_line, 7u);
    EXPECT_EQ(audio.end_line, 17u);
    EXPECT_EQ(audio.attributes.size(), 9u);
    auto opus = audio.rtpmap(96);
    ASSERT_TRUE(opus.has_value());
    EXPECT_EQ(opus->encoding_name, "opus");
    EXPECT_EQ(opus->clock_rate, 48000u);
    EXPECT_EQ(opus->channels, std::optional<std::uint16_t>(2));
    auto dtmf = audio.rtpmap(101);
    ASSERT_TRUE(dtmf.has_value());
    EXPECT_EQ(dtmf->encoding_name, "telephone-event");
    EXPECT_EQ(dtmf->clock_rate, 8000u);
    EXPECT_FALSE(dtmf->channels.has_value());
    EXPECT_FALSE(audio.rtpmap(0).has_value());  // static payload type, no rtpmap sent
    EXPECT_EQ(audio.rtpmaps().size(), 4u);
    EXPECT_EQ(audio.fmtp("96"), std::optional<std::string_view>("useinbandfec=1"));
    EXPECT_FALSE(audio.fmtp("0").has_value());
    EXPECT_FALSE(audio.rtcp().has_value());
    EXPECT_FALSE(audio.mid().has_value());
    EXPECT_EQ(s->direction_of(0), Direction::SendRecv);

    const MediaDescription& video = s->media[1];
    EXPECT_EQ(video.media, "video");
    EXPECT_EQ(video.port, 9078);
    EXPECT_EQ(video.formats, (std::vector<std::string_view>{"102", "103"}));
    EXPECT_EQ(video.first_line, 17u);
    EXPECT_EQ(video.end_line, 26u);
    ASSERT_TRUE(video.rtpmap(103).has_value());
    EXPECT_EQ(video.rtpmap(103)->encoding_name, "H264");
    EXPECT_EQ(video.rtpmap(103)->clock_rate, 90000u);
    EXPECT_EQ(video.fmtp("103"), std::optional<std::string_view>("profile-level-id=42801F"));
    EXPECT_EQ(video.attributes.size(), 8u);
    EXPECT_EQ(video.attributes.back().value, "103 nack pli");
    EXPECT_EQ(video.attributes.back().line, 25u);
}

TEST(ParseSession, BaresipOffer) {
    std::string body = load_sample("baresip_offer.sdp");
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;

    EXPECT_EQ(s->origin.username, "-");
    EXPECT_EQ(s->origin.session_id, "1706011424");
    EXPECT_EQ(s->origin.session_version, "3312558916");
    EXPECT_EQ(s->name, "-");
    ASSERT_NE(s->find_attribute("tool"), nullptr);
    EXPECT_EQ(s->find_attribute("tool")->value, "baresip 3.10.1");

    ASSERT_EQ(s->media.size(), 1u);
    const MediaDescription& audio = s->media[0];
    EXPECT_EQ(audio.port, 10350);
    EXPECT_EQ(audio.formats, (std::vector<std::string_view>{"96", "0", "8", "101"}));
    ASSERT_EQ(audio.bandwidths.size(), 1u);
    EXPECT_EQ(audio.bandwidths[0].type, "AS");
    EXPECT_EQ(audio.bandwidths[0].value, 128u);
    EXPECT_EQ(
        attribute_names(audio),
        (std::vector<std::string_view>{"rtpmap", "fmtp", "rtpmap", "rtpmap", "rtpmap", "fmtp",
                                       "rtcp-rsize", "sendrecv", "label", "ssrc", "mid", "ptime"}));
    const Attribute* rsize = audio.find_attribute("rtcp-rsize");
    ASSERT_NE(rsize, nullptr);
    EXPECT_FALSE(rsize->has_value);
    EXPECT_EQ(audio.find_attribute("ssrc")->value,
              "2868371934 cname:a4c0f7e1-5b1e-4c8e-9d3a-3f0e2b7a9c11");
    EXPECT_EQ(audio.direction(), Direction::SendRecv);
    EXPECT_EQ(audio.mid(), std::optional<std::string_view>("0"));
    EXPECT_EQ(audio.fmtp("101"), std::optional<std::string_view>("0-15"));
    EXPECT_EQ(audio.fmtp("96"), std::optional<std::string_view>("stereo=1;sprop-stereo=1"));
    EXPECT_EQ(audio.rtpmap(8)->encoding_name, "PCMA");
}

TEST(ParseSession, AnswerPuttingTheCallOnHold) {
    std::string body = load_sample("hold_answer.sdp");
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;

    EXPECT_EQ(s->direction(), Direction::SendOnly);
    ASSERT_EQ(s->media.size(), 2u);
    EXPECT_FALSE(s->media[0].direction().has_value());
    EXPECT_EQ(s->direction_of(0), Direction::SendOnly);  // inherited from the session level
    EXPECT_EQ(s->media[1].direction(), Direction::Inactive);
    EXPECT_EQ(s->direction_of(1), Direction::Inactive);
    EXPECT_TRUE(is_on_hold(*s, 0));
    EXPECT_TRUE(is_on_hold(*s, 1));
    EXPECT_TRUE(is_on_hold(*s));
}

TEST(ParseSession, Ipv6Connection) {
    std::string body = load_sample("ipv6.sdp");
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;

    EXPECT_EQ(s->origin.addrtype, "IP6");
    EXPECT_EQ(s->origin.address, "2001:db8:0:1::20");
    EXPECT_EQ(s->origin.address_type(), AddressType::Ip6);
    ASSERT_TRUE(s->connection.has_value());
    EXPECT_EQ(s->connection->addrtype, "IP6");
    EXPECT_EQ(s->connection->address, "2001:db8:0:1::20");
    EXPECT_TRUE(s->connection->address_suffix.empty());
    EXPECT_EQ(s->connection->address_type(), AddressType::Ip6);
    ASSERT_EQ(s->media.size(), 1u);
    EXPECT_EQ(s->connection_for(0)->address_type(), AddressType::Ip6);
    EXPECT_EQ(s->media[0].rtpmap(9)->encoding_name, "G722");
    EXPECT_EQ(s->media[0].find_attribute("ptime")->value, "20");
}

TEST(ParseSession, MultiStreamWithPerMediaConnections) {
    std::string body = load_sample("multistream.sdp");
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;

    EXPECT_FALSE(s->connection.has_value());
    EXPECT_EQ(s->name, "Conference");
    // Lines the model has no field for are kept in place.
    EXPECT_EQ(s->lines[3].text, "i=Weekly planning");
    EXPECT_EQ(s->lines[4].text, "u=http://www.example.com/conf/weekly");
    EXPECT_EQ(s->lines[5].type(), 'e');
    EXPECT_EQ(s->lines[5].value(), "conf-admin@example.com");
    ASSERT_EQ(s->attributes.size(), 1u);
    EXPECT_EQ(s->attributes[0].name, "x-room");
    EXPECT_EQ(s->attributes[0].value, "blue");

    ASSERT_EQ(s->media.size(), 4u);
    const MediaDescription& audio = s->media[0];
    EXPECT_EQ(audio.information, "main audio");
    ASSERT_TRUE(audio.connection.has_value());
    EXPECT_EQ(audio.connection->address, "192.0.2.51");
    ASSERT_EQ(audio.bandwidths.size(), 1u);
    EXPECT_EQ(audio.bandwidths[0].value, 80u);
    EXPECT_EQ(audio.mid(), std::optional<std::string_view>("1"));

    const MediaDescription& video = s->media[1];
    EXPECT_EQ(video.port, 51372);
    EXPECT_EQ(video.port_count, 2);
    EXPECT_EQ(video.connection->address, "192.0.2.52");
    EXPECT_EQ(s->connection_for(1), &*video.connection);
    EXPECT_EQ(video.direction(), Direction::RecvOnly);
    EXPECT_EQ(video.rtpmap(32)->encoding_name, "MPV");

    const MediaDescription& bfcp = s->media[2];
    EXPECT_EQ(bfcp.media, "application");
    EXPECT_EQ(bfcp.proto, "TCP/BFCP");
    EXPECT_FALSE(bfcp.is_rtp());
    EXPECT_EQ(bfcp.formats, (std::vector<std::string_view>{"*"}));
    EXPECT_EQ(bfcp.connection->address, "192.0.2.53");
    EXPECT_EQ(bfcp.find_attribute("floorctrl")->value, "s-only");

    const MediaDescription& text = s->media[3];
    EXPECT_EQ(text.port, 0);
    EXPECT_EQ(text.rtpmap(98)->encoding_name, "t140");
    EXPECT_EQ(text.rtpmap(98)->clock_rate, 1000u);

    EXPECT_FALSE(is_on_hold(*s));
}

TEST(ParseSession, RtcpWithAddress) {
    std::string body = load_sample("rtcp_address.sdp");
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;

    ASSERT_EQ(s->media.size(), 1u);
    auto rtcp = s->media[0].rtcp();
    ASSERT_TRUE(rtcp.has_value());
    EXPECT_EQ(rtcp->port, 16391);
    EXPECT_TRUE(rtcp->has_address());
    EXPECT_EQ(rtcp->nettype, "IN");
    EXPECT_EQ(rtcp->addrtype, "IP4");
    EXPECT_EQ(rtcp->address, "198.51.100.99");
    EXPECT_EQ(s->media[0].rtpmap(18)->encoding_name, "G729");
    EXPECT_EQ(s->media[0].fmtp("18"), std::optional<std::string_view>("annexb=no"));
}

TEST(ParseSession, IceOfferKeepsCandidatesAsAttributes) {
    std::string body = load_sample("ice_offer.sdp");
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;

    // A sess-id above 2^63 is kept as text.
    EXPECT_EQ(s->origin.session_id, "4611731400430051336");
    EXPECT_FALSE(s->connection.has_value());
    EXPECT_EQ(s->find_attribute("ice-options")->value, "trickle");
    ASSERT_EQ(s->media.size(), 1u);
    const MediaDescription& audio = s->media[0];
    EXPECT_EQ(audio.proto, "RTP/SAVPF");
    EXPECT_TRUE(audio.is_rtp());
    EXPECT_EQ(s->connection_for(0)->address, "203.0.113.77");

    std::vector<std::string_view> candidates;
    for (const Attribute& a : audio.attributes) {
        if (a.name == "candidate") {
            candidates.push_back(a.value);
        }
    }
    ASSERT_EQ(candidates.size(), 5u);
    EXPECT_EQ(candidates[0], "1 1 UDP 2130706431 192.168.1.77 54400 typ host");
    EXPECT_EQ(candidates[4],
              "3 1 UDP 16777215 198.51.100.200 61000 typ relay raddr "
              "203.0.113.77 rport 54400");
    EXPECT_FALSE(audio.find_attribute("end-of-candidates")->has_value);
    EXPECT_EQ(audio.rtcp()->port, 54401);
    EXPECT_EQ(audio.rtcp()->address, "203.0.113.77");
    EXPECT_EQ(audio.mid(), std::optional<std::string_view>("audio"));
    EXPECT_EQ(audio.fmtp("111"), std::optional<std::string_view>("minptime=10;useinbandfec=1"));
}

TEST(ParseSession, BareLineFeeds) {
    std::string body = load_sample("lf_only.sdp");
    ASSERT_EQ(body.find('\r'), std::string::npos);
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->lines.size(), 10u);
    EXPECT_EQ(s->name, "LF only");
    EXPECT_EQ(s->media[0].direction(), Direction::RecvOnly);
    EXPECT_EQ(s->media[0].fmtp("101"), std::optional<std::string_view>("0-15"));
}

// ---- line endings and edges that are accepted ----

constexpr std::string_view kHead =
    "v=0\r\n"
    "o=- 1 1 IN IP4 192.0.2.1\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.1\r\n";  // line 4; the next line is line 5

TEST(ParseSession, MixedEndingsAndNoFinalLineEnd) {
    std::string body = "v=0\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\nt=0 0\r\nm=audio 4000 RTP/AVP 0";
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_EQ(s->media.size(), 1u);
    EXPECT_EQ(s->media[0].formats, (std::vector<std::string_view>{"0"}));
}

TEST(ParseSession, EmptyLinesAtTheEndAreIgnored) {
    std::string body = std::string(kHead) + "t=0 0\r\n\r\n\n";
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->lines.size(), 5u);
}

TEST(ParseSession, MulticastSuffixIsSplitOff) {
    std::string body = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 224.2.1.1/127/3\r\n";
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->connection->address, "224.2.1.1");
    EXPECT_EQ(s->connection->address_suffix, "/127/3");
}

TEST(ParseSession, LinesAtTheLengthLimitAreAccepted) {
    std::string body = std::string(kHead) + "a=x:" + std::string(kMaxLineLength - 4, 'y') + "\r\n";
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->attributes[0].value.size(), kMaxLineLength - 4);
}

TEST(ParseSession, SixtyFourMediaAreAccepted) {
    std::string body(kHead);
    for (std::size_t i = 0; i < kMaxMedia; ++i) {
        body += "m=audio " + std::to_string(10000 + 2 * i) + " RTP/AVP 0\r\n";
    }
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->media.size(), kMaxMedia);
}

TEST(ParseSession, ExtensionLinesAndAttributesAreKeptInOrder) {
    std::string body = std::string(kHead) +
                       "t=0 0\r\n"
                       "y=future line\r\n"
                       "m=audio 4000 RTP/AVP 0\r\n"
                       "a=x-one:1\r\n"
                       "k=prompt\r\n"
                       "a=x-two\r\n";
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->lines[5].text, "y=future line");
    EXPECT_EQ(s->lines[8].text, "k=prompt");
    EXPECT_EQ(attribute_names(s->media[0]), (std::vector<std::string_view>{"x-one", "x-two"}));
    EXPECT_EQ(write(*s), body);
}

// ---- malformed input: the error names the line and the fault ----

struct Malformed {
    const char* what;
    std::string body;
    std::string error;
};

std::vector<Malformed> malformed_cases() {
    const std::string head(kHead);
    return {
        {"empty body", "", "line 1: session description must start with v="},
        {"missing v=", "o=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n",
         "line 1: session description must start with v="},
        {"wrong version", "v=1\r\n", "line 1: unsupported SDP version (v= must be 0)"},
        {"only v=", "v=0\r\n", "line 2: o= must follow v="},
        {"missing o=", "v=0\r\ns=-\r\n", "line 2: o= must follow v="},
        {"missing s=", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n", "line 3: s= must follow o="},
        {"truncated o=", "v=0\r\no=alice 1 1 IN IP4\r\n",
         "line 2: o= line needs <username> <sess-id> <sess-version> <nettype> <addrtype> "
         "<address>"},
        {"o= with text after", "v=0\r\no=a 1 1 IN IP4 192.0.2.1 x\r\n",
         "line 2: o= line has text after the address"},
        {"non-numeric sess-id", "v=0\r\no=a x1 1 IN IP4 192.0.2.1\r\n",
         "line 2: o= sess-id is not a number"},
        {"non-numeric sess-version", "v=0\r\no=a 1 - IN IP4 192.0.2.1\r\n",
         "line 2: o= sess-version is not a number"},
        {"second v=", head + "v=0\r\n", "line 5: v= may appear only as the first line"},
        {"second o=", head + "o=- 1 1 IN IP4 192.0.2.1\r\n",
         "line 5: o= may appear only once, as the second line"},
        {"second s=", head + "s=again\r\n", "line 5: s= may appear only once, as the third line"},
        {"truncated c=", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4\r\n",
         "line 4: c= line needs <nettype> <addrtype> <address>"},
        {"c= with text after", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 a b\r\n",
         "line 4: c= line has text after the address"},
        {"c= empty address", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 /127\r\n",
         "line 4: c= address is empty"},
        {"second c=", head + "c=IN IP4 192.0.2.2\r\n",
         "line 5: second c= line in the same section"},
        {"truncated t=", head + "t=0\r\n", "line 5: t= line needs <start-time> <stop-time>"},
        {"non-numeric t=", head + "t=0 later\r\n", "line 5: t= time is not a number"},
        {"t= in media", head + "m=audio 4000 RTP/AVP 0\r\nt=0 0\r\n",
         "line 6: t= is not allowed in a media description"},
        {"b= without colon", head + "b=AS\r\n", "line 5: b= line needs <bwtype>:<bandwidth>"},
        {"b= not a number", head + "b=AS:lots\r\n", "line 5: b= bandwidth is not a number"},
        {"m= without port", head + "m=audio\r\n", "line 5: m= line needs a port"},
        {"empty m=", head + "m=\r\n", "line 5: m= line needs a media type"},
        {"m= port too big", head + "m=audio 70000 RTP/AVP 0\r\n",
         "line 5: m= port is not a number from 0 to 65535"},
        {"m= port not a number", head + "m=audio five RTP/AVP 0\r\n",
         "line 5: m= port is not a number from 0 to 65535"},
        {"m= negative port", head + "m=audio -1 RTP/AVP 0\r\n",
         "line 5: m= port is not a number from 0 to 65535"},
        {"m= zero port count", head + "m=audio 4000/0 RTP/AVP 0\r\n",
         "line 5: m= port count is not a number from 1 to 65535"},
        {"m= without proto", head + "m=audio 4000\r\n",
         "line 5: m= line needs a transport protocol"},
        {"m= without formats", head + "m=audio 4000 RTP/AVP\r\n",
         "line 5: m= line needs at least one format"},
        {"non-numeric payload", head + "m=audio 4000 RTP/AVP 0 PCMU\r\n",
         "line 5: m= payload type is not a number from 0 to 127"},
        {"payload out of range", head + "m=audio 4000 RTP/SAVP 128\r\n",
         "line 5: m= payload type is not a number from 0 to 127"},
        {"a= without name", head + "a=:x\r\n", "line 5: a= line has no attribute name"},
        {"empty a=", head + "a=\r\n", "line 5: a= line has no attribute name"},
        {"a= name with space", head + "a=send recv\r\n",
         "line 5: a= attribute name is not a token"},
        {"truncated rtpmap", head + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96\r\n",
         "line 6: a=rtpmap needs <encoding name>/<clock rate>"},
        {"rtpmap without rate", head + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/\r\n",
         "line 6: a=rtpmap clock rate is not a number"},
        {"rtpmap bad payload", head + "m=audio 4000 RTP/AVP 96\r\na=rtpmap:x opus/48000\r\n",
         "line 6: a=rtpmap payload type is not a number from 0 to 127"},
        {"empty fmtp", head + "a=fmtp:\r\n", "line 5: a=fmtp needs a format"},
        {"rtcp bad port", head + "a=rtcp:port\r\n",
         "line 5: a=rtcp port is not a number from 0 to 65535"},
        {"rtcp truncated address", head + "a=rtcp:5001 IN IP4\r\n",
         "line 5: a=rtcp needs <port> [<nettype> <addrtype> <address>]"},
        {"line without =", head + "hello\r\n", "line 5: not a <type>=<value> line"},
        {"upper-case type", "V=0\r\n", "line 1: not a <type>=<value> line"},
        {"single letter", head + "a\r\n", "line 5: not a <type>=<value> line"},
        {"leading space", head + " a=sendrecv\r\n", "line 5: not a <type>=<value> line"},
        {"empty line inside", head + "\r\nt=0 0\r\n", "line 5: empty line"},
        {"CR inside a line", head + "a=x\ry\r\n", "line 5: CR inside a line"},
        {"NUL inside a line", head + std::string("a=x\0y\r\n", 7),
         "line 5: NUL byte inside a line"},
        {"over-long line", head + "a=x:" + std::string(kMaxLineLength - 3, 'y') + "\r\n",
         "line 5: line longer than 4096 bytes"},
        {"over-long line without ending", head + std::string(10000, 'a'),
         "line 5: line longer than 4096 bytes"},
    };
}

TEST(ParseSession, MalformedInputNamesTheLine) {
    for (const Malformed& c : malformed_cases()) {
        auto s = parse_session(c.body);
        ASSERT_FALSE(s.has_value()) << c.what;
        EXPECT_EQ(s.error().message, c.error) << c.what;
    }
}

TEST(ParseSession, TooManyMediaSections) {
    std::string body(kHead);
    for (std::size_t i = 0; i <= kMaxMedia; ++i) {
        body += "m=audio " + std::to_string(10000 + 2 * i) + " RTP/AVP 0\r\n";
    }
    auto s = parse_session(body);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().message, "line 69: more than 64 m= lines");
}

TEST(ParseSession, LimitsCanBeTightened) {
    Limits limits;
    limits.max_media = 1;
    limits.max_line_length = 30;
    std::string two_media = std::string(kHead) + "m=audio 1 RTP/AVP 0\r\nm=video 3 RTP/AVP 96\r\n";
    EXPECT_EQ(parse_session(two_media, limits).error().message, "line 6: more than 1 m= lines");
    std::string long_line = std::string(kHead) + "a=" + std::string(29, 'x') + "\r\n";
    EXPECT_EQ(parse_session(long_line, limits).error().message,
              "line 5: line longer than 30 bytes");
}

// ---- never crash: every prefix of every sample either parses or names a line ----

// Parses `text` from a heap block of exactly its size, so that AddressSanitizer builds catch any
// read past the end.
Result<Session> parse_exact_copy(std::string_view text, std::unique_ptr<char[]>& storage) {
    storage = std::make_unique<char[]>(text.size() + (text.empty() ? 1 : 0));
    if (!text.empty()) {
        std::memcpy(storage.get(), text.data(), text.size());
    }
    return parse_session(std::string_view(storage.get(), text.size()));
}

TEST(ParseSession, EveryTruncationOfEverySampleParsesOrFails) {
    for (const std::string& name : test::sample_names()) {
        std::string body = load_sample(name);
        ASSERT_FALSE(body.empty()) << name;
        std::size_t parsed = 0;
        for (std::size_t len = 0; len <= body.size(); ++len) {
            std::unique_ptr<char[]> storage;
            auto s = parse_exact_copy(std::string_view(body).substr(0, len), storage);
            if (s) {
                ++parsed;
                std::string again_text = write(*s);
                auto again = parse_session(again_text);
                ASSERT_TRUE(again) << name << " cut at " << len << ": " << again.error().message;
                EXPECT_TRUE(*again == *s) << name << " cut at " << len;
            } else {
                EXPECT_EQ(s.error().message.rfind("line ", 0), 0u) << s.error().message;
            }
        }
        EXPECT_GT(parsed, 0u) << name;
    }
}

TEST(ParseSession, MutatedSamplesNeverCrash) {
    // A fixed-seed linear congruential generator: the same mutations on every run.
    std::uint32_t state = 12345;
    auto next = [&state] {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    };
    const char kNasty[] = {'\0', '\r', '\n', ' ', '/', ':', '=', 'm', 'a', 'c', '9', '\xff'};
    for (const std::string& name : test::sample_names()) {
        std::string body = load_sample(name);
        for (int round = 0; round < 300; ++round) {
            std::string mutated = body;
            int edits = 1 + static_cast<int>(next() % 4);
            for (int e = 0; e < edits && !mutated.empty(); ++e) {
                std::size_t at = next() % mutated.size();
                switch (next() % 3) {
                    case 0:
                        mutated[at] = kNasty[next() % sizeof(kNasty)];
                        break;
                    case 1:
                        mutated.erase(at, 1 + next() % 8);
                        break;
                    default:
                        mutated.insert(at, 1, kNasty[next() % sizeof(kNasty)]);
                        break;
                }
            }
            std::unique_ptr<char[]> storage;
            auto s = parse_exact_copy(mutated, storage);
            if (s) {
                std::string again_text = write(*s);
                auto again = parse_session(again_text);
                ASSERT_TRUE(again) << again.error().message;
                EXPECT_TRUE(*again == *s);
            }
        }
    }
}

}  // namespace
}  // namespace sb::sdp
