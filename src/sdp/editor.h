#pragma once

// Rewrites a parsed session description for a media relay that anchors RTP: connection
// addresses, m= ports, a=rtcp, the direction attribute, and removal of attributes (ICE
// candidates, for one, which name addresses the relay hides).
//
// Changes are recorded against the lines of the Session, as sip::Editor records them against a
// message: unchanged lines are written through as the views they are, and only a changed line
// is built as new text. A line is rebuilt from its original fields each time it is changed, so
// the last call for the same field wins.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/session.h"

namespace sb::sdp {

class Editor {
public:
    /// `session`, and the body it views, must outlive the editor and stay unchanged.
    explicit Editor(const Session& session);
    /// Refused: the editor would keep a reference to a temporary.
    explicit Editor(Session&& session) = delete;

    /// Points every c= line at `address`: the session-level one and each media-level one. A
    /// media without c= gets one when the session level has none either (RFC 8866 §5.7 wants a
    /// c= for every stream). The addrtype follows the address (IP6 when it contains ':'), the
    /// nettype is IN, and a multicast "/ttl" suffix is dropped. a=rtcp is not touched: use
    /// set_rtcp(). `address` is bare (no brackets), non-empty, without spaces or line breaks.
    void set_connection_address(std::string_view address);

    /// Points media `index` at `address`: rewrites its c= line, or adds one after the m= (and
    /// i=) line, which then overrides the session-level c=.
    void set_connection_address(std::size_t index, std::string_view address);

    /// Rewrites the address (and addrtype) of the o= line; username, sess-id and sess-version
    /// stay as written.
    void set_origin_address(std::string_view address);

    /// Rewrites the m= port of media `index`. The port count, proto and formats stay as written.
    void set_port(std::size_t index, std::uint16_t port);

    /// Sets a=rtcp of media `index` (RFC 3605) to `port`, followed by "IN IP4|IP6 <address>"
    /// when `address` is not empty. The first a=rtcp is rewritten and any further ones removed;
    /// without one, a=rtcp is added at the end of the media description.
    void set_rtcp(std::size_t index, std::uint16_t port, std::string_view address = {});

    /// Sets the direction attribute of media `index` (RFC 8866 §6.7): the first one is rewritten
    /// and any further ones removed; without one, it is added at the end of the media.
    void set_direction(std::size_t index, Direction direction);

    /// The same at session level. A media-level direction attribute still overrides it.
    void set_session_direction(Direction direction);

    /// Removes every attribute named `name` (ASCII case ignored), at session level and in every
    /// media, including ones this editor added. Returns how many were removed.
    std::size_t remove_attributes(std::string_view name);

    /// The same within media `index` only.
    std::size_t remove_attributes(std::size_t index, std::string_view name);

    /// True when any change is recorded.
    bool changed() const;

    /// Appends the edited description to `out`, every line ending in CRLF.
    void write_to(std::string& out) const;
    std::string write() const {
        std::string out;
        write_to(out);
        return out;
    }

private:
    // Text built by the editor: a span of arena_, kept as offsets so the arena may grow.
    struct Text {
        std::uint32_t offset = 0;
        std::uint32_t size = 0;
    };
    enum class LineState : std::uint8_t { Keep, Replace, Remove };
    struct LineEdit {
        LineState state = LineState::Keep;
        Text text;
    };
    // A line the editor adds after Session::lines[after]. `section` is 0 for the session level
    // and media index + 1 for a media description.
    struct AddedLine {
        std::uint32_t after = 0;
        std::uint32_t section = 0;
        Text text;
        bool removed = false;
    };
    // Which attribute lines a setter owns: it rewrites the first, removes the rest.
    enum class Kind : std::uint8_t { Connection, Direction, Rtcp };

    const Section& section(std::uint32_t id) const;
    std::string_view text(Text t) const {
        return std::string_view(arena_).substr(t.offset, t.size);
    }
    Text store(std::initializer_list<std::string_view> parts);
    bool is_kind(std::string_view line, Kind kind) const;
    bool is_removed(std::uint32_t line) const { return edits_[line].state == LineState::Remove; }

    /// Rewrites the first live attribute of `kind` in section `id`, removes the rest, and adds
    /// the line after `after` when there is none.
    void set_attribute(std::uint32_t id, Kind kind, Text line, std::uint32_t after);
    /// Updates the line this editor added to section `id` for `kind`, or adds one.
    void add_line(std::uint32_t id, Kind kind, Text line, std::uint32_t after);
    Text connection_line(std::string_view address);
    std::size_t remove_in(std::uint32_t id, std::string_view name);

    const Session& session_;
    std::vector<LineEdit> edits_;  // one per Session::lines entry
    std::vector<AddedLine> added_;
    std::string arena_;
};

}  // namespace sb::sdp
