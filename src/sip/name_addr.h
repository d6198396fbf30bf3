#pragma once

// name-addr / addr-spec values of From, To, Contact, Route, Record-Route, Path, Refer-To...
// (RFC 3261 §20.10 and §25.1).

#include <optional>
#include <string_view>

#include "base/result.h"
#include "sip/uri.h"

namespace sb::sip {

struct NameAddr {
    std::string_view text;          // the whole value as written
    std::string_view display_name;  // as written (quotes kept), or empty
    Uri uri;
    std::string_view params;  // header parameters after the URI (";tag=x"), or empty
    bool bracketed = false;   // the URI was enclosed in <>

    std::optional<std::string_view> param(std::string_view name) const;
    /// The tag parameter, or "" when there is none.
    std::string_view tag() const;
};

/// Parses one value (not a comma list). Errors are static phrases for a 400 reason.
Expected<NameAddr, const char*> parse_name_addr(std::string_view value);

}  // namespace sb::sip
