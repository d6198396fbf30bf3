#include "sip/editor.h"

#include <algorithm>
#include <cassert>
#include <charconv>

namespace sb::sip {

namespace {

void append(boost::container::small_vector_base<char>& to, std::string_view text) {
    to.insert(to.end(), text.begin(), text.end());
}

}  // namespace

void Editor::add(Edit e) {
    if (!edits_.empty() && edits_.back().begin >= e.begin) {
        sorted_ = false;
    }
    edits_.push_back(e);
}

void Editor::replace(std::size_t begin, std::size_t end, std::string_view text) {
    assert(begin <= end);
    Edit e{static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end),
           static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(text.size()),
           static_cast<std::uint32_t>(edits_.size())};
    append(arena_, text);
    add(e);
}

void Editor::insert_header_before(const HeaderField& before, std::string_view name,
                                  std::string_view value) {
    std::size_t at = before.line_begin;
    Edit e{static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(at),
           static_cast<std::uint32_t>(arena_.size()), 0, static_cast<std::uint32_t>(edits_.size())};
    for (std::string_view part : {name, std::string_view(": "), value, std::string_view("\r\n")}) {
        append(arena_, part);
    }
    e.text_size = static_cast<std::uint32_t>(arena_.size() - e.text_offset);
    add(e);
}

void Editor::insert_header_first(std::string_view name, std::string_view value) {
    HeaderField at;
    at.line_begin = msg_.start_line_end();
    insert_header_before(at, name, value);
}

void Editor::append_header(std::string_view name, std::string_view value) {
    HeaderField at;
    at.line_begin = msg_.headers_end();
    insert_header_before(at, name, value);
}

void Editor::set_body(std::string_view body) {
    std::size_t b = msg_.offset_of(msg_.body());
    replace(b, b + msg_.body().size(), body);
    char digits[16];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), body.size());
    std::string_view len(digits, static_cast<std::size_t>(end - digits));
    if (const HeaderField* cl = msg_.first(HeaderId::ContentLength)) {
        replace(cl->value, len);
    } else {
        append_header("Content-Length", len);
    }
    content_length_done_ = true;
}

void Editor::ensure_content_length() {
    if (content_length_done_ || msg_.first(HeaderId::ContentLength) != nullptr) {
        return;
    }
    char digits[16];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), msg_.body().size());
    append_header("Content-Length", std::string_view(digits, static_cast<std::size_t>(end - digits)));
    content_length_done_ = true;
}

void Editor::sort() const {
    if (!sorted_) {
        // At one offset, insertions go before a replaced or removed range that starts there;
        // otherwise edits keep the order they were made in. `order` makes every two edits
        // compare unequal, so a plain sort is stable here (stable_sort would allocate).
        std::sort(edits_.begin(), edits_.end(), [](const Edit& a, const Edit& b) {
            if (a.begin != b.begin) {
                return a.begin < b.begin;
            }
            bool a_insert = a.begin == a.end;
            bool b_insert = b.begin == b.end;
            return a_insert != b_insert ? a_insert : a.order < b.order;
        });
        sorted_ = true;
    }
}

std::size_t Editor::size() const {
    std::size_t n = msg_.bytes().size() + (msg_.implied_empty_line() ? 2 : 0);
    for (const Edit& e : edits_) {
        n = n - (e.end - e.begin) + e.text_size;
    }
    return n;
}

void Editor::write_to(std::string& out) const {
    sort();
    const char* base = msg_.base();
    std::size_t pos = msg_.offset_of(msg_.bytes());
    const std::size_t stop = pos + msg_.bytes().size();
    out.reserve(out.size() + size());
    for (const Edit& e : edits_) {
        assert(e.begin >= pos);
        out.append(base + pos, e.begin - pos);
        out.append(arena_.data() + e.text_offset, e.text_size);
        pos = e.end;
    }
    out.append(base + pos, stop - pos);
    if (msg_.implied_empty_line()) {
        out.append("\r\n");
    }
}

}  // namespace sb::sip
