#pragma once

// A user of the exchange: an address-of-record with a name, credentials for digest
// authentication (stored as HA1 hashes, never in clear), and the call services it asked for.

#include <cstdint>
#include <string>
#include <vector>

namespace sb::users {

/// When a forwarding rule applies.
enum class ForwardWhen : std::uint8_t {
    Always,       // every call, without ringing the user
    Busy,         // the user's phones answered busy (486/600)
    NoAnswer,     // nobody answered within `after_seconds`
    Unavailable,  // no phone registered (or none reachable)
};

struct ForwardRule {
    ForwardWhen when = ForwardWhen::Always;
    std::string target;          // a local AOR or any SIP URI ("sip:bob@example.com")
    std::uint32_t after_seconds = 0;  // NoAnswer only: ring this long first

    bool operator==(const ForwardRule&) const = default;
};

struct User {
    std::string aor;           // "sip:alice@example.com"
    std::string display_name;
    std::string ha1_md5;       // hex MD5(user:realm:password), RFC 2617/7616
    std::string ha1_sha256;    // hex SHA-256(user:realm:password), RFC 7616
    bool enabled = true;
    bool do_not_disturb = false;
    std::vector<std::string> blocked;  // caller AORs refused without ringing
    std::vector<ForwardRule> forwards;
    bool redirect = false;     // answer 302 with the contacts instead of proxying
    std::int64_t created_at = 0;

    bool operator==(const User&) const = default;
};

std::string_view to_string(ForwardWhen w);
bool parse_forward_when(std::string_view text, ForwardWhen& out);

/// The user part and the domain of an AOR ("sip:alice@example.com" → "alice", "example.com").
std::pair<std::string, std::string> split_aor(std::string_view aor);

}  // namespace sb::users
