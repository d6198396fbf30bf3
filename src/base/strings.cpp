#include "base/strings.h"

#include <charconv>

namespace sb {

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

namespace {
template <class T>
std::optional<T> parse_unsigned(std::string_view s) {
    if (s.empty()) {
        return std::nullopt;
    }
    T value{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}
}  // namespace

std::optional<std::uint32_t> parse_u32(std::string_view s) { return parse_unsigned<std::uint32_t>(s); }
std::optional<std::uint64_t> parse_u64(std::string_view s) { return parse_unsigned<std::uint64_t>(s); }

}  // namespace sb
