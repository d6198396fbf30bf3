#include "sdp/attributes.h"

#include <gtest/gtest.h>

namespace sb::sdp {
namespace {

TEST(RtpMap, ReadsEveryField) {
    auto opus = parse_rtpmap("111 opus/48000/2");
    ASSERT_TRUE(opus) << opus.error().message;
    EXPECT_EQ(opus->payload_type, 111);
    EXPECT_EQ(opus->encoding_name, "opus");
    EXPECT_EQ(opus->clock_rate, 48000u);
    EXPECT_EQ(opus->channels, std::optional<std::uint16_t>(2));

    auto pcmu = parse_rtpmap("0 PCMU/8000");
    ASSERT_TRUE(pcmu) << pcmu.error().message;
    EXPECT_EQ(pcmu->payload_type, 0);
    EXPECT_FALSE(pcmu->channels.has_value());
}

TEST(RtpMap, RejectsWhatIsNotOne) {
    for (std::string_view bad : {"", "96", "96 ", "128 opus/48000", "x opus/48000", "96 opus",
                                 "96 /8000", "96 opus/", "96 opus/fast", "96 opus/48000/0",
                                 "96 opus/48000/two", "96 opus/48000 extra", "-1 PCMU/8000"}) {
        EXPECT_FALSE(parse_rtpmap(bad).has_value()) << bad;
    }
}

TEST(Fmtp, SplitsFormatAndParameters) {
    auto f = parse_fmtp("101 0-15");
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(f->format, "101");
    EXPECT_EQ(f->parameters, "0-15");
    auto bare = parse_fmtp("96");
    ASSERT_TRUE(bare) << bare.error().message;
    EXPECT_EQ(bare->parameters, "");
    auto spaced = parse_fmtp("103 profile-level-id=42801F; packetization-mode=1");
    ASSERT_TRUE(spaced);
    EXPECT_EQ(spaced->parameters, "profile-level-id=42801F; packetization-mode=1");
    EXPECT_FALSE(parse_fmtp("").has_value());
}

TEST(Rtcp, PortAloneOrWithAddress) {
    auto port_only = parse_rtcp("53020");
    ASSERT_TRUE(port_only) << port_only.error().message;
    EXPECT_EQ(port_only->port, 53020);
    EXPECT_FALSE(port_only->has_address());

    auto full = parse_rtcp("53020 IN IP6 2001:db8::5");
    ASSERT_TRUE(full) << full.error().message;
    EXPECT_EQ(full->nettype, "IN");
    EXPECT_EQ(full->addrtype, "IP6");
    EXPECT_EQ(full->address, "2001:db8::5");
}

TEST(Rtcp, RejectsPartialOrExtraFields) {
    for (std::string_view bad :
         {"", "port", "70000", "5000 IN", "5000 IN IP4", "5000 IN IP4 192.0.2.1 extra"}) {
        EXPECT_FALSE(parse_rtcp(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace sb::sdp
