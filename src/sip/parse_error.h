#pragma once

#include <string>
#include <string_view>

namespace sb::sip {

/// Why bytes are not a valid SIP message, precise enough to be the reason phrase of the `400`
/// that answers them ("Bad CSeq: sequence number too large").
struct ParseError {
    int status = 400;                // 400, or 505 for an unsupported SIP version
    std::string_view element;        // "Via", "Request-Line", "Content-Length", ...
    std::string_view reason;         // static text

    /// The phrase for the response status line.
    std::string text() const {
        if (status == 505) {
            return "Version Not Supported";
        }
        std::string out = "Bad ";
        out += element;
        out += ": ";
        out += reason;
        return out;
    }
};

}  // namespace sb::sip
