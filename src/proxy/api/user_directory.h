#pragma once

#include <string_view>

namespace sb::proxy {

/// Tells whether an address-of-record belongs to a known user, registered or not: a known user
/// without bindings is "480 Temporarily Unavailable", an unknown one "404 Not Found".
class UserDirectory {
public:
    virtual ~UserDirectory() = default;
    virtual bool exists(std::string_view aor) const = 0;
};

/// Used when there is no user database: only registered AORs are known.
class NoUserDirectory final : public UserDirectory {
public:
    bool exists(std::string_view) const override { return false; }
};

}  // namespace sb::proxy
