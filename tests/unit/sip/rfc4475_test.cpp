// RFC 4475 torture messages: each valid one parses to the values the RFC describes, each invalid
// one is rejected with a reason naming the element at fault.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "sip/header_values.h"
#include "sip/name_addr.h"
#include "sip/parser.h"
#include "sip/uri.h"

namespace sb::sip {
namespace {

std::string load(const std::string& name) {
    const char* dir = std::getenv("SB_TEST_DATA");
    std::string path = std::string(dir ? dir : "tests/data") + "/rfc4475/" + name + ".dat";
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << path;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Message parse_valid(const std::string& name) {
    auto msg = parse_message(load(name));
    EXPECT_TRUE(msg.has_value()) << name << ": " << (msg ? "" : msg.error().text());
    return msg ? std::move(*msg) : Message{};
}

NameAddr header_name_addr(const Message& msg, HeaderId id) {
    auto na = parse_name_addr(msg.value(id));
    EXPECT_TRUE(na.has_value());
    return na ? *na : NameAddr{};
}

std::vector<std::string_view> all_values(const Message& msg, HeaderId id) {
    std::vector<std::string_view> out;
    for (const auto& h : msg.headers()) {
        if (h.id == id) {
            for_each_list_value(h.value, [&](std::string_view v) {
                out.push_back(v);
                return true;
            });
        }
    }
    return out;
}

// ---- RFC 4475 §3.1.1: valid messages -------------------------------------------------------

TEST(Rfc4475, wsinv) {
    Message m = parse_valid("wsinv");
    EXPECT_EQ(m.method(), Method::Invite);
    EXPECT_EQ(m.request_uri(), "sip:vivekg@chair-dnrc.example.com;unknownparam");
    EXPECT_EQ(m.to_tag(), "1918181833n");
    EXPECT_EQ(m.from_tag(), "98asjd8");
    EXPECT_EQ(m.max_forwards(), 68);
    EXPECT_EQ(m.call_id(), "wsinv.ndaksdj@192.0.2.1");
    EXPECT_EQ(m.cseq().number, 9u);
    EXPECT_EQ(m.cseq().method, Method::Invite);
    EXPECT_EQ(m.top_via().transport, "UDP");
    EXPECT_EQ(m.top_via().host, "192.0.2.2");
    EXPECT_EQ(m.top_via().branch, "390skdjuw");
    auto vias = all_values(m, HeaderId::Via);
    ASSERT_EQ(vias.size(), 3u);
    auto second = parse_via(vias[1]);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->transport, "TCP");
    EXPECT_EQ(second->host, "spindle.example.com");
    EXPECT_EQ(second->branch, "z9hG4bK9ikj8");
    auto third = parse_via(vias[2]);
    ASSERT_TRUE(third.has_value());
    EXPECT_EQ(third->branch, "z9hG4bK30239");
    ASSERT_NE(m.first(HeaderId::Subject), nullptr);
    EXPECT_EQ(m.value(HeaderId::Subject), "");
    auto from = header_name_addr(m, HeaderId::From);
    EXPECT_EQ(from.display_name, R"("J Rosenberg \\\"")");
    auto contact = header_name_addr(m, HeaderId::Contact);
    EXPECT_EQ(contact.param("q"), "0.33");
    EXPECT_EQ(contact.param("newparam"), "newvalue");
    EXPECT_EQ(contact.param("secondparam"), "");
    ASSERT_NE(m.find("NewFangledHeader"), nullptr);
    EXPECT_EQ(m.body().size(), 150u);
}

TEST(Rfc4475, intmeth) {
    Message m = parse_valid("intmeth");
    EXPECT_EQ(m.method(), Method::Unknown);
    EXPECT_EQ(m.method_text(), "!interesting-Method0123456789_*+`.%indeed'~");
    auto uri = parse_uri(m.request_uri());
    ASSERT_TRUE(uri.has_value());
    EXPECT_EQ(uri->user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    EXPECT_EQ(uri->password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    EXPECT_EQ(uri->host, "example.com");
    EXPECT_EQ(m.cseq().method_text, m.method_text());
    EXPECT_EQ(m.max_forwards(), 255);
    EXPECT_EQ(m.call_id(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    auto from = header_name_addr(m, HeaderId::From);
    EXPECT_EQ(from.display_name, "token1~` token2'+_ token3*%!.-");
    EXPECT_EQ(from.tag(), "_token~1'+`*%!-.");
    EXPECT_EQ(from.param("fromParam''~+*_!.-%"), "\"работающий\"");
    ASSERT_NE(m.find("extensionHeader-!.%*+_`'~"), nullptr);
}

TEST(Rfc4475, esc01) {
    Message m = parse_valid("esc01");
    auto uri = parse_uri(m.request_uri());
    ASSERT_TRUE(uri.has_value());
    EXPECT_EQ(unescape(uri->user), "sips:user@example.com");
    EXPECT_EQ(uri->host, "example.net");
    auto to = header_name_addr(m, HeaderId::To);
    EXPECT_EQ(address_of_record(to.uri), "sip:user@example.com");
    auto from = header_name_addr(m, HeaderId::From);
    EXPECT_EQ(unescape(from.uri.user), "I have spaces");
    auto contact = header_name_addr(m, HeaderId::Contact);
    EXPECT_EQ(unescape(contact.uri.user), "caller");
    EXPECT_EQ(contact.uri.params, ";%6C%72;n%61me=v%61lue%25%34%31");
    EXPECT_EQ(m.call_id(), "esc01.239409asdfakjkn23onasd0-3234");
    EXPECT_EQ(m.value(HeaderId::ContentType), "application/sdp");
}

TEST(Rfc4475, escnull) {
    Message m = parse_valid("escnull");
    auto to = header_name_addr(m, HeaderId::To);
    EXPECT_EQ(unescape(to.uri.user), std::string("null-\0-null", 11));
    auto contacts = all_values(m, HeaderId::Contact);
    ASSERT_EQ(contacts.size(), 2u);
    auto second = parse_name_addr(contacts[1]);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(unescape(second->uri.user), std::string("\0\0", 2));
}

TEST(Rfc4475, esc02) {
    Message m = parse_valid("esc02");
    // An escaped method is a different (unknown) method, and an escaped header name is an
    // unknown header: neither is REGISTER or Contact.
    EXPECT_EQ(m.method(), Method::Unknown);
    EXPECT_EQ(m.method_text(), "RE%47IST%45R");
    EXPECT_EQ(all_values(m, HeaderId::Contact).size(), 2u);
    EXPECT_NE(m.find("C%6Fntact"), nullptr);
    EXPECT_EQ(header_name_addr(m, HeaderId::To).display_name, "\"%Z%45\"");
    EXPECT_EQ(m.top_via().branch, "z9hG4bK209%fzsnel234");
}

TEST(Rfc4475, lwsdisp) {
    Message m = parse_valid("lwsdisp");
    auto from = header_name_addr(m, HeaderId::From);
    EXPECT_EQ(from.display_name, "caller");
    EXPECT_EQ(from.uri.text, "sip:caller@example.com");
    EXPECT_EQ(from.tag(), "323");
}

TEST(Rfc4475, longreq) {
    Message m = parse_valid("longreq");
    EXPECT_EQ(m.top_via().host, "sip33.example.com");
    EXPECT_EQ(all_values(m, HeaderId::Via).size(), 34u);
    auto to = header_name_addr(m, HeaderId::To);
    EXPECT_EQ(to.uri.port, 6000);
    EXPECT_TRUE(to.uri.has_param("verylonglonglonglonglonglonglonglonglonglonglonglonglonglonglong"
                                 "longlonglonglonglonglonglonglonglonglongParameterNameWithNoValue"));
    EXPECT_EQ(m.from_tag().size(), 155u);
    EXPECT_EQ(m.body().size(), 150u);
}

TEST(Rfc4475, dblreq) {
    // Only the first request counts; the bytes after its Content-Length are not a message.
    Message m = parse_valid("dblreq");
    EXPECT_EQ(m.method(), Method::Register);
    EXPECT_EQ(m.body(), "");
    EXPECT_EQ(m.call_id(), "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
    EXPECT_TRUE(m.bytes().ends_with("Content-Length: 0\r\n\r\n"));
}

TEST(Rfc4475, semiuri) {
    Message m = parse_valid("semiuri");
    auto uri = parse_uri(m.request_uri());
    ASSERT_TRUE(uri.has_value());
    EXPECT_EQ(uri->user, "user;par=u%40example.net");
    EXPECT_EQ(uri->host, "example.com");
    EXPECT_EQ(uri->params, "");
    EXPECT_EQ(all_values(m, HeaderId::Accept).size(), 6u);
}

TEST(Rfc4475, transports) {
    Message m = parse_valid("transports");
    std::vector<std::string_view> transports;
    for (auto v : all_values(m, HeaderId::Via)) {
        auto via = parse_via(v);
        ASSERT_TRUE(via.has_value());
        transports.push_back(via->transport);
    }
    EXPECT_EQ(transports, (std::vector<std::string_view>{"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"}));
}

TEST(Rfc4475, mpart01) {
    Message m = parse_valid("mpart01");
    EXPECT_EQ(m.method(), Method::Message);
    EXPECT_EQ(m.body().size(), 553u);
    EXPECT_TRUE(m.value(HeaderId::ContentType).starts_with("multipart/mixed"));
}

TEST(Rfc4475, unreason) {
    Message m = parse_valid("unreason");
    EXPECT_EQ(m.status(), 200);
    EXPECT_EQ(m.reason(), "= 2**3 * 5**2 но сто девяносто девять - простое");
    EXPECT_EQ(m.body().size(), 154u);
}

TEST(Rfc4475, noreason) {
    Message m = parse_valid("noreason");
    EXPECT_EQ(m.status(), 100);
    EXPECT_EQ(m.reason(), "");
}

// ---- §3.2 transaction layer, §3.3 application layer, §3.4 backward compatibility -----------
// These parse; what an element does with them is tested where that element lives.

TEST(Rfc4475, badbranch) {
    Message m = parse_valid("badbranch");
    EXPECT_EQ(m.top_via().branch, "z9hG4bK");
    EXPECT_FALSE(m.top_via().rfc3261_branch());  // the cookie alone is not an RFC 3261 branch
}

TEST(Rfc4475, unkscm) {
    Message m = parse_valid("unkscm");
    auto uri = parse_uri(m.request_uri());
    ASSERT_TRUE(uri.has_value());
    EXPECT_EQ(uri->scheme, UriScheme::Other);
}

TEST(Rfc4475, novelsc) {
    Message m = parse_valid("novelsc");
    auto uri = parse_uri(m.request_uri());
    ASSERT_TRUE(uri.has_value());
    EXPECT_EQ(uri->scheme, UriScheme::Other);
    EXPECT_EQ(uri->text, "soap.beep://192.0.2.103:3002");
}

TEST(Rfc4475, unksm2) {
    Message m = parse_valid("unksm2");
    EXPECT_EQ(header_name_addr(m, HeaderId::To).uri.scheme, UriScheme::Other);
    EXPECT_EQ(header_name_addr(m, HeaderId::Contact).uri.text, "name:John_Smith");
}

TEST(Rfc4475, bext01) {
    Message m = parse_valid("bext01");
    EXPECT_EQ(all_values(m, HeaderId::Require),
              (std::vector<std::string_view>{"nothingSupportsThis", "nothingSupportsThisEither"}));
    EXPECT_EQ(all_values(m, HeaderId::ProxyRequire).size(), 2u);
}

TEST(Rfc4475, invut) {
    Message m = parse_valid("invut");
    EXPECT_EQ(m.value(HeaderId::ContentType), "application/unknownformat");
    EXPECT_EQ(m.body().size(), 40u);
}

TEST(Rfc4475, regaut01) {
    Message m = parse_valid("regaut01");
    EXPECT_EQ(m.value(HeaderId::Authorization), "NoOneKnowsThisScheme opaque-data=here");
}

TEST(Rfc4475, bcast) {
    Message m = parse_valid("bcast");
    auto vias = all_values(m, HeaderId::Via);
    ASSERT_EQ(vias.size(), 2u);
    EXPECT_EQ(parse_via(vias[1])->host, "255.255.255.255");
}

TEST(Rfc4475, zeromf) {
    Message m = parse_valid("zeromf");
    EXPECT_EQ(m.max_forwards(), 0);
}

TEST(Rfc4475, cparam01) {
    Message m = parse_valid("cparam01");
    auto contact = header_name_addr(m, HeaderId::Contact);
    EXPECT_FALSE(contact.bracketed);
    EXPECT_EQ(contact.uri.params, "");
    EXPECT_EQ(contact.params, ";unknownparam");
}

TEST(Rfc4475, cparam02) {
    Message m = parse_valid("cparam02");
    auto contact = header_name_addr(m, HeaderId::Contact);
    EXPECT_TRUE(contact.bracketed);
    EXPECT_EQ(contact.uri.params, ";unknownparam");
    EXPECT_EQ(contact.params, "");
}

TEST(Rfc4475, regescrt) {
    Message m = parse_valid("regescrt");
    auto contact = header_name_addr(m, HeaderId::Contact);
    EXPECT_EQ(contact.uri.headers, "Route=%3Csip:sip.example.com%3E");
}

TEST(Rfc4475, sdp01) {
    Message m = parse_valid("sdp01");
    EXPECT_EQ(m.value(HeaderId::Accept), "text/nobodyKnowsThis");
}

TEST(Rfc4475, inv2543) {
    Message m = parse_valid("inv2543");
    EXPECT_EQ(m.top_via().branch, "");
    EXPECT_EQ(m.max_forwards(), -1);
    EXPECT_EQ(m.from_tag(), "");
    EXPECT_EQ(m.body().size(), 105u);  // no Content-Length over UDP: the rest of the datagram
}

// ---- §3.1.2 and §3.3: invalid messages -----------------------------------------------------

struct Invalid {
    const char* name;
    const char* element;
    const char* reason;
    int status = 400;
};

class Rfc4475Invalid : public ::testing::TestWithParam<Invalid> {};

TEST_P(Rfc4475Invalid, IsRejectedWithAPreciseReason) {
    const Invalid& c = GetParam();
    auto msg = parse_message(load(c.name));
    ASSERT_FALSE(msg.has_value()) << c.name << " parsed";
    EXPECT_EQ(msg.error().element, c.element) << msg.error().text();
    EXPECT_EQ(msg.error().reason, c.reason) << msg.error().text();
    EXPECT_EQ(msg.error().status, c.status);
}

INSTANTIATE_TEST_SUITE_P(
    Torture, Rfc4475Invalid,
    ::testing::Values(
        Invalid{"badinv01", "Via", "malformed parameters"},
        Invalid{"clerr", "Content-Length", "larger than the message"},
        Invalid{"ncl", "Content-Length", "not a number"},
        Invalid{"scalar02", "CSeq", "sequence number too large"},
        Invalid{"scalarlg", "CSeq", "sequence number too large"},
        Invalid{"quotbal", "To", "unterminated quoted display name"},
        Invalid{"ltgtruri", "Request-URI", "bad URI scheme"},
        Invalid{"lwsruri", "Request-Line", "extra whitespace"},
        Invalid{"lwsstart", "Request-Line", "extra whitespace"},
        Invalid{"trws", "Request-Line", "extra whitespace"},
        Invalid{"escruri", "Request-URI", "headers not allowed"},
        Invalid{"baddate", "Date", "time zone must be GMT"},
        Invalid{"regbadct", "Contact", "URI with '?' or ',' must be enclosed in <>"},
        Invalid{"badaspec", "To", "whitespace inside <>"},
        Invalid{"baddn", "From", "display name must be quoted"},
        Invalid{"badvers", "Request-Line", "bad SIP version", 505},
        Invalid{"mismatch01", "CSeq", "method does not match the request"},
        Invalid{"mismatch02", "CSeq", "method does not match the request"},
        Invalid{"bigcode", "Status-Line", "bad status code"},
        Invalid{"insuf", "From", "missing header"},
        Invalid{"multi01", "Call-ID", "header appears more than once"},
        Invalid{"mcl01", "Content-Length", "header appears more than once"},
        Invalid{"test", "Request-Line", "malformed"}),
    [](const auto& test) { return std::string(test.param.name); });

// A datagram may end right after its last header line; the empty line is implied.
TEST(Rfc4475, baddnHasNoFinalEmptyLineButFailsOnItsDisplayName) {
    std::string text = load("baddn");
    EXPECT_FALSE(text.ends_with("\r\n\r\n"));
}

// Every prefix of every torture message parses or fails cleanly (ASan builds catch overreads:
// Buffer::copy_of allocates exactly the prefix).
TEST(Rfc4475, EveryTruncationIsHandled) {
    for (const char* name :
         {"wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq", "semiuri",
          "transports", "mpart01", "unreason", "noreason", "badinv01", "clerr", "ncl", "scalar02",
          "scalarlg", "quotbal", "ltgtruri", "lwsruri", "lwsstart", "trws", "escruri", "baddate",
          "regbadct", "badaspec", "baddn", "badvers", "mismatch01", "mismatch02", "bigcode",
          "badbranch", "insuf", "unkscm", "unksm2", "novelsc", "bext01", "invut", "regaut01",
          "multi01", "mcl01", "bcast", "zeromf", "cparam01", "cparam02", "regescrt", "sdp01",
          "inv2543", "test"}) {
        std::string text = load(name);
        for (std::size_t n = 0; n <= text.size(); ++n) {
            auto msg = parse_message(std::string_view(text).substr(0, n));
            if (msg) {
                EXPECT_LE(msg->bytes().size(), n);
            } else {
                EXPECT_FALSE(msg.error().text().empty());
            }
        }
    }
}

}  // namespace
}  // namespace sb::sip
