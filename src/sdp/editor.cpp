#include "sdp/editor.h"

#include <algorithm>
#include <cassert>
#include <numeric>

#include "base/strings.h"
#include "sdp/address.h"
#include "sdp/tokens.h"

namespace sb::sdp {
namespace {

// Addresses come from the relay's own configuration, never from the wire, so a bad one is a
// programming error rather than input to report.
[[maybe_unused]] bool is_clean_address(std::string_view address) {
    return !address.empty() && address.find_first_of(" \t\r\n") == std::string_view::npos;
}

// The attribute name of an "a=name[:value]" line.
std::string_view attribute_name(std::string_view line) {
    std::string_view value = line.substr(2);
    return value.substr(0, value.find(':'));
}

std::string port_text(std::uint16_t port) { return std::to_string(port); }

}  // namespace

Editor::Editor(const Session& session) : session_(session), edits_(session.lines.size()) {}

const Section& Editor::section(std::uint32_t id) const {
    if (id == 0) {
        return session_;
    }
    return session_.media[id - 1];
}

Editor::Text Editor::store(std::initializer_list<std::string_view> parts) {
    Text t{static_cast<std::uint32_t>(arena_.size()), 0};
    for (std::string_view part : parts) {
        arena_.append(part);
    }
    t.size = static_cast<std::uint32_t>(arena_.size() - t.offset);
    return t;
}

bool Editor::is_kind(std::string_view line, Kind kind) const {
    switch (kind) {
        case Kind::Connection:
            return line[0] == 'c';
        case Kind::Direction:
            return line[0] == 'a' && direction_from_name(attribute_name(line)).has_value();
        case Kind::Rtcp:
            return line[0] == 'a' && iequals(attribute_name(line), "rtcp");
    }
    return false;
}

Editor::Text Editor::connection_line(std::string_view address) {
    assert(is_clean_address(address));
    return store({"c=IN ", addrtype_for(address), " ", address});
}

void Editor::add_line(std::uint32_t id, Kind kind, Text line, std::uint32_t after) {
    for (AddedLine& added : added_) {
        if (added.section == id && !added.removed && is_kind(text(added.text), kind)) {
            added.text = line;
            return;
        }
    }
    added_.push_back(AddedLine{after, id, line, false});
}

void Editor::set_attribute(std::uint32_t id, Kind kind, Text line, std::uint32_t after) {
    bool rewritten = false;
    for (const Attribute& a : section(id).attributes) {
        if (is_removed(a.line) || !is_kind(session_.lines[a.line].text, kind)) {
            continue;
        }
        if (!rewritten) {
            edits_[a.line] = LineEdit{LineState::Replace, line};
            rewritten = true;
        } else {
            edits_[a.line].state = LineState::Remove;
        }
    }
    if (!rewritten) {
        add_line(id, kind, line, after);
    }
}

void Editor::set_connection_address(std::string_view address) {
    Text line = connection_line(address);
    if (session_.connection) {
        edits_[session_.connection->line] = LineEdit{LineState::Replace, line};
    }
    for (std::size_t i = 0; i < session_.media.size(); ++i) {
        if (session_.media[i].connection || !session_.connection) {
            set_connection_address(i, address);
        }
    }
}

void Editor::set_connection_address(std::size_t index, std::string_view address) {
    assert(index < session_.media.size());
    const MediaDescription& m = session_.media[index];
    Text line = connection_line(address);
    if (m.connection) {
        edits_[m.connection->line] = LineEdit{LineState::Replace, line};
        return;
    }
    // RFC 8866 §5 field order within a media description: m=, i=, c=, b=, k=, a=.
    std::uint32_t after = m.first_line;
    if (after + 1 < m.end_line && session_.lines[after + 1].type() == 'i') {
        ++after;
    }
    add_line(static_cast<std::uint32_t>(index + 1), Kind::Connection, line, after);
}

void Editor::set_origin_address(std::string_view address) {
    assert(is_clean_address(address));
    const Origin& o = session_.origin;
    Text line = store({"o=", o.username, " ", o.session_id, " ", o.session_version, " ", o.nettype,
                       " ", addrtype_for(address), " ", address});
    edits_[1] = LineEdit{LineState::Replace, line};  // o= is always the second line
}

void Editor::set_port(std::size_t index, std::uint16_t port) {
    assert(index < session_.media.size());
    const MediaDescription& m = session_.media[index];
    std::string_view original = session_.lines[m.first_line].text;
    detail::Tokens fields(original.substr(2));
    fields.next();  // media
    std::string_view port_field = fields.next();
    std::size_t slash = port_field.find('/');
    std::string_view count = slash == std::string_view::npos ? "" : port_field.substr(slash);
    Text line = store({"m=", m.media, " ", port_text(port), count, " ", fields.rest()});
    edits_[m.first_line] = LineEdit{LineState::Replace, line};
}

void Editor::set_rtcp(std::size_t index, std::uint16_t port, std::string_view address) {
    assert(index < session_.media.size());
    Text line =
        address.empty()
            ? store({"a=rtcp:", port_text(port)})
            : store({"a=rtcp:", port_text(port), " IN ", addrtype_for(address), " ", address});
    assert(address.empty() || is_clean_address(address));
    const MediaDescription& m = session_.media[index];
    set_attribute(static_cast<std::uint32_t>(index + 1), Kind::Rtcp, line, m.end_line - 1);
}

void Editor::set_direction(std::size_t index, Direction direction) {
    assert(index < session_.media.size());
    Text line = store({"a=", to_string(direction)});
    const MediaDescription& m = session_.media[index];
    set_attribute(static_cast<std::uint32_t>(index + 1), Kind::Direction, line, m.end_line - 1);
}

void Editor::set_session_direction(Direction direction) {
    Text line = store({"a=", to_string(direction)});
    set_attribute(0, Kind::Direction, line, session_.end_line - 1);
}

std::size_t Editor::remove_attributes(std::string_view name) {
    std::size_t removed = 0;
    for (std::uint32_t id = 0; id <= session_.media.size(); ++id) {
        removed += remove_in(id, name);
    }
    return removed;
}

std::size_t Editor::remove_attributes(std::size_t index, std::string_view name) {
    assert(index < session_.media.size());
    return remove_in(static_cast<std::uint32_t>(index + 1), name);
}

std::size_t Editor::remove_in(std::uint32_t id, std::string_view name) {
    std::size_t removed = 0;
    for (const Attribute& a : section(id).attributes) {
        // A line rewritten by a setter goes by its new name ("a=sendrecv" now "a=sendonly").
        const LineEdit& e = edits_[a.line];
        std::string_view current =
            e.state == LineState::Replace ? text(e.text) : session_.lines[a.line].text;
        if (e.state != LineState::Remove && iequals(attribute_name(current), name)) {
            edits_[a.line].state = LineState::Remove;
            ++removed;
        }
    }
    for (AddedLine& added : added_) {
        std::string_view line = text(added.text);
        if (added.section == id && !added.removed && line[0] == 'a' &&
            iequals(attribute_name(line), name)) {
            added.removed = true;
            ++removed;
        }
    }
    return removed;
}

bool Editor::changed() const {
    for (const LineEdit& e : edits_) {
        if (e.state != LineState::Keep) {
            return true;
        }
    }
    for (const AddedLine& added : added_) {
        if (!added.removed) {
            return true;
        }
    }
    return false;
}

void Editor::write_to(std::string& out) const {
    // Added lines go after their anchor line; a c= before any a= added at the same place, and
    // otherwise in the order they were added.
    std::vector<std::uint32_t> order(added_.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [this](std::uint32_t x, std::uint32_t y) {
        const AddedLine& a = added_[x];
        const AddedLine& b = added_[y];
        bool a_first = text(a.text)[0] == 'c';
        bool b_first = text(b.text)[0] == 'c';
        return a.after != b.after ? a.after < b.after : (a_first && !b_first);
    });
    out.reserve(out.size() + session_.lines.size() * 32 + arena_.size());
    std::size_t next = 0;
    for (std::uint32_t i = 0; i < session_.lines.size(); ++i) {
        const LineEdit& e = edits_[i];
        if (e.state == LineState::Keep) {
            out.append(session_.lines[i].text).append("\r\n");
        } else if (e.state == LineState::Replace) {
            out.append(text(e.text)).append("\r\n");
        }
        for (; next < order.size() && added_[order[next]].after == i; ++next) {
            if (!added_[order[next]].removed) {
                out.append(text(added_[order[next]].text)).append("\r\n");
            }
        }
    }
}

}  // namespace sb::sdp
