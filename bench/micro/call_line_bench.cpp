// What the call log's writer spends per event on the lines of calls.log and calls.jsonl, and
// what building the same record as a JSON tree (the export path) would cost instead; and the
// whole call log per call (four events written to the two files and a row of calls.db), in
// CPU time of both the thread that hands the events over and the writer.

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/clock.h"
#include "cdr/call_lines.h"
#include "cdr/call_log.h"
#include "cdr/record.h"

namespace {

sb::dialog::Call answered_call() {
    sb::dialog::Call c;
    c.call_id = "a84b4c76e66710@pc33.example.com";
    c.caller = "sip:alice@example.com";
    c.caller_name = "Alice";
    c.callee = "sip:bob@example.com";
    c.source = "udp:192.0.2.1:5060";
    c.from_tag = "1928301774";
    c.to_tag = "a6c85cf";
    c.invite_ms = 1'764'000'000'123;
    c.ringing_ms = c.invite_ms + 1'000;
    c.answered_ms = c.invite_ms + 4'500;
    c.ended_ms = c.answered_ms + 42'000;
    c.state = sb::dialog::CallState::Ended;
    c.outcome = sb::dialog::Outcome::Answered;
    c.final_status = 200;
    c.final_reason = "OK";
    c.ended_by = sb::dialog::Party::Caller;
    c.answered_by = "sip:bob@192.0.2.20:5062";
    c.branches = {"sip:bob@192.0.2.20:5062"};
    return c;
}

void BM_JsonLine(benchmark::State& state) {
    const auto call = answered_call();
    for (auto _ : state) {
        benchmark::DoNotOptimize(sb::cdr::json_line(sb::dialog::CallEventKind::Ended, call.ended_ms, call));
    }
}
BENCHMARK(BM_JsonLine);

void BM_JsonTree(benchmark::State& state) {
    const auto call = answered_call();
    for (auto _ : state) {
        nlohmann::ordered_json j;
        j["event"] = "ended";
        j["time_ms"] = call.ended_ms;
        sb::cdr::append_call(j, call);
        benchmark::DoNotOptimize(sb::cdr::dump(j));
    }
}
BENCHMARK(BM_JsonTree);

void BM_TextLine(benchmark::State& state) {
    const auto call = answered_call();
    for (auto _ : state) {
        benchmark::DoNotOptimize(sb::cdr::text_line(sb::dialog::CallEventKind::Ended, call.ended_ms, call));
    }
}
BENCHMARK(BM_TextLine);

void BM_CallLogPerCall(benchmark::State& state) {
    std::string dir = (std::filesystem::temp_directory_path() / "sb-call-log-bench-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) {
        state.SkipWithError("cannot make a temporary directory");
        return;
    }
    sb::SystemClock clock;
    sb::cdr::CallLogOptions options;
    options.dir = dir;
    auto log = sb::cdr::CallLog::open(options, clock);
    if (!log) {
        state.SkipWithError(log.error().message.c_str());
        return;
    }
    auto call = answered_call();
    std::uint64_t n = 0;
    for (auto _ : state) {
        call.call_id = std::to_string(++n) + "@pc33.example.com";
        for (auto kind : {sb::dialog::CallEventKind::Started, sb::dialog::CallEventKind::Ringing,
                          sb::dialog::CallEventKind::Answered, sb::dialog::CallEventKind::Ended}) {
            (*log)->on_call_event({kind, call});
        }
        if (n % 4096 == 0) {
            (*log)->wait_idle(std::chrono::seconds(10));  // a server's pace, not a growing queue
        }
    }
    (*log)->wait_idle(std::chrono::seconds(30));
    log->reset();
    std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CallLogPerCall)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
