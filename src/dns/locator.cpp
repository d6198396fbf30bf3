#include "dns/locator.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

namespace sb::dns {
namespace {

using Status = Answer::Status;

bool any_status(const std::vector<Answer>& answers, Status status) {
    return std::any_of(answers.begin(), answers.end(),
                       [&](const Answer& a) { return a.status == status; });
}

class Locator : public std::enable_shared_from_this<Locator> {
public:
    Locator(Plan plan, Lookup& lookup, RandomSource random, std::function<void(Resolution)> done)
        : plan_(std::move(plan)),
          lookup_(lookup),
          random_(std::move(random)),
          done_(std::move(done)) {}

    void start() {
        switch (plan_.step) {
            case Plan::Step::Done:
                if (plan_.literal) {
                    finish(Resolution{{*plan_.literal}, {}});
                } else {
                    finish(Resolution{{}, plan_.error});
                }
                return;
            case Plan::Step::Addresses:
                query_addresses({AddressTarget{plan_.target, plan_.port, plan_.transport}});
                return;
            case Plan::Step::Srv:
                query_srv({*srv_query(plan_.target, plan_.transport)});
                return;
            case Plan::Step::Naptr:
                lookup_.lookup(plan_.target, RecordType::Naptr,
                               [self = shared_from_this()](const Answer& a) { self->on_naptr(a); });
                return;
        }
    }

private:
    void on_naptr(const Answer& answer) {
        // NXDOMAIN holds for every record type (RFC 2308 §2.1): no SRV or A query can succeed.
        if (answer.status == Status::NxDomain) {
            finish(Resolution{{}, "no such domain " + plan_.target});
            return;
        }
        if (answer.status == Status::Timeout) {
            finish(Resolution{{}, "timeout"});
            return;
        }
        // A failed NAPTR query (some servers refuse the type) is treated as no NAPTR records.
        std::vector<SrvQuery> queries;
        if (answer.status == Status::Ok) {
            queries = select_naptr(answer.naptr, plan_.sips);
        }
        // RFC 3263 §4.1: without (usable) NAPTR records, SRV for each supported transport.
        if (queries.empty()) {
            queries = default_srv_queries(plan_.target, plan_.sips);
        }
        query_srv(std::move(queries));
    }

    void query_srv(std::vector<SrvQuery> queries) {
        if (queries.size() > kMaxAddressTargets) {
            queries.resize(kMaxAddressTargets);
        }
        srv_queries_ = std::move(queries);
        srv_answers_.assign(srv_queries_.size(), Answer{});
        waiting_ = srv_queries_.size();
        // All at once: the answers are combined in query order, whatever order they arrive in.
        for (std::size_t i = 0; i < srv_queries_.size(); ++i) {
            lookup_.lookup(srv_queries_[i].name, RecordType::Srv,
                           [self = shared_from_this(), i](const Answer& a) {
                               self->srv_answers_[i] = a;
                               if (--self->waiting_ == 0) {
                                   self->on_srv();
                               }
                           });
        }
    }

    void on_srv() {
        bool any_records = std::any_of(srv_answers_.begin(), srv_answers_.end(), [](const auto& a) {
            return a.status == Status::Ok && !a.srv.empty();
        });
        if (!any_records) {
            // A server that does not answer cannot tell us there are no SRV records.
            if (any_status(srv_answers_, Status::Timeout)) {
                finish(Resolution{{}, "timeout"});
                return;
            }
            // RFC 3263 §4.2: no SRV records, so A/AAAA of the domain with the default port.
            query_addresses({AddressTarget{plan_.target, plan_.port, plan_.transport}});
            return;
        }
        std::vector<AddressTarget> targets = srv_targets(srv_queries_, srv_answers_, random_);
        if (targets.empty()) {
            // RFC 2782: every target was ".", the service is decidedly not available here.
            finish(Resolution{{}, "no SIP service at " + plan_.target});
            return;
        }
        query_addresses(std::move(targets));
    }

    void query_addresses(std::vector<AddressTarget> targets) {
        if (targets.size() > kMaxAddressTargets) {
            targets.resize(kMaxAddressTargets);
        }
        targets_ = std::move(targets);
        v4_.assign(targets_.size(), Answer{});
        v6_.assign(targets_.size(), Answer{});
        std::vector<std::size_t> names;
        for (std::size_t i = 0; i < targets_.size(); ++i) {
            // An SRV target should be a name, but an address is usable as it is.
            if (auto ip = transport::Endpoint::from(targets_[i].host, 0)) {
                v4_[i].addresses.push_back(*ip);
            } else {
                names.push_back(i);
            }
        }
        waiting_ = 2 * names.size();
        if (waiting_ == 0) {
            on_addresses();
            return;
        }
        auto self = shared_from_this();
        for (std::size_t i : names) {
            lookup_.lookup(targets_[i].host, RecordType::A, [self, i](const Answer& a) {
                self->v4_[i] = a;
                self->address_answered();
            });
            lookup_.lookup(targets_[i].host, RecordType::Aaaa, [self, i](const Answer& a) {
                self->v6_[i] = a;
                self->address_answered();
            });
        }
    }

    void address_answered() {
        if (--waiting_ == 0) {
            on_addresses();
        }
    }

    void on_addresses() {
        Resolution r;
        for (std::size_t i = 0; i < targets_.size(); ++i) {
            std::vector<transport::Endpoint> addresses;
            for (const Answer* a : {&v4_[i], &v6_[i]}) {
                if (a->status == Status::Ok) {
                    addresses.insert(addresses.end(), a->addresses.begin(), a->addresses.end());
                }
            }
            append_destinations(targets_[i], addresses, r.destinations);
        }
        if (r.destinations.empty()) {
            r.error = address_error();
        }
        finish(std::move(r));
    }

    /// Why no target had an address, told for the first target (the one most wanted).
    std::string address_error() const {
        if (any_status(v4_, Status::Timeout) || any_status(v6_, Status::Timeout)) {
            return "timeout";
        }
        const std::string& host = targets_.front().host;
        if (v4_.front().status == Status::NxDomain || v6_.front().status == Status::NxDomain) {
            return "no such domain " + host;
        }
        for (const Answer* a : {&v4_.front(), &v6_.front()}) {
            if (a->status == Status::Failure) {
                return "DNS failure for " + host + ": " + a->error;
            }
        }
        return "no address for " + host;
    }

    void finish(Resolution r) {
        if (!done_) {
            return;
        }
        auto done = std::move(done_);
        done_ = nullptr;
        done(std::move(r));
    }

    Plan plan_;
    Lookup& lookup_;
    RandomSource random_;
    std::function<void(Resolution)> done_;
    std::size_t waiting_ = 0;
    std::vector<SrvQuery> srv_queries_;
    std::vector<Answer> srv_answers_;
    std::vector<AddressTarget> targets_;
    std::vector<Answer> v4_;
    std::vector<Answer> v6_;
};

}  // namespace

void locate(Plan plan, Lookup& lookup, RandomSource random, std::function<void(Resolution)> done) {
    auto locator = std::make_shared<Locator>(std::move(plan), lookup, std::move(random),
                                             std::move(done));
    locator->start();
}

}  // namespace sb::dns
