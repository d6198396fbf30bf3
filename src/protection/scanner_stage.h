#pragma once

// Refuses requests whose User-Agent is a known scanner's, by dropping them or with 403
// (`scanner_action`), and counts each against the source: repeated hits ban it. Whitelisted
// sources pass.

#include "proxy/api/stage.h"
#include "protection/config.h"
#include "protection/scanner_matcher.h"
#include "protection/source_guard.h"

namespace sb::protection {

class ScannerStage final : public proxy::RequestStage {
public:
    /// `guard` must outlive the stage.
    ScannerStage(const ProtectionConfig& config, SourceGuard& guard)
        : matcher_(config.scanner_user_agents), action_(config.scanner_action), guard_(guard) {}

    // proxy::RequestStage
    std::string_view name() const override { return "scanner"; }
    proxy::StageResult on_request(txn::ServerTransaction& st) override;

private:
    ScannerMatcher matcher_;
    ScannerAction action_;
    SourceGuard& guard_;
};

}  // namespace sb::protection
