#include "sip/parser.h"

#include <algorithm>

#include "base/strings.h"
#include "sip/charsets.h"
#include "sip/header_values.h"
#include "sip/name_addr.h"
#include "sip/uri.h"

namespace sb::sip {

class Parser {
public:
    Parser(Message& msg, const ParseOptions& options) : msg_(msg), options_(options) {}

    static Expected<Message, ParseError> parse(Buffer&& bytes, const ParseOptions& options);

    /// Returns the error, or a ParseError with an empty reason when the message is valid.
    ParseError run();

private:
    static ParseError bad(std::string_view element, std::string_view reason, int status = 400) {
        return ParseError{status, element, reason};
    }

    // A line of the header section: [begin, content_end) is the text, `next` the offset after
    // its terminator (CRLF, or a bare LF, which many stacks send and we tolerate).
    struct Line {
        std::size_t begin;
        std::size_t content_end;
        std::size_t next;
    };
    bool next_line(std::size_t from, Line& line) const;

    ParseError parse_request_line(std::string_view line);
    ParseError parse_status_line(std::string_view line);
    ParseError parse_headers(std::size_t from, std::size_t& body_offset);
    ParseError frame_body(std::size_t body_offset);
    ParseError check_essentials();
    ParseError check_request_headers();

    Message& msg_;
    const ParseOptions& options_;
    std::string_view data_;
};

namespace {

constexpr bool is_sp_or_tab(char c) { return c == ' ' || c == '\t'; }

// SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; only 2.0 is supported.
int check_version(std::string_view v) {
    if (v.size() == 7 && istarts_with(v, "SIP/") && v.substr(4) == "2.0") {
        return 0;
    }
    if (istarts_with(v, "SIP/") && v.size() > 6) {
        std::string_view nums = v.substr(4);
        std::size_t dot = nums.find('.');
        if (dot != std::string_view::npos && parse_u32(nums.substr(0, dot)) &&
            parse_u32(nums.substr(dot + 1))) {
            return 505;
        }
    }
    return 400;
}

}  // namespace

bool Parser::next_line(std::size_t from, Line& line) const {
    std::size_t lf = data_.find('\n', from);
    if (lf == std::string_view::npos) {
        return false;
    }
    line.begin = from;
    line.content_end = (lf > from && data_[lf - 1] == '\r') ? lf - 1 : lf;
    line.next = lf + 1;
    return true;
}

ParseError Parser::run() {
    data_ = msg_.buffer_.view();
    std::size_t pos = 0;
    // RFC 3261 §7.5: ignore CRLFs before the start line.
    while (pos < data_.size() && (data_[pos] == '\r' || data_[pos] == '\n')) {
        ++pos;
    }
    if (pos == data_.size()) {
        return bad("Message", "empty");
    }
    Line first;
    if (!next_line(pos, first)) {
        return bad("Start-Line", "truncated");
    }
    std::string_view line = data_.substr(first.begin, first.content_end - first.begin);
    msg_.start_line_ = line;
    msg_.start_line_end_ = static_cast<std::uint32_t>(first.next);
    ParseError err = istarts_with(line, "SIP/") ? parse_status_line(line) : parse_request_line(line);
    if (!err.reason.empty()) {
        return err;
    }
    std::size_t body_offset = 0;
    err = parse_headers(first.next, body_offset);
    if (!err.reason.empty()) {
        return err;
    }
    err = frame_body(body_offset);
    if (!err.reason.empty()) {
        return err;
    }
    msg_.bytes_ = data_.substr(pos, static_cast<std::size_t>(msg_.body_.data() - data_.data()) +
                                        msg_.body_.size() - pos);
    err = check_essentials();
    if (!err.reason.empty()) {
        return err;
    }
    if (msg_.is_request()) {
        return check_request_headers();
    }
    return {};
}

ParseError Parser::parse_request_line(std::string_view line) {
    // Request-Line = Method SP Request-URI SP SIP-Version: exactly one SP between elements.
    std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0) {
        return bad("Request-Line", "malformed");
    }
    std::size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) {
        return bad("Request-Line", "malformed");
    }
    std::string_view method = line.substr(0, sp1);
    std::string_view uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (uri.empty() || version.find_first_of(" \t") != std::string_view::npos ||
        line.find('\t') != std::string_view::npos) {
        return bad("Request-Line", "extra whitespace");
    }
    if (!chars::all_of(method, chars::kToken)) {
        return bad("Request-Line", "bad method");
    }
    if (int v = check_version(version); v != 0) {
        return bad("Request-Line", "bad SIP version", v);
    }
    auto parsed = parse_uri(uri);
    if (!parsed) {
        return bad("Request-URI", parsed.error());
    }
    if (!parsed->headers.empty()) {
        // RFC 3261 §19.1.1 table 1: headers are not allowed in a Request-URI.
        return bad("Request-URI", "headers not allowed");
    }
    msg_.method_text_ = method;
    msg_.method_ = parse_method(method);
    msg_.request_uri_ = uri;
    msg_.status_ = 0;
    return {};
}

ParseError Parser::parse_status_line(std::string_view line) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) {
        return bad("Status-Line", "malformed");
    }
    if (int v = check_version(line.substr(0, sp1)); v != 0) {
        return bad("Status-Line", "bad SIP version", v == 505 ? 400 : v);
    }
    std::string_view rest = line.substr(sp1 + 1);
    std::size_t sp2 = rest.find(' ');
    std::string_view code = rest.substr(0, sp2);
    auto status = parse_u32(code);
    if (code.size() != 3 || !status || *status < 100 || *status > 699) {
        return bad("Status-Line", "bad status code");
    }
    msg_.status_ = static_cast<int>(*status);
    msg_.reason_ = sp2 == std::string_view::npos ? std::string_view{} : rest.substr(sp2 + 1);
    return {};
}

ParseError Parser::parse_headers(std::size_t from, std::size_t& body_offset) {
    const std::size_t limit = std::min<std::size_t>(options_.max_headers, 250);
    Line line;
    std::size_t pos = from;
    while (true) {
        if (!next_line(pos, line)) {
            // A datagram that ends right after a header line lacks only its empty line; accept
            // it as if the line were there. A stream frame always has it (see Framer).
            if (pos == data_.size() && !options_.stream) {
                body_offset = pos;
                msg_.implied_empty_line_ = true;
                msg_.headers_end_ = static_cast<std::uint32_t>(pos);
                return {};
            }
            return bad("Message", "no empty line after the headers");
        }
        if (line.content_end == line.begin) {
            body_offset = line.next;
            msg_.headers_end_ = static_cast<std::uint32_t>(line.begin);
            return {};
        }
        if (is_sp_or_tab(data_[line.begin])) {
            return bad("Header", "continuation line without a header");
        }
        std::size_t colon = data_.find(':', line.begin);
        if (colon == std::string_view::npos || colon >= line.content_end) {
            return bad("Header", "line without a colon");
        }
        // HCOLON = *( SP / HTAB ) ":" SWS
        std::size_t name_end = colon;
        while (name_end > line.begin && is_sp_or_tab(data_[name_end - 1])) {
            --name_end;
        }
        std::string_view name = data_.substr(line.begin, name_end - line.begin);
        if (!chars::all_of(name, chars::kToken)) {
            return bad("Header", "bad header name");
        }
        // Folded continuation lines (starting with SP or HTAB) belong to this header.
        std::size_t value_end = line.content_end;
        std::size_t line_end = line.next;
        Line cont;
        while (line_end < data_.size() && is_sp_or_tab(data_[line_end]) &&
               next_line(line_end, cont)) {
            value_end = cont.content_end;
            line_end = cont.next;
        }
        if (msg_.headers_.size() >= limit) {
            return bad("Message", "too many headers");
        }
        HeaderField field;
        field.id = lookup_header(name);
        field.name = name;
        field.value = trim(data_.substr(colon + 1, value_end - colon - 1));
        field.line_begin = static_cast<std::uint32_t>(line.begin);
        field.line_end = static_cast<std::uint32_t>(line_end);
        auto& first = msg_.first_[static_cast<std::size_t>(field.id)];
        if (first == 0 && field.id != HeaderId::Other) {
            first = static_cast<std::uint8_t>(msg_.headers_.size() + 1);
        }
        msg_.headers_.push_back(field);
        pos = line_end;
    }
}

ParseError Parser::frame_body(std::size_t body_offset) {
    std::size_t available = data_.size() - body_offset;
    const HeaderField* cl = msg_.first(HeaderId::ContentLength);
    if (cl == nullptr) {
        // RFC 3261 §18.3: over a stream, a missing Content-Length means no body; over UDP the
        // body runs to the end of the datagram.
        msg_.body_ = data_.substr(body_offset, options_.stream ? 0 : available);
        return {};
    }
    if (msg_.count(HeaderId::ContentLength) > 1) {
        return bad("Content-Length", "header appears more than once");
    }
    auto length = parse_u32(cl->value);
    if (!length) {
        return bad("Content-Length", "not a number");
    }
    if (*length > available) {
        return bad("Content-Length", "larger than the message");
    }
    msg_.body_ = data_.substr(body_offset, *length);
    return {};
}

ParseError Parser::check_essentials() {
    static constexpr HeaderId kSingle[] = {HeaderId::CallId, HeaderId::CSeq, HeaderId::From,
                                           HeaderId::To, HeaderId::MaxForwards};
    for (HeaderId id : kSingle) {
        if (msg_.count(id) > 1) {
            return bad(header_name(id), "header appears more than once");
        }
    }
    static constexpr HeaderId kRequired[] = {HeaderId::Via, HeaderId::From, HeaderId::To,
                                             HeaderId::CallId, HeaderId::CSeq};
    for (HeaderId id : kRequired) {
        if (msg_.first(id) == nullptr) {
            return bad(header_name(id), "missing header");
        }
    }

    // Top Via: the first value of the first Via line.
    std::string_view top;
    if (!for_each_list_value(msg_.first(HeaderId::Via)->value, [&](std::string_view v) {
            top = v;
            return false;
        }) || top.empty()) {
        return bad("Via", "malformed");
    }
    auto via = parse_via(top);
    if (!via) {
        return bad("Via", via.error());
    }
    msg_.top_via_ = *via;

    std::string_view call_id = msg_.value(HeaderId::CallId);
    if (call_id.empty() || std::any_of(call_id.begin(), call_id.end(),
                                       [](char c) { return is_space(c) || c == '\0'; })) {
        return bad("Call-ID", "malformed");
    }
    msg_.call_id_ = call_id;

    // CSeq = 1*DIGIT LWS Method; the number is below 2**31 (RFC 3261 §8.1.1.5).
    std::string_view cseq = msg_.value(HeaderId::CSeq);
    std::size_t digits = 0;
    while (digits < cseq.size() && cseq[digits] >= '0' && cseq[digits] <= '9') {
        ++digits;
    }
    auto number = parse_u64(cseq.substr(0, std::min<std::size_t>(digits, 19)));
    if (digits == 0) {
        return bad("CSeq", "missing sequence number");
    }
    if (digits > 10 || !number || *number >= (1ULL << 31)) {
        return bad("CSeq", "sequence number too large");
    }
    std::string_view method = trim(cseq.substr(digits));
    if (method.empty() || digits == cseq.size() || !is_space(cseq[digits]) ||
        !chars::all_of(method, chars::kToken)) {
        return bad("CSeq", "malformed method");
    }
    msg_.cseq_ = CSeq{static_cast<std::uint32_t>(*number), parse_method(method), method};
    if (msg_.is_request() && method != msg_.method_text_) {
        return bad("CSeq", "method does not match the request");
    }

    auto from = parse_name_addr(msg_.value(HeaderId::From));
    if (!from) {
        return bad("From", from.error());
    }
    msg_.from_tag_ = from->tag();
    auto to = parse_name_addr(msg_.value(HeaderId::To));
    if (!to) {
        return bad("To", to.error());
    }
    msg_.to_tag_ = to->tag();

    if (const HeaderField* mf = msg_.first(HeaderId::MaxForwards)) {
        auto hops = parse_u32(mf->value);
        if (!hops) {
            return bad("Max-Forwards", "not a number");
        }
        if (*hops > 255) {
            return bad("Max-Forwards", "larger than 255");
        }
        msg_.max_forwards_ = static_cast<int>(*hops);
    }
    return {};
}

ParseError Parser::check_request_headers() {
    // The headers a proxy or registrar acts on must be well-formed; extension headers pass as
    // they are.
    for (const HeaderField& h : msg_.headers_) {
        switch (h.id) {
            case HeaderId::Contact: {
                if (h.value == "*") {
                    break;
                }
                const char* error = nullptr;
                bool ok = for_each_list_value(h.value, [&](std::string_view v) {
                    auto na = parse_name_addr(v);
                    if (!na) {
                        error = na.error();
                    }
                    return error == nullptr;
                });
                if (!ok) {
                    return bad("Contact", "malformed list");
                }
                if (error != nullptr) {
                    return bad("Contact", error);
                }
                break;
            }
            case HeaderId::Route:
            case HeaderId::RecordRoute:
            case HeaderId::Path: {
                const char* error = nullptr;
                bool ok = for_each_list_value(h.value, [&](std::string_view v) {
                    auto na = parse_name_addr(v);
                    if (!na) {
                        error = na.error();
                    } else if (!na->bracketed) {
                        error = "URI must be enclosed in <>";
                    }
                    return error == nullptr;
                });
                if (!ok || error != nullptr) {
                    return bad(header_name(h.id), error ? error : "malformed list");
                }
                break;
            }
            case HeaderId::Via: {
                const char* error = nullptr;
                bool ok = for_each_list_value(h.value, [&](std::string_view v) {
                    auto via = parse_via(v);
                    if (!via) {
                        error = via.error();
                    }
                    return error == nullptr;
                });
                if (!ok || error != nullptr) {
                    return bad("Via", error ? error : "malformed list");
                }
                break;
            }
            case HeaderId::Date: {
                // rfc1123-date always ends in "GMT" (RFC 3261 §20.17).
                if (h.value.size() < 4 || h.value.substr(h.value.size() - 4) != " GMT") {
                    return bad("Date", "time zone must be GMT");
                }
                break;
            }
            case HeaderId::Expires: {
                if (!chars::all_of(h.value, chars::kDigit)) {
                    return bad("Expires", "not a number");
                }
                break;
            }
            default:
                break;
        }
    }
    return {};
}

Expected<Message, ParseError> Parser::parse(Buffer&& bytes, const ParseOptions& options) {
    Message msg;
    msg.buffer_ = std::move(bytes);
    Parser parser(msg, options);
    ParseError err = parser.run();
    if (!err.reason.empty()) {
        bytes = std::move(msg.buffer_);
        return Unexpected<ParseError>(err);
    }
    return msg;
}

Expected<Message, ParseError> parse_message(Buffer&& bytes, const ParseOptions& options) {
    return Parser::parse(std::move(bytes), options);
}

Expected<Message, ParseError> parse_message(std::string_view bytes, const ParseOptions& options) {
    return parse_message(Buffer::copy_of(bytes), options);
}

}  // namespace sb::sip
