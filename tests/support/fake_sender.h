#pragma once

// A Sender that records what would have gone on the wire.

#include <string>
#include <vector>

#include "sip/parser.h"
#include "transport/api/sender.h"

namespace sb::test {

class FakeSender final : public transport::Sender {
public:
    struct Sent {
        transport::Destination to;
        std::string bytes;
    };

    bool send(const transport::Destination& to, std::string_view bytes) override {
        if (fail_) {
            return false;
        }
        sent.push_back({to, std::string(bytes)});
        return true;
    }
    std::span<const transport::Listener> listeners() const override { return listeners_; }
    const transport::Listener* listener_for(transport::Transport t,
                                            const transport::Endpoint&) const override {
        for (const auto& l : listeners_) {
            if (l.transport == t) {
                return &l;
            }
        }
        return nullptr;
    }

    transport::Endpoint advertised(const transport::Listener& l,
                                   const transport::Endpoint&) const override {
        return l.local;
    }

    void add_listener(transport::Transport t, const std::string& ip, std::uint16_t port) {
        listeners_.push_back({static_cast<transport::ListenerId>(listeners_.size()), t,
                              *transport::Endpoint::from(ip, port)});
    }
    void fail_sends(bool fail) { fail_ = fail; }

    /// The n-th message sent, parsed.
    sip::Message message(std::size_t n) const {
        auto m = sip::parse_message(std::string_view(sent.at(n).bytes));
        return m ? std::move(*m) : sip::Message{};
    }
    std::size_t count() const { return sent.size(); }
    void clear() { sent.clear(); }

    std::vector<Sent> sent;

private:
    std::vector<transport::Listener> listeners_;
    bool fail_ = false;
};

}  // namespace sb::test
