#include "sip/phrase_table.h"

#include "sip/status.h"

namespace sb::sip {

std::string_view PhraseTable::phrase(int status) const {
    auto it = phrases_.find(status);
    return it != phrases_.end() ? std::string_view(it->second) : default_reason(status);
}

std::string PhraseTable::phrase(int status, std::string_view detail) const {
    std::string out(phrase(status));
    if (!detail.empty()) {
        out.append(" (").append(detail).append(")");
    }
    return out;
}

std::string_view PhraseTable::explanation(int status) const {
    auto it = explanations_.find(status);
    return it != explanations_.end() ? std::string_view(it->second) : std::string_view{};
}

std::string PhraseTable::warning_line(int status, std::string_view agent) const {
    std::string_view text = explanation(status);
    if (text.empty()) {
        return {};
    }
    // warning-value = warn-code SP warn-agent SP warn-text (a quoted-string); 399: miscellaneous.
    std::string out = "Warning: 399 ";
    out.append(agent.empty() ? "switchboard" : agent).append(" \"");
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
        }
        if (c != '\r' && c != '\n') {
            out.push_back(c);
        }
    }
    out.append("\"\r\n");
    return out;
}

}  // namespace sb::sip
