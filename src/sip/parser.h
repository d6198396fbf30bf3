#pragma once

// The SIP message parser (RFC 3261 §7, §20, §25). It indexes a buffer without copying it and
// checks what every element of a proxy relies on; anything it rejects gets a precise reason.

#include <cstddef>

#include "base/buffer.h"
#include "base/result.h"
#include "sip/message.h"
#include "sip/parse_error.h"

namespace sb::sip {

struct ParseOptions {
    /// The buffer holds exactly one framed message from a stream transport (see Framer): the
    /// body is Content-Length bytes. For datagrams, a body shorter than Content-Length is an
    /// error and bytes past it are ignored (RFC 3261 §18.3).
    bool stream = false;
    /// Header lines beyond this make the message invalid (hard limit 250).
    std::size_t max_headers = 200;
};

/// Takes ownership of `bytes` and indexes them as one SIP message. On failure `bytes` is left
/// as it was, so the caller can still answer from it (see build_error_response).
Expected<Message, ParseError> parse_message(Buffer&& bytes, const ParseOptions& options = {});

/// Convenience for tests and tools: copies `bytes` first.
Expected<Message, ParseError> parse_message(std::string_view bytes, const ParseOptions& options = {});

}  // namespace sb::sip
