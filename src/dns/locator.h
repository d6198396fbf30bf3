#pragma once

// The RFC 3263 §4 procedure as a sequence of DNS queries: NAPTR, then SRV, then A and AAAA, each
// step chosen from the answers of the one before (the choices themselves are in rfc3263.h).
// Queries go through a Lookup, so the same sequence runs over c-ares in the server and over
// canned answers in tests.

#include <functional>
#include <string>

#include "dns/records.h"
#include "dns/resolver.h"
#include "dns/rfc3263.h"

namespace sb::dns {

/// Answers one DNS query. The answer may come before lookup() returns (a cache hit) or later,
/// but always on the thread that runs the locator, and at most once; an implementation that
/// is shutting down may drop `done` without calling it.
class Lookup {
public:
    virtual ~Lookup() = default;
    virtual void lookup(const std::string& name, RecordType type,
                        std::function<void(const Answer&)> done) = 0;
};

/// The most address targets looked up for one resolution (SRV targets over every transport);
/// the rest are dropped, as no transaction would live long enough to try them all.
inline constexpr std::size_t kMaxAddressTargets = 16;

/// Runs RFC 3263 §4.1-4.2 for `plan`, asking `lookup` for the records it needs. `done` runs once
/// with the destinations in the order to try them, or with the reason there are none; it may
/// run before locate() returns (a plan with nothing to look up, or answers from a cache).
/// `lookup` must outlive the resolution.
void locate(Plan plan, Lookup& lookup, RandomSource random, std::function<void(Resolution)> done);

}  // namespace sb::dns
