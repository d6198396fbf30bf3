#include "sdp/session.h"

#include <cassert>

#include "base/strings.h"

namespace sb::sdp {

const Attribute* Section::find_attribute(std::string_view name) const {
    for (const Attribute& a : attributes) {
        if (iequals(a.name, name)) {
            return &a;
        }
    }
    return nullptr;
}

std::optional<Direction> Section::direction() const {
    for (const Attribute& a : attributes) {
        if (auto d = direction_from_name(a.name)) {
            return d;
        }
    }
    return std::nullopt;
}

bool MediaDescription::is_rtp() const {
    // RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, UDP/TLS/RTP/SAVPF, TCP/RTP/AVP, ...
    for (std::size_t i = 0; i + 4 <= proto.size(); ++i) {
        if (iequals(proto.substr(i, 4), "RTP/")) {
            return true;
        }
    }
    return false;
}

std::optional<std::string_view> MediaDescription::mid() const {
    if (const Attribute* a = find_attribute("mid")) {
        return a->value;
    }
    return std::nullopt;
}

std::optional<RtpMap> MediaDescription::rtpmap(std::uint8_t payload_type) const {
    for (const Attribute& a : attributes) {
        if (!iequals(a.name, "rtpmap")) {
            continue;
        }
        auto map = parse_rtpmap(a.value);
        if (map && map->payload_type == payload_type) {
            return *map;
        }
    }
    return std::nullopt;
}

std::vector<RtpMap> MediaDescription::rtpmaps() const {
    std::vector<RtpMap> out;
    for (const Attribute& a : attributes) {
        if (!iequals(a.name, "rtpmap")) {
            continue;
        }
        if (auto map = parse_rtpmap(a.value)) {
            out.push_back(*map);
        }
    }
    return out;
}

std::optional<std::string_view> MediaDescription::fmtp(std::string_view format) const {
    for (const Attribute& a : attributes) {
        if (!iequals(a.name, "fmtp")) {
            continue;
        }
        auto f = parse_fmtp(a.value);
        if (f && f->format == format) {
            return f->parameters;
        }
    }
    return std::nullopt;
}

std::optional<Rtcp> MediaDescription::rtcp() const {
    if (const Attribute* a = find_attribute("rtcp")) {
        if (auto r = parse_rtcp(a->value)) {
            return *r;
        }
    }
    return std::nullopt;
}

const Connection* Session::connection_for(std::size_t index) const {
    assert(index < media.size());
    if (media[index].connection) {
        return &*media[index].connection;
    }
    return connection ? &*connection : nullptr;
}

Direction Session::direction_of(std::size_t index) const {
    assert(index < media.size());
    if (auto d = media[index].direction()) {
        return *d;
    }
    return direction().value_or(Direction::SendRecv);
}

bool is_on_hold(const Session& session, std::size_t index) {
    assert(index < session.media.size());
    if (session.media[index].port == 0) {
        return false;
    }
    const Connection* c = session.connection_for(index);
    if (c != nullptr && is_unspecified_address(c->address)) {
        return true;
    }
    Direction d = session.direction_of(index);
    return d == Direction::SendOnly || d == Direction::Inactive;
}

bool is_on_hold(const Session& session) {
    bool any_enabled = false;
    for (std::size_t i = 0; i < session.media.size(); ++i) {
        if (session.media[i].port == 0) {
            continue;
        }
        any_enabled = true;
        if (!is_on_hold(session, i)) {
            return false;
        }
    }
    return any_enabled;
}

}  // namespace sb::sdp
