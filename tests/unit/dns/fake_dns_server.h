#pragma once

// A tiny DNS server for tests, on 127.0.0.1 and a free UDP port: it answers NAPTR, SRV, A and
// AAAA queries from a table, NXDOMAIN for names it does not know (with an SOA record, so
// the answer may be cached), never answers the names it is told to drop, and counts every query
// it receives. It runs on its own thread; the table may be changed while it runs.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "dns/records.h"

namespace sb::dns::test {

/// Writes DNS wire format (RFC 1035 §4.1): the fake server's replies, and hand-made messages
/// for the parser's tests.
class DnsWriter {
public:
    std::vector<std::uint8_t>& bytes() { return bytes_; }
    std::size_t size() const { return bytes_.size(); }

    void u8(std::uint8_t v) { bytes_.push_back(v); }
    void u16(std::uint16_t v) {
        bytes_.push_back(static_cast<std::uint8_t>(v >> 8));
        bytes_.push_back(static_cast<std::uint8_t>(v & 0xFF));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v >> 16));
        u16(static_cast<std::uint16_t>(v & 0xFFFF));
    }
    void raw(const std::vector<std::uint8_t>& b) {
        bytes_.insert(bytes_.end(), b.begin(), b.end());
    }
    void character_string(std::string_view s) {
        u8(static_cast<std::uint8_t>(s.size()));
        bytes_.insert(bytes_.end(), s.begin(), s.end());
    }
    /// A name as labels, uncompressed ("." or "" is the root).
    void name(std::string_view name) {
        while (!name.empty() && name != ".") {
            std::size_t dot = name.find('.');
            std::string_view label = name.substr(0, dot);
            character_string(label);
            name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
        }
        u8(0);
    }
    /// A compression pointer to `offset` (RFC 1035 §4.1.4).
    void pointer(std::uint16_t offset) { u16(static_cast<std::uint16_t>(0xC000 | offset)); }

    void header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an,
                std::uint16_t ns, std::uint16_t ar) {
        u16(id);
        u16(flags);
        u16(qd);
        u16(an);
        u16(ns);
        u16(ar);
    }

    /// Starts a resource record; returns the offset of RDLENGTH for end_record().
    std::size_t begin_record(std::string_view owner, RecordType type, std::uint32_t ttl) {
        name(owner);
        u16(static_cast<std::uint16_t>(type));
        u16(1);  // IN
        u32(ttl);
        std::size_t at = bytes_.size();
        u16(0);
        return at;
    }
    void end_record(std::size_t rdlength_at) {
        auto len = static_cast<std::uint16_t>(bytes_.size() - rdlength_at - 2);
        bytes_[rdlength_at] = static_cast<std::uint8_t>(len >> 8);
        bytes_[rdlength_at + 1] = static_cast<std::uint8_t>(len & 0xFF);
    }

private:
    std::vector<std::uint8_t> bytes_;
};

class FakeDnsServer {
public:
    FakeDnsServer() {
        fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (fd_ < 0) {
            throw std::runtime_error("fake DNS server: socket");
        }
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa.sin_port = 0;
        socklen_t len = sizeof(sa);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
            ::close(fd_);
            throw std::runtime_error("fake DNS server: bind");
        }
        port_ = ntohs(sa.sin_port);
        thread_ = std::thread([this] { serve(); });
    }

    ~FakeDnsServer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }

    FakeDnsServer(const FakeDnsServer&) = delete;
    FakeDnsServer& operator=(const FakeDnsServer&) = delete;

    std::uint16_t port() const { return port_; }
    /// "127.0.0.1:PORT", as DnsConfig::servers takes it.
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

    void add_naptr(const std::string& name, std::uint16_t order, std::uint16_t preference,
                   std::string_view flags, std::string_view service,
                   std::string_view replacement, std::uint32_t ttl = 300) {
        DnsWriter w;
        w.u16(order);
        w.u16(preference);
        w.character_string(flags);
        w.character_string(service);
        w.character_string("");
        w.name(replacement);
        add(name, RecordType::Naptr, ttl, std::move(w.bytes()));
    }

    void add_srv(const std::string& name, std::uint16_t priority, std::uint16_t weight,
                 std::uint16_t port, std::string_view target, std::uint32_t ttl = 300) {
        DnsWriter w;
        w.u16(priority);
        w.u16(weight);
        w.u16(port);
        w.name(target);
        add(name, RecordType::Srv, ttl, std::move(w.bytes()));
    }

    void add_a(const std::string& name, const char* ip, std::uint32_t ttl = 300) {
        std::vector<std::uint8_t> b(4);
        ::inet_pton(AF_INET, ip, b.data());
        add(name, RecordType::A, ttl, std::move(b));
    }

    void add_aaaa(const std::string& name, const char* ip, std::uint32_t ttl = 300) {
        std::vector<std::uint8_t> b(16);
        ::inet_pton(AF_INET6, ip, b.data());
        add(name, RecordType::Aaaa, ttl, std::move(b));
    }

    /// A name that exists but has no records (every query gets NOERROR and no answer).
    void add_name(const std::string& name) {
        std::lock_guard lock(mutex_);
        names_.insert(to_lower(name));
    }

    /// Queries for `name` are received and counted but never answered.
    void drop(const std::string& name) {
        std::lock_guard lock(mutex_);
        dropped_.insert(to_lower(name));
    }

    /// The TTL and MINIMUM of the SOA record sent with NXDOMAIN and NODATA replies.
    void set_negative_ttl(std::uint32_t ttl) { negative_ttl_ = ttl; }

    int queries(const std::string& name, RecordType type) const {
        std::lock_guard lock(mutex_);
        auto it = counts_.find({to_lower(name), static_cast<std::uint16_t>(type)});
        return it == counts_.end() ? 0 : it->second;
    }

    int total_queries() const { return total_.load(); }

private:
    struct Rr {
        std::uint16_t type;
        std::uint32_t ttl;
        std::vector<std::uint8_t> rdata;
    };

    void add(const std::string& name, RecordType type, std::uint32_t ttl,
             std::vector<std::uint8_t> rdata) {
        std::lock_guard lock(mutex_);
        names_.insert(to_lower(name));
        records_[to_lower(name)].push_back(
            Rr{static_cast<std::uint16_t>(type), ttl, std::move(rdata)});
    }

    void serve() {
        std::vector<std::uint8_t> buf(4096);
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) {
                continue;
            }
            sockaddr_storage from{};
            socklen_t from_len = sizeof(from);
            ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_len);
            if (n <= 0) {
                continue;
            }
            auto reply = answer(std::span<const std::uint8_t>(buf.data(),
                                                              static_cast<std::size_t>(n)));
            if (reply) {
                ::sendto(fd_, reply->data(), reply->size(), 0,
                         reinterpret_cast<sockaddr*>(&from), from_len);
            }
        }
    }

    std::optional<std::vector<std::uint8_t>> answer(std::span<const std::uint8_t> query) {
        if (query.size() < 12) {
            return std::nullopt;
        }
        // The question: uncompressed labels, then QTYPE and QCLASS.
        std::string name;
        std::size_t p = 12;
        while (p < query.size() && query[p] != 0) {
            std::size_t len = query[p];
            if (p + 1 + len > query.size()) {
                return std::nullopt;
            }
            if (!name.empty()) {
                name += '.';
            }
            for (std::size_t i = 0; i < len; ++i) {
                name += ascii_lower(static_cast<char>(query[p + 1 + i]));
            }
            p += 1 + len;
        }
        if (p + 5 > query.size()) {
            return std::nullopt;
        }
        auto qtype = static_cast<std::uint16_t>((query[p + 1] << 8) | query[p + 2]);
        std::size_t question_end = p + 5;
        ++total_;

        std::lock_guard lock(mutex_);
        ++counts_[{name, qtype}];
        if (dropped_.count(name) != 0) {
            return std::nullopt;
        }
        bool exists = names_.count(name) != 0;
        std::vector<const Rr*> matches;
        if (auto it = records_.find(name); it != records_.end()) {
            for (const Rr& rr : it->second) {
                if (rr.type == qtype) {
                    matches.push_back(&rr);
                }
            }
        }
        DnsWriter w;
        auto id = static_cast<std::uint16_t>((query[0] << 8) | query[1]);
        auto rd = static_cast<std::uint16_t>(((query[2] << 8) | query[3]) & 0x0100);
        // QR, AA, RA, and RCODE NXDOMAIN for unknown names.
        auto flags = static_cast<std::uint16_t>(0x8000 | 0x0400 | 0x0080 | rd | (exists ? 0 : 3));
        bool negative = matches.empty();
        w.header(id, flags, 1, static_cast<std::uint16_t>(matches.size()), negative ? 1 : 0, 0);
        w.raw(std::vector<std::uint8_t>(query.begin() + 12,
                                        query.begin() + static_cast<std::ptrdiff_t>(question_end)));
        for (const Rr* rr : matches) {
            std::size_t at = w.begin_record(name, static_cast<RecordType>(rr->type), rr->ttl);
            w.raw(rr->rdata);
            w.end_record(at);
        }
        if (negative) {
            std::uint32_t ttl = negative_ttl_;
            std::size_t at = w.begin_record("test", RecordType::Soa, ttl);
            w.name("ns.test");
            w.name("hostmaster.test");
            w.u32(1);      // SERIAL
            w.u32(3600);   // REFRESH
            w.u32(600);    // RETRY
            w.u32(86400);  // EXPIRE
            w.u32(ttl);    // MINIMUM
            w.end_record(at);
        }
        return std::move(w.bytes());
    }

    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> total_{0};
    std::atomic<std::uint32_t> negative_ttl_{60};
    mutable std::mutex mutex_;
    std::set<std::string> names_;
    std::set<std::string> dropped_;
    std::map<std::string, std::vector<Rr>> records_;
    std::map<std::pair<std::string, std::uint16_t>, int> counts_;
    std::thread thread_;
};

}  // namespace sb::dns::test
