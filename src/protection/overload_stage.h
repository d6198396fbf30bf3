#pragma once

// The first stage of the chain: while the worker handling a request is over capacity (its
// messages wait too long in the queue), a request that would start something new - a call,
// a registration, a subscription - is answered 503 with Retry-After (RFC 3261 §21.5.4).
// Requests inside a dialog go on, so calls already set up can be ended; ACK and CANCEL never
// get here. Answering a refusal costs far less than routing, so the queue drains and the
// worker recovers by itself once the load drops.

#include "base/queue_delay.h"
#include "protection/config.h"
#include "proxy/api/stage.h"

namespace sb::protection {

class OverloadStage final : public proxy::RequestStage {
public:
    explicit OverloadStage(const OverloadConfig& config) : config_(config) {}

    // proxy::RequestStage
    std::string_view name() const override { return "overload"; }
    proxy::StageResult on_request(txn::ServerTransaction& st) override;

private:
    const OverloadConfig& config_;
};

}  // namespace sb::protection
