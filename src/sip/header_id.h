#pragma once

// Header identities from headers.def: enum, canonical names, compact forms, arity, lookup.

#include <cstdint>
#include <string_view>

namespace sb::sip {

enum class HeaderId : std::uint8_t {
    Other = 0,  // an extension header Switchboard does not interpret
#define SB_SIP_HEADER(id, name, compact, arity, spec) id,
#include "sip/headers.def"
#undef SB_SIP_HEADER
    Count
};

inline constexpr std::size_t kHeaderIdCount = static_cast<std::size_t>(HeaderId::Count);

enum class HeaderArity : std::uint8_t { Single, List, Repeat };

/// Canonical wire name ("Call-ID"); "" for Other.
std::string_view header_name(HeaderId id);
/// Compact form letter, or 0 when the header has none.
char header_compact(HeaderId id);
HeaderArity header_arity(HeaderId id);
/// Looks up a header by its name as written (any case) or its compact form; Other if unknown.
HeaderId lookup_header(std::string_view name);

}  // namespace sb::sip
