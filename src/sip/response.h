#pragma once

// Builds responses to received requests (RFC 3261 §8.2.6).

#include <optional>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace sb::sip {

struct ResponseSpec {
    int status = 200;
    std::string_view reason;         // empty: the default phrase for the code
    std::string_view to_tag;         // added to To when it has none and status > 100
    std::string_view extra_headers;  // whole lines, each ending in CRLF
    std::string_view content_type;   // with a body
    std::string_view body;
};

/// Writes the response to `request` into `out` (which is cleared first). The Via, From, To,
/// Call-ID and CSeq header fields are copied; `top_via` (when not empty) replaces the value of
/// the topmost Via, which is how received/rport reach the response (RFC 3581 §4).
void build_response(std::string& out, const Message& request, const ResponseSpec& spec,
                    std::string_view top_via = {});

/// An answer to bytes that failed to parse, and the port to send it to.
struct ErrorReply {
    std::string bytes;
    unsigned port = 0;  // the source port with rport, else the top Via's sent-by port
};

/// Answers bytes that failed to parse, when they look like a request and hold the header lines
/// a response needs (Via, From, To, Call-ID, CSeq), found without a full parse. The top Via
/// gets received/rport as for any response (RFC 3581 §4) when it can be read. Returns nullopt
/// when no answer is possible (a response, garbage, or one of those lines missing): the bytes
/// are then dropped.
std::optional<ErrorReply> build_error_response(std::string_view raw, int status,
                                               std::string_view reason, std::string_view source_ip,
                                               unsigned source_port);

/// The top Via of a received request as the server must record it (RFC 3261 §18.2.1,
/// RFC 3581 §4): `received` when the sent-by host differs from the source address, and
/// `rport` filled in when the client asked for it. Returns "" when nothing needs to change.
std::string annotate_via(const Via& via, std::string_view source_ip, unsigned source_port);

}  // namespace sb::sip
