#pragma once

// What a REGISTER asks for, and how it changes an address-of-record's bindings
// (RFC 3261 §10.3 steps 5-7, RFC 5626 §6 instance/reg-id, RFC 3327 Path). Pure functions: the
// registrar wires them to a transaction and a store.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "location/api/binding.h"
#include "registrar/config.h"
#include "sip/message.h"

namespace sb::registrar {

/// Why a REGISTER is refused: the status, a reason phrase that names the bad element (400s)
/// or a detail to add to the table's phrase (the others), and any extra header lines.
struct Reject {
    int status = 400;
    std::string reason;
    std::string extra_headers;
    std::string detail;
};

struct ContactRequest {
    std::string uri;          // as written inside <> (or bare)
    std::string params;       // header parameters as written (";expires=60;+sip.instance=...")
    std::uint32_t expires = 0;
    int q = -1;               // thousandths, -1 when absent
    std::string instance_id;  // +sip.instance value (quotes and <> removed)
    std::uint32_t reg_id = 0;
};

struct RegisterRequest {
    std::string aor;
    bool wildcard = false;    // Contact: * (remove every binding)
    std::vector<ContactRequest> contacts;
    std::string call_id;
    std::uint32_t cseq = 0;
    std::string path;         // Path values, comma-joined
    std::string received;     // "udp:192.0.2.1:5060"
    std::string user_agent;
};

/// Reads a REGISTER. `received` names where it came from ("udp:192.0.2.1:5060").
Expected<RegisterRequest, Reject> read_register(const sip::Message& msg,
                                                const RegistrarConfig& config,
                                                std::string received);

/// The AOR's bindings after the request, from the current unexpired ones (RFC 3261 §10.3
/// step 7: Call-ID and CSeq ordering; RFC 5626: one binding per instance and reg-id).
Expected<std::vector<location::Binding>, Reject> apply_register(
    const RegisterRequest& request, const std::vector<location::Binding>& current,
    const RegistrarConfig& config, std::int64_t now);

/// True when two contact URIs name the same binding (RFC 3261 §10.3 step 7 uses the URI
/// comparison of §19.1.4: scheme, user and password exactly, host case-insensitively, port,
/// and the transport, user, method, ttl and maddr parameters).
bool same_contact(std::string_view a, std::string_view b);

/// The Contact header lines of a 200 to a REGISTER: every binding with its remaining time.
std::string contact_lines(const std::vector<location::Binding>& bindings, std::int64_t now);

}  // namespace sb::registrar
