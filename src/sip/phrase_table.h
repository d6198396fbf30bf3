#pragma once

// Reason phrases for the responses the server generates or relays: a table per language,
// with overrides from the configuration ("486 = Obsadené"), and optional explanations sent in
// a Warning header (RFC 3261 §20.43) with generated error responses.

#include <map>
#include <string>
#include <string_view>

namespace sb::sip {

class PhraseTable {
public:
    /// The phrase for a status: the table's, or the RFC 3261 phrase when the table has none.
    std::string_view phrase(int status) const;
    /// The phrase followed by a detail in parentheses ("Forbidden (relaying denied)").
    std::string phrase(int status, std::string_view detail) const;
    /// True when the table has its own phrase for this status (not the RFC default).
    bool has(int status) const { return phrases_.count(status) != 0; }
    void set(int status, std::string phrase) { phrases_[status] = std::move(phrase); }

    /// The explanation to send in a Warning header with a generated response, or "".
    std::string_view explanation(int status) const;
    void set_explanation(int status, std::string text) { explanations_[status] = std::move(text); }
    /// The Warning header line for a generated response ("" when there is no explanation).
    std::string warning_line(int status, std::string_view agent) const;

    /// Whether relayed responses get the table's phrase too (only the phrase changes).
    bool rewrite_relayed = false;

private:
    std::map<int, std::string> phrases_;
    std::map<int, std::string> explanations_;
};

}  // namespace sb::sip
