#include "base/json_writer.h"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace sb {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629 §4: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    auto tail = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
        return i < s.size() && byte(i) >= lo && byte(i) <= hi;
    };
    unsigned char b = byte(0);
    if (b >= 0xC2 && b <= 0xDF) {
        return tail(1) ? 2 : 0;
    }
    if (b >= 0xE0 && b <= 0xEF) {
        unsigned char lo = b == 0xE0 ? 0xA0 : 0x80;
        unsigned char hi = b == 0xED ? 0x9F : 0xBF;
        return tail(1, lo, hi) && tail(2) ? 3 : 0;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        unsigned char lo = b == 0xF0 ? 0x90 : 0x80;
        unsigned char hi = b == 0xF4 ? 0x8F : 0xBF;
        return tail(1, lo, hi) && tail(2) && tail(3) ? 4 : 0;
    }
    return 0;
}

// Where the run of bytes at `from` that JSON takes as they are ends: the first control
// character, quote, backslash or non-ASCII byte, or the end. Eight bytes at a time: a call
// log line is a thousand bytes of mostly plain text.
std::size_t plain_run_end(std::string_view text, std::size_t from) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    // A byte of x is zero (exact for "any byte", which is all this asks).
    auto has_zero = [](std::uint64_t x) { return ((x - kOnes) & ~x & kHighs) != 0; };
    std::size_t i = from;
    while (i + 8 <= text.size()) {
        std::uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        if ((w & kHighs) != 0 || ((w - 0x20 * kOnes) & ~w & kHighs) != 0 ||
            has_zero(w ^ ('"' * kOnes)) || has_zero(w ^ ('\\' * kOnes))) {
            break;
        }
        i += 8;
    }
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
            break;
        }
        ++i;
    }
    return i;
}

}  // namespace

JsonObjectWriter::JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }

void JsonObjectWriter::key(std::string_view name) {
    if (!first_) {
        out_ += ',';
    }
    first_ = false;
    append_json_string(out_, name);
    out_ += ':';
}

void JsonObjectWriter::put(std::string_view name, std::string_view text) {
    key(name);
    append_json_string(out_, text);
}

void JsonObjectWriter::put(std::string_view name, std::int64_t number) {
    key(name);
    fmt::format_to(std::back_inserter(out_), "{}", number);
}

void JsonObjectWriter::put(std::string_view name, double number) {
    key(name);
    if (!std::isfinite(number)) {
        out_ += "null";
        return;
    }
    // Shortest text that reads back as the same double; a whole number keeps its ".0" so
    // readers see a float, as they did in every earlier line.
    auto start = out_.size();
    fmt::format_to(std::back_inserter(out_), "{}", number);
    if (out_.find_first_of(".eE", start) == std::string::npos) {
        out_ += ".0";
    }
}

void JsonObjectWriter::put(std::string_view name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
}

void JsonObjectWriter::put_null(std::string_view name) {
    key(name);
    out_ += "null";
}

void JsonObjectWriter::put_raw(std::string_view name, std::string_view json) {
    key(name);
    out_ += json;
}

void JsonObjectWriter::append_json_string(std::string& out, std::string_view text) {
    out += '"';
    std::size_t i = 0;
    while (i < text.size()) {
        // Copy the run of bytes that need nothing done to them in one go.
        std::size_t run = plain_run_end(text, i);
        out.append(text.data() + i, run - i);
        i = run;
        if (i == text.size()) {
            break;
        }
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            std::size_t n = utf8_sequence(text.substr(i));
            if (n == 0) {
                out += kReplacement;
                ++i;
            } else {
                out.append(text.data() + i, n);
                i += n;
            }
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: fmt::format_to(std::back_inserter(out), "\\u{:04x}", c); break;
        }
        ++i;
    }
    out += '"';
}

}  // namespace sb
