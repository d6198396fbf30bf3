// Parse, rewrite and serialise typical messages: what the proxy does to every message it
// relays. Run with `build/bench/micro/sip_message_bench`.

#include <benchmark/benchmark.h>

#include <string>

#include "sip/editor.h"
#include "sip/parser.h"

namespace {

const std::string kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.1:5060>\r\n"
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO\r\n"
    "Supported: replaces, timer\r\n"
    "User-Agent: Phone/1.0\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 142\r\n"
    "\r\n"
    "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
    "t=0 0\r\nm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n";

const std::string kOk =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK0x1234567890abcdefl0badcafe\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport=5060;received=192.0.2.1\r\n"
    "Record-Route: <sip:192.0.2.10:5060;lr>\r\n"
    "To: Bob <sip:bob@example.com>;tag=a6c85cf\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:bob@192.0.2.20:5062>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

const std::string kRegister =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnashds7;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Alice <sip:alice@example.com>\r\n"
    "From: Alice <sip:alice@example.com>;tag=456248\r\n"
    "Call-ID: 843817637684230@998sdasdh09\r\n"
    "CSeq: 1826 REGISTER\r\n"
    "Contact: <sip:alice@192.0.2.1:5060>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000>\"\r\n"
    "Expires: 3600\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

void parse(benchmark::State& state, const std::string& text) {
    for (auto _ : state) {
        auto msg = sb::sip::parse_message(sb::Buffer::copy_of(text));
        benchmark::DoNotOptimize(msg);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_ParseInvite(benchmark::State& s) { parse(s, kInvite); }
void BM_ParseOk(benchmark::State& s) { parse(s, kOk); }
void BM_ParseRegister(benchmark::State& s) { parse(s, kRegister); }

// What a proxy does to a request: new Request-URI, Max-Forwards, its Via and Record-Route.
void BM_ForwardInvite(benchmark::State& state) {
    std::string out;
    for (auto _ : state) {
        auto msg = sb::sip::parse_message(sb::Buffer::copy_of(kInvite));
        sb::sip::Editor e(*msg);
        e.replace(msg->request_uri(), "sip:bob@192.0.2.20:5062");
        e.replace(msg->first(sb::sip::HeaderId::MaxForwards)->value, "69");
        e.insert_header_before(*msg->first(sb::sip::HeaderId::Via), "Via",
                               "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK0x1234567890abcdefl0badcafe");
        e.insert_header_before(*msg->first(sb::sip::HeaderId::Via), "Record-Route",
                               "<sip:192.0.2.10:5060;lr>");
        out.clear();
        e.write_to(out);
        benchmark::DoNotOptimize(out);
    }
}

// What a proxy does to a response: remove its own Via.
void BM_RelayOk(benchmark::State& state) {
    std::string out;
    for (auto _ : state) {
        auto msg = sb::sip::parse_message(sb::Buffer::copy_of(kOk));
        sb::sip::Editor e(*msg);
        e.remove_header(*msg->first(sb::sip::HeaderId::Via));
        out.clear();
        e.write_to(out);
        benchmark::DoNotOptimize(out);
    }
}

BENCHMARK(BM_ParseInvite);
BENCHMARK(BM_ParseOk);
BENCHMARK(BM_ParseRegister);
BENCHMARK(BM_ForwardInvite);
BENCHMARK(BM_RelayOk);

}  // namespace
