#pragma once

// Calls for the call log tests, every field set so a lost or mixed-up column shows.

#include <filesystem>
#include <string>

#include <stdlib.h>

#include "dialog/events.h"

namespace sb::cdr::test {

inline dialog::Call full_call(const std::string& id = "c1") {
    dialog::Call c;
    c.call_id = id;
    c.caller = "sip:alice@example.com";
    c.caller_name = "Alice Ä";
    c.callee = "sip:bob@example.com";
    c.callee_name = "";
    c.source = "udp:192.0.2.1:5060";
    c.from_tag = "ft-" + id;
    c.to_tag = "tt-" + id;
    c.invite_ms = 1'764'000'000'123;
    c.ringing_ms = c.invite_ms + 1'000;
    c.answered_ms = c.invite_ms + 4'500;
    c.ended_ms = c.answered_ms + 42'000;
    c.state = dialog::CallState::Ended;
    c.outcome = dialog::Outcome::Answered;
    c.final_status = 200;
    c.final_reason = "OK";
    c.ended_by = dialog::Party::Caller;
    c.answered_by = "sip:bob@192.0.2.20:5062";
    c.branches = {"sip:bob@192.0.2.20:5062", "sip:bob@192.0.2.21;transport=tcp"};
    c.reinvites = 2;
    c.transfer_to = "<sip:carol@example.com>";
    c.referred_by = "<sip:dave@example.com>";
    c.cancelled = false;
    c.forwarded_to = "sip:carol@example.com";
    c.forward_reason = "busy";
    c.rtp_stats = R"({"packets_in":1200,"packets_out":1180,"lost":3})";
    return c;
}

/// A short call that ended with `outcome`, without the optional fields.
inline dialog::Call ended_call(const std::string& id, dialog::Outcome outcome, int status,
                               const std::string& reason, dialog::Party by) {
    dialog::Call c;
    c.call_id = id;
    c.caller = "sip:alice@example.com";
    c.callee = "sip:bob@example.com";
    c.callee_name = "Bob";
    c.source = "udp:192.0.2.1:5060";
    c.from_tag = "f";
    c.invite_ms = 1'764'000'000'000;
    c.ended_ms = c.invite_ms + 5'000;
    c.state = dialog::CallState::Ended;
    c.outcome = outcome;
    c.final_status = status;
    c.final_reason = reason;
    c.ended_by = by;
    return c;
}

/// A fresh directory under /tmp, removed with everything in it at the end of the scope.
class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/sb-cdr-XXXXXX";
        path_ = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace sb::cdr::test
