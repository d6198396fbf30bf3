#pragma once

// Rewrites a message as a list of edits against its original bytes (insert, remove, replace),
// so what did not change is copied through untouched and never re-serialised.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

#include "sip/message.h"

namespace sb::sip {

class Editor {
public:
    explicit Editor(const Message& msg) : msg_(msg) {}

    /// Inserts `text` before the byte at `offset` (offsets are into msg.base()).
    void insert(std::size_t offset, std::string_view text) { replace(offset, offset, text); }
    void remove(std::size_t begin, std::size_t end) { replace(begin, end, {}); }
    /// Replaces [begin, end) with `text`. Edits must not overlap each other.
    void replace(std::size_t begin, std::size_t end, std::string_view text);
    void replace(std::string_view part, std::string_view text) {
        auto b = msg_.offset_of(part);
        replace(b, b + part.size(), text);
    }

    /// Adds a whole header line ("Name: value") before the existing header `before`.
    void insert_header_before(const HeaderField& before, std::string_view name, std::string_view value);
    /// Adds a header line right after the start line (before every other header).
    void insert_header_first(std::string_view name, std::string_view value);
    /// Adds a header line at the end of the header section.
    void append_header(std::string_view name, std::string_view value);
    /// Removes a whole header line, continuations included.
    void remove_header(const HeaderField& h) { remove(h.line_begin, h.line_end); }
    /// Replaces the body and rewrites (or adds) Content-Length to match.
    void set_body(std::string_view body);
    /// Makes sure Content-Length is present (required on stream transports).
    void ensure_content_length();

    /// Size of the message after the edits.
    std::size_t size() const;
    /// Appends the edited message to `out`.
    void write_to(std::string& out) const;
    std::string str() const {
        std::string out;
        write_to(out);
        return out;
    }

private:
    struct Edit {
        std::uint32_t begin;
        std::uint32_t end;
        std::uint32_t text_offset;
        std::uint32_t text_size;
        std::uint32_t order;
    };
    void sort() const;

    void add(Edit e);

    const Message& msg_;
    // A forwarded request takes about five edits and 200 bytes of new text (Via, Record-Route,
    // Max-Forwards): held inside the editor, they cost no allocation.
    mutable boost::container::small_vector<Edit, 8> edits_;
    mutable bool sorted_ = true;
    // Inserted text, referenced by offset so growth cannot dangle.
    boost::container::small_vector<char, 384> arena_;
    bool content_length_done_ = false;
};

}  // namespace sb::sip
