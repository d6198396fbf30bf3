#include "dns/message.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "base/strings.h"

namespace sb::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::uint16_t kClassIn = 1;
constexpr std::size_t kMaxNameLength = 255;  // RFC 1035 §2.3.4
constexpr int kMaxPointers = 64;             // a loop of compression pointers ends here
constexpr int kMaxAliases = 8;               // longer CNAME chains are not followed

class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> message) : message_(message) {}

    std::size_t pos() const { return pos_; }
    void seek(std::size_t pos) { pos_ = pos; }
    bool ok() const { return ok_; }

    std::uint8_t u8() {
        if (!need(1)) {
            return 0;
        }
        return message_[pos_++];
    }

    std::uint16_t u16() {
        if (!need(2)) {
            return 0;
        }
        auto v = static_cast<std::uint16_t>((message_[pos_] << 8) | message_[pos_ + 1]);
        pos_ += 2;
        return v;
    }

    std::uint32_t u32() {
        std::uint32_t hi = u16();
        return (hi << 16) | u16();
    }

    void skip(std::size_t n) {
        if (need(n)) {
            pos_ += n;
        }
    }

    /// A <character-string> (RFC 1035 §3.3): a length byte and that many bytes.
    std::string character_string() {
        std::size_t n = u8();
        if (!need(n)) {
            return {};
        }
        std::string s(reinterpret_cast<const char*>(message_.data() + pos_), n);
        pos_ += n;
        return s;
    }

    /// A domain name, following compression pointers (RFC 1035 §4.1.4). Lower case, labels
    /// joined by dots, no trailing dot; the root is "."
    std::string name() {
        std::string out;
        std::size_t p = pos_;
        bool jumped = false;
        int pointers = 0;
        while (true) {
            if (p >= message_.size()) {
                return fail();
            }
            std::uint8_t len = message_[p];
            if ((len & 0xC0) == 0xC0) {
                if (p + 1 >= message_.size() || ++pointers > kMaxPointers) {
                    return fail();
                }
                std::size_t target = static_cast<std::size_t>((len & 0x3F) << 8) | message_[p + 1];
                if (!jumped) {
                    pos_ = p + 2;
                    jumped = true;
                }
                p = target;
                continue;
            }
            if ((len & 0xC0) != 0) {
                return fail();  // the extended label types of RFC 6891 are not used in answers
            }
            if (len == 0) {
                if (!jumped) {
                    pos_ = p + 1;
                }
                break;
            }
            if (p + 1 + len > message_.size()) {
                return fail();
            }
            if (!out.empty()) {
                out += '.';
            }
            for (std::size_t i = 0; i < len; ++i) {
                out += ascii_lower(static_cast<char>(message_[p + 1 + i]));
            }
            if (out.size() > kMaxNameLength) {
                return fail();
            }
            p += 1 + len;
        }
        return out.empty() ? std::string(".") : out;
    }

private:
    bool need(std::size_t n) {
        if (!ok_ || message_.size() - pos_ < n) {
            ok_ = false;
            return false;
        }
        return true;
    }

    std::string fail() {
        ok_ = false;
        return {};
    }

    std::span<const std::uint8_t> message_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

struct Record {
    std::string owner;
    std::uint16_t type = 0;
    std::uint16_t klass = 0;
    std::uint32_t ttl = 0;
    std::size_t rdata = 0;  // offset of the RDATA in the message
    std::uint16_t rdlength = 0;
};

std::optional<Record> read_record(Reader& r) {
    Record rec;
    rec.owner = r.name();
    rec.type = r.u16();
    rec.klass = r.u16();
    // RFC 2181 §8: a TTL with the top bit set is read as 0.
    rec.ttl = r.u32();
    if (rec.ttl > 0x7FFFFFFFu) {
        rec.ttl = 0;
    }
    rec.rdlength = r.u16();
    rec.rdata = r.pos();
    r.skip(rec.rdlength);
    if (!r.ok()) {
        return std::nullopt;
    }
    return rec;
}

Answer failure(std::string error) {
    Answer a;
    a.status = Answer::Status::Failure;
    a.error = std::move(error);
    return a;
}

transport::Endpoint endpoint_v4(const std::uint8_t* bytes) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    std::memcpy(&sa.sin_addr, bytes, 4);
    return transport::Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sa));
}

transport::Endpoint endpoint_v6(const std::uint8_t* bytes) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    std::memcpy(&sa.sin6_addr, bytes, 16);
    return transport::Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&sa));
}

/// Decodes one record's RDATA into `answer`; false when it does not fit its length.
bool read_rdata(std::span<const std::uint8_t> message, const Record& rec, RecordType type,
                Answer& answer) {
    Reader r(message);
    r.seek(rec.rdata);
    const std::uint8_t* data = message.data() + rec.rdata;
    switch (type) {
        case RecordType::A:
            if (rec.rdlength != 4) {
                return false;
            }
            answer.addresses.push_back(endpoint_v4(data));
            return true;
        case RecordType::Aaaa:
            if (rec.rdlength != 16) {
                return false;
            }
            answer.addresses.push_back(endpoint_v6(data));
            return true;
        case RecordType::Srv: {
            SrvRecord srv;
            srv.priority = r.u16();
            srv.weight = r.u16();
            srv.port = r.u16();
            srv.target = r.name();
            if (!r.ok() || r.pos() > rec.rdata + rec.rdlength) {
                return false;
            }
            answer.srv.push_back(std::move(srv));
            return true;
        }
        case RecordType::Naptr: {
            NaptrRecord naptr;
            naptr.order = r.u16();
            naptr.preference = r.u16();
            naptr.flags = r.character_string();
            naptr.service = r.character_string();
            naptr.regexp = r.character_string();
            naptr.replacement = r.name();
            if (!r.ok() || r.pos() > rec.rdata + rec.rdlength) {
                return false;
            }
            answer.naptr.push_back(std::move(naptr));
            return true;
        }
        case RecordType::Cname:
        case RecordType::Soa:
            return true;
    }
    return true;
}

/// RFC 2308 §5: a negative answer may be cached for the SOA record's TTL, but no longer than
/// the SOA MINIMUM field. Without an SOA record it should not be cached at all.
std::uint32_t negative_ttl(std::span<const std::uint8_t> message,
                           const std::vector<Record>& authority) {
    for (const Record& rec : authority) {
        if (rec.type != static_cast<std::uint16_t>(RecordType::Soa) || rec.klass != kClassIn) {
            continue;
        }
        Reader r(message);
        r.seek(rec.rdata);
        r.name();        // MNAME
        r.name();        // RNAME
        r.skip(4 * 4);   // SERIAL, REFRESH, RETRY, EXPIRE
        std::uint32_t minimum = r.u32();
        if (r.ok() && r.pos() <= rec.rdata + rec.rdlength) {
            return std::min(rec.ttl, minimum);
        }
    }
    return 0;
}

}  // namespace

Answer parse_response(std::span<const std::uint8_t> message, std::string_view name,
                      RecordType type) {
    if (message.size() < kHeaderSize) {
        return failure("short DNS reply");
    }
    Reader r(message);
    r.skip(2);  // ID: c-ares matched it to the query
    std::uint16_t flags = r.u16();
    std::uint16_t qdcount = r.u16();
    std::uint16_t ancount = r.u16();
    std::uint16_t nscount = r.u16();
    r.skip(2);  // ARCOUNT: the additional section is not used
    unsigned rcode = flags & 0x000F;

    for (std::uint16_t i = 0; i < qdcount && r.ok(); ++i) {
        r.name();
        r.skip(4);  // QTYPE, QCLASS
    }
    std::vector<Record> answers;
    std::vector<Record> authority;
    for (std::uint16_t i = 0; i < ancount; ++i) {
        auto rec = read_record(r);
        if (!rec) {
            return failure("malformed DNS reply");
        }
        answers.push_back(std::move(*rec));
    }
    for (std::uint16_t i = 0; i < nscount; ++i) {
        auto rec = read_record(r);
        if (!rec) {
            break;  // the answer section is what matters; a damaged authority only costs caching
        }
        authority.push_back(std::move(*rec));
    }

    Answer answer;
    if (rcode == 3) {
        answer.status = Answer::Status::NxDomain;
        answer.ttl = negative_ttl(message, authority);
        return answer;
    }
    if (rcode != 0) {
        static constexpr const char* kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                 "NOTIMP",  "REFUSED"};
        return failure(rcode < std::size(kNames) ? kNames[rcode]
                                                 : "RCODE " + std::to_string(rcode));
    }

    // The names that stand for `name`: itself and its aliases (RFC 1034 §3.6.2).
    std::vector<std::string> owners{to_lower(name)};
    std::uint32_t ttl = UINT32_MAX;
    for (int hop = 0; hop < kMaxAliases; ++hop) {
        auto cname = std::find_if(answers.begin(), answers.end(), [&](const Record& rec) {
            return rec.type == static_cast<std::uint16_t>(RecordType::Cname) &&
                   rec.klass == kClassIn && rec.owner == owners.back();
        });
        if (cname == answers.end()) {
            break;
        }
        Reader target(message);
        target.seek(cname->rdata);
        std::string alias = target.name();
        if (!target.ok() || std::find(owners.begin(), owners.end(), alias) != owners.end()) {
            break;
        }
        ttl = std::min(ttl, cname->ttl);
        owners.push_back(std::move(alias));
    }
    for (const Record& rec : answers) {
        if (rec.type != static_cast<std::uint16_t>(type) || rec.klass != kClassIn ||
            std::find(owners.begin(), owners.end(), rec.owner) == owners.end()) {
            continue;
        }
        if (!read_rdata(message, rec, type, answer)) {
            return failure("malformed DNS record");
        }
        ttl = std::min(ttl, rec.ttl);
    }
    answer.ttl = answer.empty() ? negative_ttl(message, authority) : ttl;
    return answer;
}

}  // namespace sb::dns
