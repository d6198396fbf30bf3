#pragma once

// A hash map keyed by std::string that finds by std::string_view without building a string
// (a Call-ID or an AOR is longer than the small-string buffer: each such lookup allocated).

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sb {

// Deliberately not noexcept: libstdc++ then keeps each key's hash in its node (as it does for
// std::string keys), so a find compares hashes before strings and never re-hashes a
// neighbour's key to see where its bucket ends.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
        return std::hash<std::string_view>{}(key);
    }
};

template <class Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace sb
