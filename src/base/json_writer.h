#pragma once

// Writes one JSON object straight into a string, field by field, for logs written on every
// call event: building a tree first (nlohmann-json) costs more than the rest of the line.
// Text is escaped as RFC 8259 asks; bytes that are not UTF-8 become U+FFFD, so a display name
// in Latin-1 still gives a line every JSON reader accepts.

#include <cstdint>
#include <string>
#include <string_view>

namespace sb {

class JsonObjectWriter {
public:
    /// Appends to `out`, starting with '{'; finish() adds the '}'.
    explicit JsonObjectWriter(std::string& out);

    void put(std::string_view key, std::string_view text);
    void put(std::string_view key, const char* text) { put(key, std::string_view(text)); }
    void put(std::string_view key, std::int64_t number);
    void put(std::string_view key, int number) { put(key, static_cast<std::int64_t>(number)); }
    /// NaN and infinities have no JSON form: written as null.
    void put(std::string_view key, double number);
    void put(std::string_view key, bool value);
    void put_null(std::string_view key);
    /// `json` must already be one valid JSON value (checked by the caller).
    void put_raw(std::string_view key, std::string_view json);
    /// An array of strings.
    template <class Strings>
    void put_strings(std::string_view name, const Strings& items) {
        key(name);
        append_json_strings(out_, items);
    }
    void finish() { out_ += '}'; }

    /// Appends `text` as a quoted JSON string.
    static void append_json_string(std::string& out, std::string_view text);
    /// Appends `items` as a JSON array of strings.
    template <class Strings>
    static void append_json_strings(std::string& out, const Strings& items) {
        out += '[';
        bool first = true;
        for (const auto& item : items) {
            if (!first) {
                out += ',';
            }
            first = false;
            append_json_string(out, item);
        }
        out += ']';
    }

private:
    void key(std::string_view name);

    std::string& out_;
    bool first_ = true;
};

}  // namespace sb
