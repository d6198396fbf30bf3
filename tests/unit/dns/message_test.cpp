#include "dns/message.h"

#include <gtest/gtest.h>

#include "unit/dns/fake_dns_server.h"

namespace sb::dns {
namespace {

using test::DnsWriter;
using transport::Endpoint;

constexpr std::uint16_t kNoError = 0x8180;   // QR, RD, RA
constexpr std::uint16_t kNxDomain = 0x8183;
constexpr std::uint16_t kServFail = 0x8182;

Answer parse(DnsWriter& w, std::string_view name, RecordType type) {
    return parse_response(w.bytes(), name, type);
}

void question(DnsWriter& w, std::string_view name, RecordType type) {
    w.name(name);
    w.u16(static_cast<std::uint16_t>(type));
    w.u16(1);
}

void soa(DnsWriter& w, std::uint32_t ttl, std::uint32_t minimum) {
    std::size_t at = w.begin_record("example.com", RecordType::Soa, ttl);
    w.name("ns.example.com");
    w.name("hostmaster.example.com");
    for (std::uint32_t v : {1u, 3600u, 600u, 86400u}) {
        w.u32(v);
    }
    w.u32(minimum);
    w.end_record(at);
}

TEST(ParseResponse, ARecordsWithCompressedNamesAndTheSmallestTtl) {
    DnsWriter w;
    w.header(1, kNoError, 1, 2, 0, 0);
    question(w, "Example.COM", RecordType::A);
    for (std::uint32_t ttl : {300u, 120u}) {
        w.pointer(12);  // the name in the question
        w.u16(1);
        w.u16(1);
        w.u32(ttl);
        w.u16(4);
        w.raw({192, 0, 2, static_cast<std::uint8_t>(ttl == 300 ? 1 : 2)});
    }
    Answer a = parse(w, "example.com", RecordType::A);
    ASSERT_EQ(a.status, Answer::Status::Ok);
    EXPECT_EQ(a.addresses, (std::vector<Endpoint>{*Endpoint::from("192.0.2.1", 0),
                                                  *Endpoint::from("192.0.2.2", 0)}));
    EXPECT_EQ(a.ttl, 120u);
}

TEST(ParseResponse, FollowsCnames) {
    DnsWriter w;
    w.header(1, kNoError, 1, 3, 0, 0);
    question(w, "sip.example.com", RecordType::Aaaa);
    std::size_t at = w.begin_record("sip.example.com", RecordType::Cname, 600);
    w.name("host.example.net");
    w.end_record(at);
    at = w.begin_record("host.example.net", RecordType::Aaaa, 60);
    std::vector<std::uint8_t> v6(16, 0);
    v6[0] = 0x20;
    v6[1] = 0x01;
    v6[2] = 0x0d;
    v6[3] = 0xb8;
    v6[15] = 1;
    w.raw(v6);
    w.end_record(at);
    at = w.begin_record("unrelated.example.org", RecordType::Aaaa, 10);  // not ours: ignored
    w.raw(v6);
    w.end_record(at);
    Answer a = parse(w, "sip.example.com", RecordType::Aaaa);
    ASSERT_EQ(a.status, Answer::Status::Ok);
    EXPECT_EQ(a.addresses, (std::vector<Endpoint>{*Endpoint::from("2001:db8::1", 0)}));
    EXPECT_EQ(a.ttl, 60u);
}

TEST(ParseResponse, Srv) {
    DnsWriter w;
    w.header(1, kNoError, 1, 1, 0, 0);
    question(w, "_sip._udp.example.com", RecordType::Srv);
    std::size_t at = w.begin_record("_sip._udp.example.com", RecordType::Srv, 900);
    w.u16(10);
    w.u16(60);
    w.u16(5060);
    w.name("SIP1.example.com");
    w.end_record(at);
    Answer a = parse(w, "_sip._udp.example.com", RecordType::Srv);
    ASSERT_EQ(a.status, Answer::Status::Ok);
    EXPECT_EQ(a.srv, (std::vector<SrvRecord>{{10, 60, 5060, "sip1.example.com"}}));
    EXPECT_EQ(a.ttl, 900u);
}

TEST(ParseResponse, Naptr) {
    DnsWriter w;
    w.header(1, kNoError, 1, 1, 0, 0);
    question(w, "example.com", RecordType::Naptr);
    std::size_t at = w.begin_record("example.com", RecordType::Naptr, 3600);
    w.u16(10);
    w.u16(50);
    w.character_string("S");
    w.character_string("SIP+D2U");
    w.character_string("");
    w.name("_sip._udp.example.com");
    w.end_record(at);
    Answer a = parse(w, "example.com", RecordType::Naptr);
    ASSERT_EQ(a.status, Answer::Status::Ok);
    EXPECT_EQ(a.naptr, (std::vector<NaptrRecord>{
                           {10, 50, "S", "SIP+D2U", "", "_sip._udp.example.com"}}));
}

TEST(ParseResponse, NxDomainTakesTheNegativeTtlOfRfc2308) {
    DnsWriter w;
    w.header(1, kNxDomain, 1, 0, 1, 0);
    question(w, "nope.example.com", RecordType::A);
    soa(w, 900, 60);
    Answer a = parse(w, "nope.example.com", RecordType::A);
    EXPECT_EQ(a.status, Answer::Status::NxDomain);
    EXPECT_EQ(a.ttl, 60u);  // min(SOA TTL, MINIMUM)
}

TEST(ParseResponse, NoDataIsOkAndEmpty) {
    DnsWriter w;
    w.header(1, kNoError, 1, 0, 1, 0);
    question(w, "example.com", RecordType::Naptr);
    soa(w, 30, 600);
    Answer a = parse(w, "example.com", RecordType::Naptr);
    EXPECT_EQ(a.status, Answer::Status::Ok);
    EXPECT_TRUE(a.empty());
    EXPECT_EQ(a.ttl, 30u);
}

TEST(ParseResponse, NegativeWithoutSoaIsNotCached) {
    DnsWriter w;
    w.header(1, kNxDomain, 1, 0, 0, 0);
    question(w, "nope.example.com", RecordType::A);
    EXPECT_EQ(parse(w, "nope.example.com", RecordType::A).ttl, 0u);
}

TEST(ParseResponse, ServerFailure) {
    DnsWriter w;
    w.header(1, kServFail, 1, 0, 0, 0);
    question(w, "example.com", RecordType::A);
    Answer a = parse(w, "example.com", RecordType::A);
    EXPECT_EQ(a.status, Answer::Status::Failure);
    EXPECT_EQ(a.error, "SERVFAIL");
}

TEST(ParseResponse, MalformedMessages) {
    DnsWriter shortened;
    shortened.u16(1);
    EXPECT_EQ(parse(shortened, "example.com", RecordType::A).status, Answer::Status::Failure);

    DnsWriter truncated;
    truncated.header(1, kNoError, 1, 1, 0, 0);
    question(truncated, "example.com", RecordType::A);
    truncated.name("example.com");
    truncated.u16(1);
    EXPECT_EQ(parse(truncated, "example.com", RecordType::A).status, Answer::Status::Failure);

    DnsWriter loop;
    loop.header(1, kNoError, 1, 1, 0, 0);
    question(loop, "example.com", RecordType::A);
    auto self = static_cast<std::uint16_t>(loop.size());
    loop.pointer(self);  // a name that points at itself
    loop.u16(1);
    loop.u16(1);
    loop.u32(60);
    loop.u16(4);
    loop.raw({192, 0, 2, 1});
    EXPECT_EQ(parse(loop, "example.com", RecordType::A).status, Answer::Status::Failure);

    DnsWriter bad_length;
    bad_length.header(1, kNoError, 1, 1, 0, 0);
    question(bad_length, "example.com", RecordType::A);
    std::size_t at = bad_length.begin_record("example.com", RecordType::A, 60);
    bad_length.raw({192, 0, 2});
    bad_length.end_record(at);
    EXPECT_EQ(parse(bad_length, "example.com", RecordType::A).status, Answer::Status::Failure);
}

}  // namespace
}  // namespace sb::dns
