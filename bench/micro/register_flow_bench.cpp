// REGISTERs through one worker's core, without sockets: each parsed from its bytes and handled
// as the worker would (transaction, registrar, location store, the 200 with the bindings). The
// time per iteration is our own work per REGISTER, the part of the system benchmark's CPU per
// REGISTER that no kernel or VM noise reaches; with the SQLite store it includes the store's
// writes to its file (a commit a REGISTER, as in the server, or, written behind, the writer
// thread's batches every 100 ms, counted in the process's CPU time).
// Run with `build-release/bench/micro/register_flow_bench`.

#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "location/memory_store.h"
#include "location/sqlite/sqlite_store.h"
#include "worker_harness.h"

namespace sb {
namespace {

std::string register_request(std::uint64_t user, std::uint32_t cseq) {
    return fmt::format(
        "REGISTER sip:example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKr{0}-{1}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:user{0}@example.com>;tag=r{0}\r\n"
        "To: <sip:user{0}@example.com>\r\n"
        "Call-ID: reg-{0}@192.0.2.1\r\n"
        "CSeq: {1} REGISTER\r\n"
        "Contact: <sip:user{0}@192.0.2.1:5060>;expires=3600\r\n"
        "User-Agent: bench\r\n"
        "Content-Length: 0\r\n\r\n",
        user, cseq);
}

// A SQLite store in a directory of its own, removed with it.
class TemporarySqliteStore {
public:
    explicit TemporarySqliteStore(std::chrono::milliseconds write_delay = {}) {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "sb-register-bench-XXXXXX").string();
        dir_ = ::mkdtemp(pattern.data());
        auto opened = location::SqliteStore::open(
            {.path = dir_ + "/location.db", .write_delay = write_delay});
        if (!opened) {
            throw std::runtime_error(opened.error().message);
        }
        store_ = std::move(*opened);
    }
    ~TemporarySqliteStore() {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }
    location::LocationStore& store() { return *store_; }

private:
    std::string dir_;
    std::unique_ptr<location::SqliteStore> store_;
};

// Sends `users` REGISTERs, a new user each unless `refresh`, in which case the same `users`
// register again and again with growing CSeqs. Fails the run unless every one got its 200.
void run_registers(benchmark::State& state, location::LocationStore& store, bool refresh) {
    bench::WorkerHarness harness(store);
    const transport::Source phone = bench::udp_source("192.0.2.1", 5060);
    constexpr std::uint64_t kRefreshedUsers = 1000;
    std::uint64_t n = 0;
    std::size_t ok = 0;
    for (auto _ : state) {
        state.PauseTiming();
        const std::uint64_t user = refresh ? n % kRefreshedUsers : n;
        const auto cseq = static_cast<std::uint32_t>(refresh ? n / kRefreshedUsers + 1 : 1);
        std::string request = register_request(user, cseq);
        ++n;
        state.ResumeTiming();
        harness.receive(request, phone);
        if (harness.sent().last().starts_with("SIP/2.0 200")) {
            ++ok;
        }
        if (n % 16 == 0) {
            harness.run_timers();
        }
    }
    if (ok != n) {
        const std::string error = fmt::format("{} of {} REGISTERs answered 200", ok, n);
        state.SkipWithError(error.c_str());
    }
}

enum class StoreKind { Memory, SqliteThrough, SqliteBehind };

// REGISTERs of new users, or refreshes of known ones, through the store of `kind`; SQLite
// behind writes every 100 ms on its own thread, counted in the process's CPU time.
void BM_Register(benchmark::State& state, StoreKind kind, bool refresh) {
    if (kind == StoreKind::Memory) {
        location::MemoryStore store;
        run_registers(state, store, refresh);
        return;
    }
    TemporarySqliteStore sqlite(kind == StoreKind::SqliteBehind ? std::chrono::milliseconds(100)
                                                                 : std::chrono::milliseconds(0));
    run_registers(state, sqlite.store(), refresh);
}

[[maybe_unused]] const bool kRegistered = [] {
    const std::pair<const char*, StoreKind> stores[] = {{"Memory", StoreKind::Memory},
                                                        {"Sqlite", StoreKind::SqliteThrough},
                                                        {"SqliteBehind", StoreKind::SqliteBehind}};
    for (const bool refresh : {false, true}) {
        for (const auto& [name, kind] : stores) {
            const std::string full =
                fmt::format("BM_Register/{}{}", refresh ? "Refresh" : "NewUser", name);
            benchmark::RegisterBenchmark(full.c_str(), BM_Register, kind, refresh)
                ->Unit(benchmark::kMicrosecond)
                ->MeasureProcessCPUTime();
        }
    }
    return true;
}();

// The expiry sweep the server runs on a worker every expire_interval, over 400 000 bindings of
// which none is due: what it stalls that worker's messages for.
void BM_ExpireSweepNothingDue(benchmark::State& state) {
    constexpr std::int64_t kNow = 1'700'000'000;
    location::MemoryStore store;
    for (int i = 0; i < 400'000; ++i) {
        location::Binding b;
        b.aor = fmt::format("sip:user{}@example.com", i);
        b.contact = fmt::format("sip:user{}@192.0.2.1:5060", i);
        b.expires_at = kNow + 3600 + i % 3600;
        store.insert(std::move(b));
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(store.expire(kNow));
    }
}
BENCHMARK(BM_ExpireSweepNothingDue)->Unit(benchmark::kMicrosecond);

// What the pause of one iteration costs by itself.
void BM_PauseOverhead(benchmark::State& state) {
    for (auto _ : state) {
        state.PauseTiming();
        state.ResumeTiming();
    }
}
BENCHMARK(BM_PauseOverhead)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sb
