#pragma once

// A step of request handling that may answer the request itself (registrar, authentication,
// forwarding rules...). The proxy core runs the stages in the order the server wires them,
// before it routes the request.

#include <string_view>

#include "txn/transaction.h"

namespace sb::proxy {

enum class StageResult {
    Continue,  // not mine: go on with the next stage, then routing
    Done,      // answered (now or later, through the transaction)
};

class RequestStage {
public:
    virtual ~RequestStage() = default;
    virtual std::string_view name() const = 0;
    virtual StageResult on_request(txn::ServerTransaction& st) = 0;
};

}  // namespace sb::proxy
