#include "protection/scanner_matcher.h"

#include <algorithm>

#include "base/strings.h"

namespace sb::protection {

ScannerMatcher::ScannerMatcher(const std::vector<std::string>& patterns) {
    for (const std::string& p : patterns) {
        if (!p.empty()) {
            patterns_.push_back({to_lower(p), p});
        }
    }
}

std::string_view ScannerMatcher::match(std::string_view user_agent) const {
    for (const Pattern& p : patterns_) {
        auto found = std::search(user_agent.begin(), user_agent.end(), p.lowered.begin(),
                                 p.lowered.end(),
                                 [](char a, char b) { return ascii_lower(a) == b; });
        if (found != user_agent.end()) {
            return p.original;
        }
    }
    return {};
}

}  // namespace sb::protection
