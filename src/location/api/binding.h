#pragma once

// One registered contact of an address-of-record (RFC 3261 §10).

#include <cstdint>
#include <string>

namespace sb::location {

struct Binding {
    std::string aor;             // "sip:alice@example.com" (see sip::address_of_record)
    std::string contact;         // the Contact URI as registered (no header parameters)
    std::string contact_params;  // the Contact header parameters as written (";+sip.instance=...")
    int q = -1;                  // q-value in thousandths (0..1000), -1 when the contact gave none
    std::int64_t expires_at = 0; // Unix seconds when the binding lapses
    std::string call_id;         // Call-ID and CSeq of the REGISTER that last wrote it (§10.3 step 7)
    std::uint32_t cseq = 0;
    std::string path;            // Path header values (RFC 3327), comma-joined, in order
    std::string received;        // where the REGISTER came from: "udp:192.0.2.1:5060", "tcp:[::1]:5070"
    std::string instance_id;     // +sip.instance (RFC 5626), or ""
    std::uint32_t reg_id = 0;    // reg-id (RFC 5626), 0 when absent
    std::string user_agent;
    std::int64_t updated_at = 0; // Unix seconds of the last write

    bool operator==(const Binding&) const = default;
};

}  // namespace sb::location
