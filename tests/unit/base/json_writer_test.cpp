#include "base/json_writer.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sb {
namespace {

std::string as_json_string(std::string_view text) {
    std::string out;
    JsonObjectWriter::append_json_string(out, text);
    return out;
}

TEST(JsonWriter, ObjectWithEveryKindOfValue) {
    std::string line;
    JsonObjectWriter w(line);
    w.put("text", "a \"b\" \\ c");
    w.put("n", std::int64_t{-42});
    w.put("i", 7);
    w.put("whole", 42.0);
    w.put("half", 3.5);
    w.put("nan", std::nan(""));
    w.put("yes", true);
    w.put_null("none");
    w.put_raw("raw", R"({"lost":3})");
    w.put_strings("list", std::vector<std::string>{"x", "y"});
    w.finish();
    EXPECT_EQ(line,
              R"({"text":"a \"b\" \\ c","n":-42,"i":7,"whole":42.0,"half":3.5,"nan":null,)"
              R"("yes":true,"none":null,"raw":{"lost":3},"list":["x","y"]})");
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["whole"], 42.0);
    EXPECT_TRUE(j["whole"].is_number_float());
    EXPECT_EQ(j["raw"]["lost"], 3);
}

TEST(JsonWriter, ControlCharactersAreEscaped) {
    EXPECT_EQ(as_json_string("a\nb\tc\r\x01\x1f\b\f"), R"("a\nb\tc\r\u0001\u001f\b\f")");
    EXPECT_EQ(nlohmann::json::parse(as_json_string("line\nbreak")), "line\nbreak");
}

TEST(JsonWriter, ValidUtf8PassesUnchanged) {
    const std::string text = "Obsaden\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x9E";  // é € 📞
    EXPECT_EQ(as_json_string(text), "\"" + text + "\"");
    EXPECT_EQ(nlohmann::json::parse(as_json_string(text)), text);
}

TEST(JsonWriter, InvalidUtf8BecomesReplacementCharacters) {
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(as_json_string("Bad \xff UTF-8"), "\"Bad " + fffd + " UTF-8\"");
    EXPECT_EQ(as_json_string("\xC0\xAF"), "\"" + fffd + fffd + "\"");        // overlong '/'
    EXPECT_EQ(as_json_string("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");  // a surrogate
    EXPECT_EQ(as_json_string("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
    EXPECT_EQ(as_json_string("cut \xE2\x82"), "\"cut " + fffd + fffd + "\"");  // truncated at the end
    // Whatever the bytes, the result is JSON a strict reader accepts.
    std::string all;
    for (int b = 0; b < 256; ++b) {
        all += static_cast<char>(b);
    }
    EXPECT_TRUE(nlohmann::json::accept(as_json_string(all)));
}

TEST(JsonWriter, EveryByteIsFoundWhereverItFallsInALongRun) {
    // Plain text is scanned eight bytes at a time: each byte that needs escaping, and the
    // bytes around the edges of what it may take as plain (0x1f/0x20, 0x7f/0x80), at every
    // offset of a run longer than one step, against what nlohmann's writer makes of it.
    for (int b = 1; b < 256; ++b) {
        for (std::size_t at = 0; at < 19; ++at) {
            std::string text(19, 'x');
            text[at] = static_cast<char>(b);
            std::string ours = as_json_string(text);
            if (b < 0x80) {
                EXPECT_EQ(ours, nlohmann::json(text).dump()) << "byte " << b << " at " << at;
            } else {
                // Alone, a byte above 0x7f is never valid UTF-8: it is replaced, not passed on.
                EXPECT_EQ(ours, "\"" + text.substr(0, at) + "\xEF\xBF\xBD" +
                                    text.substr(at + 1) + "\"")
                    << "byte " << b << " at " << at;
            }
        }
    }
}

}  // namespace
}  // namespace sb
