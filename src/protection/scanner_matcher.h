#pragma once

// Recognises the User-Agent of SIP scanners (SIPVicious "friendly-scanner", sipcli, ...), the
// first step of most toll-fraud attempts. Matching is by substring, ASCII case-insensitive,
// because scanners vary versions and suffixes ("friendly-scanner", "sipvicious 0.3.4").

#include <string>
#include <string_view>
#include <vector>

namespace sb::protection {

class ScannerMatcher {
public:
    /// `patterns` must not contain empty strings (the configuration refuses them).
    explicit ScannerMatcher(const std::vector<std::string>& patterns);

    /// The pattern (as configured) found in `user_agent`, or an empty view. Allocates nothing.
    std::string_view match(std::string_view user_agent) const;
    bool empty() const { return patterns_.empty(); }

private:
    struct Pattern {
        std::string lowered;
        std::string original;
    };
    std::vector<Pattern> patterns_;
};

}  // namespace sb::protection
