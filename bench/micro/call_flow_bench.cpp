// A whole call through one worker's core, without sockets: INVITE, 100, 180, 200, ACK, BYE,
// 200, each message parsed from its bytes and handled as the worker would (transactions, proxy
// core, Record-Route, the call tracker). The time per iteration is our own user-space work per
// call, the part of the system benchmark's CPU per call that no kernel or VM noise reaches.
// Timers are 500 times shorter than RFC 3261's (T1 = 1 ms) and run as the loop would, so
// finished transactions leave the tables as they do in a running server, only sooner.
// The phones' side (building the responses from what the proxy sent) is not timed; the
// pauses that leave it out cost what BM_PauseOverhead shows, to be subtracted.
// Run with `build-release/bench/micro/call_flow_bench`.

#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "location/memory_store.h"
#include "sip/parser.h"
#include "worker_harness.h"

namespace sb {
namespace {

// The headers of `request` a response copies, with the To tag added, as a phone answers.
std::string answer(std::string_view request, int status) {
    auto m = sip::parse_message(request);
    std::string out = fmt::format("SIP/2.0 {} {}\r\n", status, status == 180 ? "Ringing" : "OK");
    for (const sip::HeaderField& h : m->headers()) {
        if (h.id == sip::HeaderId::Via || h.id == sip::HeaderId::From ||
            h.id == sip::HeaderId::CallId || h.id == sip::HeaderId::CSeq ||
            (h.id == sip::HeaderId::RecordRoute && status == 200)) {
            fmt::format_to(std::back_inserter(out), "{}: {}\r\n", h.name, h.value);
        }
    }
    std::string to(m->value(sip::HeaderId::To));
    if (m->to_tag().empty()) {
        to += ";tag=bob-tag";
    }
    fmt::format_to(std::back_inserter(out),
                   "To: {}\r\nContact: <sip:bob@192.0.2.20:5062>\r\nContent-Length: 0\r\n\r\n", to);
    return out;
}

std::string route_of(std::string_view ok) {
    auto m = sip::parse_message(ok);
    return std::string(m->value(sip::HeaderId::RecordRoute));
}

struct Call {
    explicit Call(std::uint64_t number)
        : id(fmt::format("{}-bench@192.0.2.1", number)), n(number) {}

    std::string invite() const {
        return fmt::format(
            "INVITE sip:bob@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKi{0}\r\n"
            "Max-Forwards: 70\r\n"
            "From: \"Alice\" <sip:alice@example.com>;tag=a{0}\r\n"
            "To: <sip:bob@example.com>\r\n"
            "Call-ID: {1}\r\n"
            "CSeq: 1 INVITE\r\n"
            "Contact: <sip:alice@192.0.2.1:5060>\r\n"
            "User-Agent: bench\r\n"
            "Content-Type: application/sdp\r\n"
            "Content-Length: 129\r\n\r\n"
            "v=0\r\no=alice 53655765 2353687637 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
            "t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
            n, id);
    }
    std::string in_dialog(std::string_view method, int cseq, std::string_view route) const {
        return fmt::format(
            "{0} sip:bob@192.0.2.20:5062 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK{0}{1}\r\n"
            "Route: {2}\r\n"
            "Max-Forwards: 70\r\n"
            "From: \"Alice\" <sip:alice@example.com>;tag=a{1}\r\n"
            "To: <sip:bob@example.com>;tag=bob-tag\r\n"
            "Call-ID: {3}\r\n"
            "CSeq: {4} {0}\r\n"
            "Content-Length: 0\r\n\r\n",
            method, n, route, id, cseq);
    }

    std::string id;
    std::uint64_t n;
};

// The harness serving a MemoryStore where bob is registered at 192.0.2.20:5062.
class Proxy {
public:
    Proxy() : harness_(store_) {
        const std::int64_t now = harness_.clock().unix_seconds();
        (void)store_.update("sip:bob@example.com", now,
                            [&](const std::vector<location::Binding>&)
                                -> Result<std::vector<location::Binding>> {
                                location::Binding b;
                                b.aor = "sip:bob@example.com";
                                b.contact = "sip:bob@192.0.2.20:5062";
                                b.expires_at = now + 3600;
                                b.call_id = "bob-registration";
                                return std::vector<location::Binding>{b};
                            });
    }

    void from_caller(std::string_view text) { harness_.receive(text, caller_); }
    void from_callee(std::string_view text) { harness_.receive(text, callee_); }
    const bench::LastSent& sent() const { return harness_.sent(); }
    void run_timers() { harness_.run_timers(); }

private:
    location::MemoryStore store_;  // before the harness, which refers to it
    bench::WorkerHarness harness_;
    transport::Source caller_ = bench::udp_source("192.0.2.1", 5060);
    transport::Source callee_ = bench::udp_source("192.0.2.20", 5062);
};

void BM_AnsweredCall(benchmark::State& state) {
    Proxy proxy;
    std::uint64_t n = 0;
    std::size_t sent = 0;
    for (auto _ : state) {
        state.PauseTiming();
        Call call(++n);
        std::string invite = call.invite();
        state.ResumeTiming();
        proxy.from_caller(invite);  // 100 back, INVITE on

        state.PauseTiming();
        std::string ringing = answer(proxy.sent().last(), 180);
        std::string ok = answer(proxy.sent().last(), 200);
        state.ResumeTiming();
        proxy.from_callee(ringing);
        proxy.from_callee(ok);

        state.PauseTiming();
        std::string route = route_of(proxy.sent().last());
        std::string ack = call.in_dialog("ACK", 1, route);
        std::string bye = call.in_dialog("BYE", 2, route);
        state.ResumeTiming();
        proxy.from_caller(ack);
        proxy.from_caller(bye);

        state.PauseTiming();
        std::string bye_ok = answer(proxy.sent().last(), 200);
        state.ResumeTiming();
        proxy.from_callee(bye_ok);
        if (n % 16 == 0) {
            proxy.run_timers();
        }
    }
    sent = proxy.sent().count();
    if (sent != 7 * n) {
        const std::string error =
            fmt::format("sent {} messages for {} calls, not 7 a call", sent, n);
        state.SkipWithError(error.c_str());
    }
    state.counters["messages_per_call"] = static_cast<double>(sent) / static_cast<double>(n);
}
BENCHMARK(BM_AnsweredCall)->Unit(benchmark::kMicrosecond);

// What the pauses of one BM_AnsweredCall iteration cost by themselves.
void BM_PauseOverhead(benchmark::State& state) {
    for (auto _ : state) {
        for (int i = 0; i < 4; ++i) {
            state.PauseTiming();
            state.ResumeTiming();
        }
    }
}
BENCHMARK(BM_PauseOverhead)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sb
