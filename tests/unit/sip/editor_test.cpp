#include "sip/editor.h"

#include <gtest/gtest.h>

#include "sip/parser.h"
#include "sip/response.h"

namespace sb::sip {
namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: <sip:bob@example.com>\r\n"
    "From: <sip:alice@example.com>;tag=1\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 3\r\n"
    "\r\n"
    "abc";

Message parse(std::string_view text) {
    auto msg = parse_message(text);
    EXPECT_TRUE(msg.has_value()) << (msg ? "" : msg.error().text());
    return std::move(*msg);
}

TEST(Editor, NoEditsReproducesTheMessage) {
    Message m = parse(kInvite);
    Editor e(m);
    EXPECT_EQ(e.str(), kInvite);
    EXPECT_EQ(e.size(), kInvite.size());
}

TEST(Editor, ProxyStyleEdits) {
    Message m = parse(kInvite);
    Editor e(m);
    e.replace(m.request_uri(), "sip:bob@192.0.2.9:5062");
    e.insert_header_before(*m.first(HeaderId::Via), "Via", "SIP/2.0/UDP proxy;branch=z9hG4bKp");
    e.replace(m.first(HeaderId::MaxForwards)->value, "69");
    e.insert_header_first("Record-Route", "<sip:proxy;lr>");
    std::string out = e.str();
    EXPECT_EQ(out.size(), e.size());
    auto again = parse_message(out);
    ASSERT_TRUE(again.has_value()) << again.error().text() << "\n" << out;
    EXPECT_EQ(again->request_uri(), "sip:bob@192.0.2.9:5062");
    EXPECT_EQ(again->top_via().host, "proxy");
    EXPECT_EQ(again->max_forwards(), 69);
    EXPECT_EQ(again->value(HeaderId::RecordRoute), "<sip:proxy;lr>");
    EXPECT_EQ(again->body(), "abc");
}

// Edits made in any order land by offset; at one offset, insertions come before a range
// replaced there, in the order they were made.
TEST(Editor, EditsAtOneOffsetKeepTheOrderTheyWereMadeIn) {
    Message m = parse(kInvite);
    Editor e(m);
    const HeaderField& to = *m.first(HeaderId::To);
    e.insert_header_before(to, "X", "1");
    e.remove_header(to);
    e.insert_header_before(to, "Y", "2");
    e.insert_header_first("Z", "0");  // before every earlier edit
    e.insert_header_before(to, "W", "3");
    EXPECT_EQ(e.str(),
              "INVITE sip:bob@example.com SIP/2.0\r\n"
              "Z: 0\r\n"
              "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport\r\n"
              "Max-Forwards: 70\r\n"
              "X: 1\r\nY: 2\r\nW: 3\r\n"
              "From: <sip:alice@example.com>;tag=1\r\n"
              "Call-ID: c1\r\n"
              "CSeq: 1 INVITE\r\n"
              "Content-Length: 3\r\n"
              "\r\n"
              "abc");
}

// More edits and more new text than the editor holds inside itself.
TEST(Editor, ManyLargeEdits) {
    Message m = parse(kInvite);
    Editor e(m);
    std::string expected_headers;
    for (int i = 0; i < 40; ++i) {
        const std::string value(50, static_cast<char>('a' + i % 26));
        e.insert_header_first("Record-Route", "<sip:" + value + ";lr>");
        expected_headers += "Record-Route: <sip:" + value + ";lr>\r\n";
    }
    std::string out = e.str();
    EXPECT_EQ(out.size(), e.size());
    EXPECT_EQ(out, "INVITE sip:bob@example.com SIP/2.0\r\n" + expected_headers +
                       std::string(kInvite.substr(kInvite.find("Via:"))));
}

TEST(Editor, RemoveHeaderAndReplaceBody) {
    Message m = parse(kInvite);
    Editor e(m);
    e.remove_header(*m.first(HeaderId::MaxForwards));
    e.set_body("v=0\r\n");
    auto again = parse_message(e.str());
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->first(HeaderId::MaxForwards), nullptr);
    EXPECT_EQ(again->body(), "v=0\r\n");
    EXPECT_EQ(again->value(HeaderId::ContentLength), "5");
}

TEST(Editor, AddsTheImpliedEmptyLineAndContentLength) {
    Message m = parse(
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nTo: <sip:a@b>\r\n"
        "From: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n");
    EXPECT_TRUE(m.implied_empty_line());
    Editor e(m);
    e.ensure_content_length();
    std::string out = e.str();
    EXPECT_TRUE(out.ends_with("Content-Length: 0\r\n\r\n")) << out;
    EXPECT_EQ(out.size(), e.size());
}

TEST(Response, CopiesTheRightHeadersAndAnnotatesVia) {
    Message m = parse(kInvite);
    std::string top = annotate_via(m.top_via(), "192.0.2.1", 40000);
    EXPECT_EQ(top, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=40000;received=192.0.2.1");
    std::string out;
    build_response(out, m, ResponseSpec{.status = 486, .to_tag = "xyz"}, top);
    auto r = parse_message(out);
    ASSERT_TRUE(r.has_value()) << r.error().text() << "\n" << out;
    EXPECT_EQ(r->status(), 486);
    EXPECT_EQ(r->reason(), "Busy Here");
    EXPECT_EQ(r->to_tag(), "xyz");
    EXPECT_EQ(r->top_via().received, "192.0.2.1");
    EXPECT_EQ(r->top_via().rport, "40000");
    EXPECT_EQ(r->call_id(), "c1");
    EXPECT_EQ(r->cseq().method, Method::Invite);
    EXPECT_EQ(r->body(), "");
}

TEST(Response, ViaWithoutRportFromItsOwnAddressIsUnchanged) {
    Message m = parse(
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx\r\n"
        "To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n");
    EXPECT_EQ(annotate_via(m.top_via(), "192.0.2.1", 5060), "");
    EXPECT_EQ(annotate_via(m.top_via(), "192.0.2.2", 5060),
              "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;received=192.0.2.2");
}

}  // namespace
}  // namespace sb::sip
