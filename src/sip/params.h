#pragma once

// Parameter lists: ";name=value;flag" after a URI or a header value (RFC 3261 §19.1.1, §25.1).

#include <optional>
#include <string_view>

namespace sb::sip {

struct Param {
    std::string_view name;
    std::string_view value;  // as written, quotes included; empty for a flag
    bool has_value = false;
};

/// Walks a parameter list. `params` is empty or starts with ';'. Whitespace around ';' and '='
/// is skipped (header parameters allow it; URI parameters were already checked to have none).
/// Quoted values may contain ';'.
class ParamCursor {
public:
    explicit ParamCursor(std::string_view params) : rest_(params) {}
    /// The next parameter, or nullopt at the end. A malformed list ends with `error()` set.
    std::optional<Param> next();
    bool error() const { return error_; }

private:
    std::string_view rest_;
    bool error_ = false;
};

/// The value of the first parameter named `name` (ASCII case-insensitive): "" for a flag,
/// nullopt when absent.
std::optional<std::string_view> find_param(std::string_view params, std::string_view name);

/// Checks a header parameter list: every name is a token, every value a token, a host or a
/// quoted string. Returns a static reason on failure, or nullptr.
const char* check_header_params(std::string_view params);

/// Removes surrounding quotes (the escapes stay as written).
std::string_view unquote(std::string_view value);

}  // namespace sb::sip
