// libFuzzer target for the SIP message parser. The input is parsed as a datagram and as one
// stream frame. When parsing succeeds, it does what the proxy does with a message: parses every
// Via, Contact, Route, Record-Route, From and To value, rewrites the message with an Editor
// (new Request-URI, a Via on top, the first header removed) and parses the result, which must
// succeed again. When parsing fails, it builds the error response from the raw bytes.
// Seed it with tests/fuzz/corpus/parse_message.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/buffer.h"
#include "fuzz_check.h"
#include "sip/editor.h"
#include "sip/header_values.h"
#include "sip/name_addr.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/uri.h"
#include "sip/via.h"

namespace {

using namespace sb::sip;

constexpr std::string_view kNewRequestUri = "sip:bob@192.0.2.7:5070;transport=tcp;lr";
constexpr std::string_view kNewVia = "SIP/2.0/TCP 203.0.113.9:5061;branch=z9hG4bKfuzz.1;rport";

bool within(std::string_view part, std::string_view whole) {
    if (part.data() == nullptr) {
        return part.empty();
    }
    return part.data() >= whole.data() &&
           part.data() + part.size() <= whole.data() + whole.size();
}

void use_uri(const Uri& uri) {
    if (uri.is_sip()) {
        std::string aor = address_of_record(uri);
        FUZZ_CHECK(aor.starts_with("sip:"));
        (void)is_ip_literal(uri.host_address());
    }
    (void)uri.param("transport");
    (void)uri.has_param("lr");
    (void)unescape(uri.user);
}

bool use_name_addr(std::string_view value) {
    auto na = parse_name_addr(value);
    if (!na) {
        return false;
    }
    use_uri(na->uri);
    (void)na->tag();
    (void)na->param("expires");
    return true;
}

bool use_via(std::string_view value) {
    auto via = parse_via(value);
    if (!via) {
        return false;
    }
    (void)via->rfc3261_branch();
    (void)via->param("maddr");
    (void)annotate_via(*via, "198.51.100.1", 5060);
    return true;
}

// Parses every value of the headers a proxy acts on. The parser checks all of them in requests
// (RFC 3261 §16.3) and From/To in every message, so those must parse here too.
void use_headers(const Message& msg) {
    const bool request = msg.is_request();
    for (const HeaderField& h : msg.headers()) {
        switch (h.id) {
            case HeaderId::Via: {
                bool ok = for_each_list_value(h.value, [&](std::string_view v) {
                    FUZZ_CHECK(use_via(v) || !request);
                    return true;
                });
                FUZZ_CHECK(ok || !request);
                break;
            }
            case HeaderId::Contact:
            case HeaderId::Route:
            case HeaderId::RecordRoute: {
                if (h.id == HeaderId::Contact && h.value == "*") {
                    break;
                }
                bool ok = for_each_list_value(h.value, [&](std::string_view v) {
                    FUZZ_CHECK(use_name_addr(v) || !request);
                    return true;
                });
                FUZZ_CHECK(ok || !request);
                break;
            }
            case HeaderId::From:
            case HeaderId::To: {
                FUZZ_CHECK(use_name_addr(h.value));
                auto na = parse_name_addr(h.value);
                FUZZ_CHECK(na->tag() == (h.id == HeaderId::From ? msg.from_tag() : msg.to_tag()));
                break;
            }
            default:
                break;
        }
    }
}

// Structural invariants of a parsed message: every view lies inside the message's buffer and
// the offsets are in order.
void check_index(const Message& msg) {
    std::string_view all(msg.base(), msg.offset_of(msg.bytes()) + msg.bytes().size());
    FUZZ_CHECK(within(msg.bytes(), all));
    FUZZ_CHECK(within(msg.start_line(), msg.bytes()));
    FUZZ_CHECK(msg.start_line_end() <= msg.headers_end());
    FUZZ_CHECK(msg.headers_end() <= msg.offset_of(msg.bytes()) + msg.bytes().size());
    std::uint32_t previous_end = msg.start_line_end();
    for (const HeaderField& h : msg.headers()) {
        FUZZ_CHECK(h.line_begin == previous_end);
        FUZZ_CHECK(h.line_begin < h.line_end && h.line_end <= msg.headers_end());
        std::string_view line(msg.base() + h.line_begin, h.line_end - h.line_begin);
        FUZZ_CHECK(within(h.name, line) && within(h.value, line));
        previous_end = h.line_end;
    }
    FUZZ_CHECK(previous_end == msg.headers_end());
    FUZZ_CHECK(within(msg.body(), msg.bytes()));
    FUZZ_CHECK(msg.body().empty() || msg.offset_of(msg.body()) >= msg.headers_end());
    FUZZ_CHECK(!msg.call_id().empty());
    if (msg.is_request()) {
        FUZZ_CHECK(parse_uri(msg.request_uri()).has_value());
        FUZZ_CHECK(msg.cseq().method_text == msg.method_text());
    } else {
        FUZZ_CHECK(msg.status() >= 100 && msg.status() <= 699);
    }
}

void edit_and_reparse(const Message& msg, const ParseOptions& options) {
    // The header to remove: the first one the message can do without (From, To, Call-ID and
    // CSeq are required; a Via is about to be added). There always is one: the first Via.
    const HeaderField* removed = nullptr;
    for (const HeaderField& h : msg.headers()) {
        if (h.id != HeaderId::From && h.id != HeaderId::To && h.id != HeaderId::CallId &&
            h.id != HeaderId::CSeq) {
            removed = &h;
            break;
        }
    }
    FUZZ_CHECK(removed != nullptr);
    const HeaderField* first_via = msg.first(HeaderId::Via);
    FUZZ_CHECK(first_via != nullptr);

    // Added out of order on purpose: the Editor sorts, and at one offset the insertion must
    // come before the removal (they meet when the first Via line is the one removed).
    Editor editor(msg);
    editor.remove_header(*removed);
    if (msg.is_request()) {
        editor.replace(msg.request_uri(), kNewRequestUri);
    }
    editor.insert_header_before(*first_via, "Via", kNewVia);
    std::string out = editor.str();
    FUZZ_CHECK(out.size() == editor.size());

    auto again = parse_message(out, options);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->is_request() == msg.is_request());
    FUZZ_CHECK(again->top_via().text == kNewVia);
    FUZZ_CHECK(again->call_id() == msg.call_id());
    FUZZ_CHECK(again->cseq().number == msg.cseq().number);
    FUZZ_CHECK(again->headers().size() == msg.headers().size());
    if (msg.is_request()) {
        FUZZ_CHECK(again->request_uri() == kNewRequestUri);
        FUZZ_CHECK(again->method_text() == msg.method_text());
    } else {
        FUZZ_CHECK(again->status() == msg.status());
    }
    // Removing Content-Length from a stream frame leaves the body out (no length, no body).
    if (removed->id != HeaderId::ContentLength || !options.stream) {
        FUZZ_CHECK(again->body() == msg.body());
    }
    check_index(*again);
}

void parsed(const Message& msg, const ParseOptions& options) {
    check_index(msg);
    use_headers(msg);
    edit_and_reparse(msg, options);
}

void failed(std::string_view input, const ParseError& error) {
    FUZZ_CHECK(!error.reason.empty() && !error.element.empty());
    FUZZ_CHECK(error.status == 400 || error.status == 505);
    auto reply = build_error_response(input, error.status, error.text(), "198.51.100.1", 40000);
    if (reply) {
        FUZZ_CHECK(reply->bytes.starts_with("SIP/2.0 "));
        FUZZ_CHECK(reply->bytes.ends_with("\r\n\r\n"));
        FUZZ_CHECK(reply->port != 0 && reply->port <= 65535);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);

    // Datagram, through the convenience overload.
    const ParseOptions datagram{};
    if (auto msg = parse_message(input, datagram)) {
        parsed(*msg, datagram);
    } else {
        failed(input, msg.error());
    }

    // Stream frame, the way the transport does it: the buffer moves in and comes back intact
    // when parsing fails, to answer from.
    const ParseOptions stream{.stream = true};
    sb::Buffer buffer = sb::Buffer::copy_of(input);
    if (auto msg = parse_message(std::move(buffer), stream)) {
        parsed(*msg, stream);
    } else {
        FUZZ_CHECK(buffer.view() == input);
        failed(buffer.view(), msg.error());
    }
    return 0;
}
