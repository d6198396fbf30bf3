#pragma once

// Splitting comma-separated header values (RFC 3261 §7.3.1) without copying.

#include <string_view>

#include "base/strings.h"

namespace sb::sip {

/// Calls `f(value)` for each trimmed value of a comma list. Commas inside quoted strings and
/// inside <...> are not separators. Empty elements (",,") are skipped. Returns false when the
/// list is malformed (an unterminated quote or bracket); `f` returning false stops the walk.
template <class F>
bool for_each_list_value(std::string_view list, F&& f) {
    bool in_quotes = false;
    bool in_angle = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= list.size(); ++i) {
        if (i < list.size()) {
            char c = list[i];
            if (in_quotes) {
                if (c == '\\') {
                    ++i;
                } else if (c == '"') {
                    in_quotes = false;
                }
                continue;
            }
            if (c == '"') {
                in_quotes = true;
                continue;
            }
            if (c == '<') {
                in_angle = true;
            } else if (c == '>') {
                in_angle = false;
            }
            if (c != ',' || in_angle) {
                continue;
            }
        }
        std::string_view item = trim(list.substr(start, (i < list.size() ? i : list.size()) - start));
        start = i + 1;
        if (!item.empty() && !f(item)) {
            return true;
        }
    }
    return !in_quotes && !in_angle;
}

}  // namespace sb::sip
