#include "sip/framer.h"

#include <gtest/gtest.h>

#include <string>

namespace sb::sip {
namespace {

const std::string kMsg =
    "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\r\nl: 5\r\n\r\nhello";

TEST(Framer, WholeMessage) {
    Framer f(65535);
    Frame fr = f.next(kMsg + "MESS");
    EXPECT_EQ(fr.status, FrameStatus::Complete);
    EXPECT_EQ(fr.length, kMsg.size());
}

TEST(Framer, EveryPrefixNeedsMore) {
    for (std::size_t n = 1; n < kMsg.size(); ++n) {
        Framer f(65535);
        EXPECT_EQ(f.next(std::string_view(kMsg).substr(0, n)).status, FrameStatus::NeedMore) << n;
    }
}

TEST(Framer, ResumesWithoutRescanning) {
    Framer f(65535);
    std::string buf;
    for (char c : kMsg) {
        buf.push_back(c);
        Frame fr = f.next(buf);
        if (buf.size() < kMsg.size()) {
            ASSERT_EQ(fr.status, FrameStatus::NeedMore);
        } else {
            EXPECT_EQ(fr.status, FrameStatus::Complete);
        }
    }
}

TEST(Framer, EndsTheHeadersWhereTheParserDoes) {
    // LF-only header lines, then a CRLF empty line: the next message is not swallowed.
    const std::string lf = "OPTIONS sip:a@b SIP/2.0\nVia: x\nl: 0\n\r\n";
    Framer f(65535);
    Frame fr = f.next(lf + kMsg);
    EXPECT_EQ(fr.status, FrameStatus::Complete);
    EXPECT_EQ(fr.length, lf.size());
    // A CRLFCRLF later in the stream does not beat an earlier LF empty line.
    const std::string early = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\nbody?\r\n\r\n";
    f.reset();
    EXPECT_EQ(f.next(early).length, early.find("body"));
    // A folded line that looks like Content-Length belongs to the header above it.
    const std::string folded = "OPTIONS sip:a@b SIP/2.0\r\nSubject: x\r\n l: 10\r\n\r\n";
    f.reset();
    fr = f.next(folded + kMsg);
    EXPECT_EQ(fr.status, FrameStatus::Complete);
    EXPECT_EQ(fr.length, folded.size());
}

TEST(Framer, KeepAlives) {
    Framer f(65535);
    EXPECT_EQ(f.next("\r\n\r\n").status, FrameStatus::Ping);
    EXPECT_EQ(f.next("\r\n").status, FrameStatus::NeedMore);
    Frame pong = f.next("\r\nINVITE");
    EXPECT_EQ(pong.status, FrameStatus::Pong);
    EXPECT_EQ(pong.length, 2u);
}

TEST(Framer, LimitsAndBadLengths) {
    Framer small(40);
    EXPECT_EQ(small.next(kMsg).status, FrameStatus::TooLarge);
    Framer headers_only(16);
    EXPECT_EQ(headers_only.next("INVITE sip:a@b SIP/2.0\r\nVia: x").status, FrameStatus::TooLarge);
    Framer f(65535);
    EXPECT_EQ(f.next("A sip:a@b SIP/2.0\r\nContent-Length: x\r\n\r\n").status, FrameStatus::Invalid);
    f.reset();
    EXPECT_EQ(f.next("A sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 1\r\n\r\nx").status,
              FrameStatus::Invalid);
}

}  // namespace
}  // namespace sb::sip
