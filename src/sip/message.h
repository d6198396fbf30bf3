#pragma once

// A SIP message: the bytes as received plus an index of views into them (RFC 3261 §7).
// Nothing is copied out of the buffer; the views stay valid for the life of the Message, which
// may be moved freely (the bytes live in an immovable Buffer).

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "base/block_cache.h"
#include "base/buffer.h"
#include "sip/header_id.h"
#include "sip/method.h"
#include "sip/via.h"

namespace sb::sip {

struct HeaderField {
    HeaderId id = HeaderId::Other;
    std::string_view name;        // as written
    std::string_view value;       // trimmed; folded continuation lines stay inside
    std::uint32_t line_begin = 0; // offset of the first byte of the header line
    std::uint32_t line_end = 0;   // offset just past the line's terminator (continuations included)
};

struct CSeq {
    std::uint32_t number = 0;
    Method method = Method::Unknown;
    std::string_view method_text;
};

// A message kept on the heap (a transaction's request, one per request received) is larger
// than glibc's thread cache serves: it takes a cached block (base/block_cache.h).
class Message : public CachedAllocation<Message> {
public:
    Message() = default;
    Message(Message&&) noexcept = default;
    Message& operator=(Message&&) noexcept = default;
    Message(const Message&) = delete;
    Message& operator=(const Message&) = delete;

    /// The message bytes (leading CRLFs and anything past Content-Length excluded).
    std::string_view bytes() const { return bytes_; }
    std::size_t offset_of(std::string_view view) const {
        return static_cast<std::size_t>(view.data() - buffer_.data());
    }
    const char* base() const { return buffer_.data(); }

    bool is_request() const { return status_ == 0; }
    bool is_response() const { return status_ != 0; }

    // Request line.
    Method method() const { return method_; }
    std::string_view method_text() const { return method_text_; }
    std::string_view request_uri() const { return request_uri_; }
    // Status line.
    int status() const { return status_; }
    std::string_view reason() const { return reason_; }
    /// The first line without its terminator.
    std::string_view start_line() const { return start_line_; }
    /// Offset just past the start line's terminator: where new headers can be inserted.
    std::uint32_t start_line_end() const { return start_line_end_; }
    /// Offset of the empty line that ends the header section.
    std::uint32_t headers_end() const { return headers_end_; }

    std::span<const HeaderField> headers() const { return {headers_.data(), headers_.size()}; }
    /// The first header line with this id, or nullptr.
    const HeaderField* first(HeaderId id) const {
        auto i = first_[static_cast<std::size_t>(id)];
        return i == 0 ? nullptr : &headers_[static_cast<std::size_t>(i - 1)];
    }
    std::size_t count(HeaderId id) const;
    /// The value of the first line with this id, or "".
    std::string_view value(HeaderId id) const {
        const HeaderField* h = first(id);
        return h ? h->value : std::string_view{};
    }
    /// Finds an extension header by name (any case).
    const HeaderField* find(std::string_view name) const;

    std::string_view body() const { return body_; }
    /// True for a datagram that ended after its last header line without the empty line; a
    /// serializer must add it.
    bool implied_empty_line() const { return implied_empty_line_; }

    // What every message has, parsed once by the parser (RFC 3261 §8.1.1).
    const Via& top_via() const { return top_via_; }
    std::string_view call_id() const { return call_id_; }
    const CSeq& cseq() const { return cseq_; }
    std::string_view from_tag() const { return from_tag_; }
    std::string_view to_tag() const { return to_tag_; }
    /// Max-Forwards value, or -1 when absent.
    int max_forwards() const { return max_forwards_; }

private:
    friend class Parser;

    Buffer buffer_;
    std::string_view bytes_;
    std::string_view start_line_;
    std::string_view method_text_;
    std::string_view request_uri_;
    std::string_view reason_;
    std::string_view body_;
    boost::container::small_vector<HeaderField, 20> headers_;
    std::array<std::uint8_t, kHeaderIdCount> first_{};  // index + 1 into headers_, 0 = none
    Via top_via_;
    CSeq cseq_;
    std::string_view call_id_;
    std::string_view from_tag_;
    std::string_view to_tag_;
    std::uint32_t start_line_end_ = 0;
    std::uint32_t headers_end_ = 0;
    int status_ = 0;
    int max_forwards_ = -1;
    Method method_ = Method::Unknown;
    bool implied_empty_line_ = false;
};

}  // namespace sb::sip
