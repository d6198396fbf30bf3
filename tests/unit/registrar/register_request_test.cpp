// RFC 3261 §10.3 registrar rules as pure functions: reading a REGISTER and applying it.

#include "registrar/register_request.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sip/parser.h"

namespace sb::registrar {
namespace {

sip::Message reg(std::string_view contacts, std::string_view extra = {}, std::uint32_t cseq = 1,
                 std::string_view call_id = "c1") {
    std::string text = fmt::format(
        "REGISTER sip:example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKr\r\n"
        "To: <sip:Alice@Example.COM>\r\n"
        "From: <sip:Alice@Example.COM>;tag=1\r\n"
        "Call-ID: {}\r\nCSeq: {} REGISTER\r\n{}{}Content-Length: 0\r\n\r\n",
        call_id, cseq, contacts, extra);
    auto m = sip::parse_message(std::string_view(text));
    EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().text());
    return std::move(*m);
}

RegistrarConfig config() { return RegistrarConfig{}; }

TEST(ReadRegister, ContactsExpiresAndQ) {
    auto r = read_register(reg("Contact: <sip:a@192.0.2.4:5060>;q=0.7, <sip:a@192.0.2.4:5062>;expires=120\r\n",
                               "Expires: 600\r\nUser-Agent: Phone/1\r\n"),
                           config(), "udp:192.0.2.4:5060");
    ASSERT_TRUE(r.has_value()) << r.error().reason;
    EXPECT_EQ(r->aor, "sip:Alice@example.com");
    ASSERT_EQ(r->contacts.size(), 2u);
    EXPECT_EQ(r->contacts[0].q, 700);
    EXPECT_EQ(r->contacts[0].expires, 600u);
    EXPECT_EQ(r->contacts[1].expires, 120u);
    EXPECT_EQ(r->contacts[1].q, -1);
    EXPECT_EQ(r->user_agent, "Phone/1");
    EXPECT_EQ(r->received, "udp:192.0.2.4:5060");
}

TEST(ReadRegister, DefaultsAndLimits) {
    auto r = read_register(reg("Contact: <sip:a@h>\r\n"), config(), "");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->contacts[0].expires, 3600u);
    auto longer = read_register(reg("Contact: <sip:a@h>;expires=99999999999999\r\n"), config(), "");
    ASSERT_TRUE(longer.has_value());
    EXPECT_EQ(longer->contacts[0].expires, config().max_expires);
    auto brief = read_register(reg("Contact: <sip:a@h>;expires=10\r\n"), config(), "");
    ASSERT_FALSE(brief.has_value());
    EXPECT_EQ(brief.error().status, 423);
    EXPECT_EQ(brief.error().extra_headers, "Min-Expires: 60\r\n");
}

TEST(ReadRegister, Instance) {
    auto r = read_register(
        reg("Contact: <sip:a@h>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1\r\n"),
        config(), "");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->contacts[0].instance_id, "urn:uuid:00000000-0000-1000-8000-000A95A0E128");
    EXPECT_EQ(r->contacts[0].reg_id, 1u);
}

TEST(ReadRegister, Refusals) {
    auto star_with_expiry = read_register(reg("Contact: *\r\n", "Expires: 60\r\n"), config(), "");
    ASSERT_FALSE(star_with_expiry.has_value());
    EXPECT_EQ(star_with_expiry.error().status, 400);
    auto star_and_more = read_register(reg("Contact: *\r\nContact: <sip:a@h>\r\n", "Expires: 0\r\n"), config(), "");
    EXPECT_FALSE(star_and_more.has_value());
    auto bad_q = read_register(reg("Contact: <sip:a@h>;q=2\r\n"), config(), "");
    EXPECT_FALSE(bad_q.has_value());
    auto tel = read_register(reg("Contact: <tel:+123>\r\n"), config(), "");
    ASSERT_FALSE(tel.has_value());
    EXPECT_EQ(tel.error().status, 416);
}

std::vector<location::Binding> apply_msg(const std::vector<location::Binding>& current, const sip::Message& m,
                                     std::int64_t now = 1000) {
    auto r = read_register(m, config(), "udp:192.0.2.4:5060");
    EXPECT_TRUE(r.has_value()) << r.error().reason;
    auto next = apply_register(*r, current, config(), now);
    EXPECT_TRUE(next.has_value()) << (next ? "" : next.error().reason);
    return next ? *next : std::vector<location::Binding>{};
}

TEST(ApplyRegister, AddRefreshRemove) {
    auto b = apply_msg({}, reg("Contact: <sip:a@192.0.2.4>\r\n", "Expires: 100\r\n"));
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].expires_at, 1100);
    EXPECT_EQ(b[0].cseq, 1u);
    // Same contact written differently (host case, escaped user): the same binding.
    b = apply_msg(b, reg("Contact: <sip:%61@192.0.2.4>\r\n", "Expires: 500\r\n", 2), 2000);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].expires_at, 2500);
    b = apply_msg(b, reg("Contact: <sip:a@192.0.2.4:5062>\r\n", {}, 3));
    EXPECT_EQ(b.size(), 2u);  // another port is another contact
    b = apply_msg(b, reg("Contact: <sip:a@192.0.2.4>;expires=0\r\n", {}, 4));
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].contact, "sip:a@192.0.2.4:5062");
}

TEST(ApplyRegister, CallIdAndCSeqOrdering) {
    auto b = apply_msg({}, reg("Contact: <sip:a@h>\r\n", {}, 5, "c1"));
    auto r = read_register(reg("Contact: <sip:a@h>\r\n", {}, 5, "c1"), config(), "");
    auto stale = apply_register(*r, b, config(), 1000);
    ASSERT_FALSE(stale.has_value());
    EXPECT_EQ(stale.error().status, 400);
    // Another Call-ID may update it whatever its CSeq (a rebooted phone).
    auto other = read_register(reg("Contact: <sip:a@h>\r\n", {}, 1, "c2"), config(), "");
    EXPECT_TRUE(apply_register(*other, b, config(), 1000).has_value());
}

TEST(ApplyRegister, InstanceAndRegIdReplaceTheOldFlow) {
    const char* instance = ";+sip.instance=\"<urn:uuid:1>\";reg-id=1";
    auto b = apply_msg({}, reg(fmt::format("Contact: <sip:a@10.0.0.1:5060>{}\r\n", instance), {}, 1, "c1"));
    b = apply_msg(b, reg(fmt::format("Contact: <sip:a@10.0.0.2:5060>{}\r\n", instance), {}, 1, "c9"));
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].contact, "sip:a@10.0.0.2:5060");
}

TEST(ApplyRegister, WildcardAndLimit) {
    auto b = apply_msg({}, reg("Contact: <sip:a@h1>, <sip:a@h2>\r\n"));
    EXPECT_EQ(b.size(), 2u);
    EXPECT_TRUE(apply_msg(b, reg("Contact: *\r\n", "Expires: 0\r\n", 2)).empty());
    RegistrarConfig small;
    small.max_contacts = 1;
    auto r = read_register(reg("Contact: <sip:a@h1>, <sip:a@h2>\r\n"), small, "");
    auto over = apply_register(*r, {}, small, 1000);
    ASSERT_FALSE(over.has_value());
    EXPECT_EQ(over.error().status, 403);
}

TEST(SameContact, FollowsTheUriComparisonRules) {
    EXPECT_TRUE(same_contact("sip:a@H.example.com", "sip:a@h.example.com"));
    EXPECT_FALSE(same_contact("sip:A@h", "sip:a@h"));  // the user part is case-sensitive
    EXPECT_FALSE(same_contact("sip:a@h", "sips:a@h"));
    EXPECT_FALSE(same_contact("sip:a@h", "sip:a@h:5060"));
    EXPECT_TRUE(same_contact("sip:a@h;transport=udp", "sip:a@h"));
    EXPECT_FALSE(same_contact("sip:a@h;transport=tcp", "sip:a@h;transport=udp"));
    EXPECT_FALSE(same_contact("sip:a@h;maddr=1.2.3.4", "sip:a@h"));
    EXPECT_TRUE(same_contact("sip:a@h;foo=1", "sip:a@h"));
}

TEST(ContactLines, RemainingTimeAndParameters) {
    location::Binding b;
    b.contact = "sip:a@h";
    b.contact_params = ";q=0.5;expires=100;+sip.instance=\"<urn:uuid:1>\"";
    b.expires_at = 1090;
    EXPECT_EQ(contact_lines({b}, 1000),
              "Contact: <sip:a@h>;q=0.5;+sip.instance=\"<urn:uuid:1>\";expires=90\r\n");
}

}  // namespace
}  // namespace sb::registrar
