#include "sdp/writer.h"

#include <gtest/gtest.h>

#include <string>

#include "sdp/parser.h"
#include "unit/sdp/sample_data.h"

namespace sb::sdp {
namespace {

TEST(Write, EverySampleRoundTripsToTheSameModel) {
    for (const std::string& name : test::sample_names()) {
        std::string body = test::load_sample(name);
        auto first = parse_session(body);
        ASSERT_TRUE(first) << name << ": " << first.error().message;
        std::string text = write(*first);
        auto second = parse_session(text);
        ASSERT_TRUE(second) << name << ": " << second.error().message;
        EXPECT_TRUE(*first == *second) << name;
        // Write-through: nothing but the line endings may differ from the input.
        EXPECT_EQ(text, test::with_crlf(body)) << name;
    }
}

TEST(Write, LineFeedBodyComesOutWithCrlf) {
    std::string body = test::load_sample("lf_only.sdp");
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;
    std::string text = write(*s);
    std::string_view head = "v=0\r\no=erin 1 1 IN IP4 192.0.2.90\r\n";
    EXPECT_EQ(text.substr(0, head.size()), head);
    EXPECT_EQ(text.size(), body.size() + s->lines.size());
}

TEST(Write, FinalLineGetsItsEndingAndTrailingEmptyLinesGo) {
    auto s = parse_session("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\r\n\r\n");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(write(*s), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n");
    auto t = parse_session("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-");
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(write(*t), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n");
}

TEST(Write, SpacingIsKeptAsWritten) {
    // Lines nobody changed are views: their padding survives.
    std::string body = "v=0\r\no=-  1 1 IN IP4 192.0.2.1\r\ns= \r\nm=audio  4000 RTP/AVP 0  8\r\n";
    auto s = parse_session(body);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->origin.session_id, "1");
    EXPECT_EQ(s->media[0].formats, (std::vector<std::string_view>{"0", "8"}));
    EXPECT_EQ(write(*s), body);
}

TEST(Write, AppendsToWhatIsThere) {
    auto s = parse_session("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n");
    ASSERT_TRUE(s) << s.error().message;
    std::string out = "body: ";
    write_to(*s, out);
    EXPECT_EQ(out, "body: v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n");
}

}  // namespace
}  // namespace sb::sdp
