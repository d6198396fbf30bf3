#pragma once

// The first stage of the chain: a source over its request rate gets 503 with Retry-After
// (RFC 3261 §21.5.4), and one that keeps going is banned and gets nothing. ACK and CANCEL
// never get here (the transaction layer and the proxy core take them before the stages), so
// only requests that can be answered are limited; responses are never limited.

#include "proxy/api/stage.h"
#include "protection/source_guard.h"

namespace sb::protection {

class RateLimitStage final : public proxy::RequestStage {
public:
    /// `guard` must outlive the stage.
    explicit RateLimitStage(SourceGuard& guard) : guard_(guard) {}

    // proxy::RequestStage
    std::string_view name() const override { return "rate_limit"; }
    proxy::StageResult on_request(txn::ServerTransaction& st) override;

private:
    SourceGuard& guard_;
};

}  // namespace sb::protection
