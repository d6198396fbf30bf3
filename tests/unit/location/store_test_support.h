#pragma once

// Helpers shared by the location store tests: a scratch directory, bindings, and the changes a
// registrar would make.

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/result.h"
#include "location/api/binding.h"
#include "location/api/store.h"

namespace sb::location::test {

/// A fresh directory under the system's temporary directory, removed with its contents when the
/// test ends, so that tests never share a database file.
class TempDir {
public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "sb-location-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        path_ = std::move(pattern);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

private:
    std::string path_;
};

inline Binding make_binding(std::string aor, std::string contact, std::int64_t expires_at) {
    Binding binding;
    binding.aor = std::move(aor);
    binding.contact = std::move(contact);
    binding.expires_at = expires_at;
    binding.call_id = "call-" + binding.contact;
    binding.cseq = 1;
    binding.received = "udp:192.0.2.1:5060";
    binding.updated_at = expires_at - 3600;
    return binding;
}

/// A binding with every field set away from its default, with bytes a careless store would mangle
/// (an embedded NUL, quotes, non-ASCII UTF-8, the largest integers).
inline Binding full_binding(std::string aor) {
    Binding binding;
    binding.aor = std::move(aor);
    binding.contact = "sip:alice@198.51.100.7:5062;transport=tcp;ob";
    binding.contact_params =
        ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\""
        ";reg-id=1;expires=3600";
    binding.q = 500;
    binding.expires_at = 4102444800;  // 2100-01-01
    binding.call_id = "a84b4c76e66710@pc33.example.com";
    binding.cseq = 4294967295u;
    binding.path = "<sip:edge1.example.com;lr>,<sip:edge2.example.com;lr;ob>";
    binding.received = "tcp:[2001:db8::1]:5070";
    binding.instance_id = "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";
    binding.reg_id = 4294967295u;
    constexpr char kAgent[] = "Zoë's phone\0v2 \"beta\"";
    binding.user_agent.assign(kAgent, sizeof(kAgent) - 1);
    binding.updated_at = -1;
    return binding;
}

/// The registrar's refresh: replaces the binding with the same contact, or adds it.
inline LocationStore::Change put(Binding binding) {
    return [binding = std::move(binding)](
               const std::vector<Binding>& current) -> Result<std::vector<Binding>> {
        std::vector<Binding> next;
        for (const Binding& b : current) {
            if (b.contact != binding.contact) {
                next.push_back(b);
            }
        }
        next.push_back(binding);
        return next;
    };
}

/// The registrar's `Expires: 0` for one contact.
inline LocationStore::Change remove_contact(std::string contact) {
    return [contact = std::move(contact)](
               const std::vector<Binding>& current) -> Result<std::vector<Binding>> {
        std::vector<Binding> next;
        for (const Binding& b : current) {
            if (b.contact != contact) {
                next.push_back(b);
            }
        }
        return next;
    };
}

/// Leaves the set as it is (after update has dropped the lapsed bindings).
inline Result<std::vector<Binding>> keep(const std::vector<Binding>& current) { return current; }

/// The contacts of `bindings`, sorted: stores return bindings in no set order.
inline std::vector<std::string> contacts(const Result<std::vector<Binding>>& bindings) {
    std::vector<std::string> out;
    if (!bindings) {
        out.push_back("error: " + bindings.error().message);
        return out;
    }
    for (const Binding& b : *bindings) {
        out.push_back(b.contact);
    }
    std::sort(out.begin(), out.end());
    return out;
}

inline std::vector<std::string> sorted(std::vector<std::string> strings) {
    std::sort(strings.begin(), strings.end());
    return strings;
}

/// Bumps the cseq of the AOR's one binding (creating it at 1): a read-modify-write that loses
/// counts unless update is atomic per AOR.
inline LocationStore::Change increment(std::string aor) {
    return [aor = std::move(aor)](
               const std::vector<Binding>& current) -> Result<std::vector<Binding>> {
        Binding next = current.empty() ? make_binding(aor, "sip:counter@192.0.2.9", 1'000'000)
                                       : current.front();
        next.cseq = current.empty() ? 1 : next.cseq + 1;
        return std::vector<Binding>{next};
    };
}

inline std::string shared_counter() { return "sip:shared@example.com"; }
inline std::string own_counter(int writer) {
    return "sip:writer" + std::to_string(writer) + "@example.com";
}

/// `writers` threads each bump the shared counter and their own `rounds` times, while a reader
/// looks the shared one up and checks that it never goes back. Afterwards the shared counter
/// must read writers * rounds and each own counter `rounds`.
inline void bump_counters_concurrently(LocationStore& store, int writers, int rounds) {
    std::atomic<bool> done{false};
    std::thread reader([&] {
        std::uint32_t seen = 0;
        while (!done.load()) {
            Result<std::vector<Binding>> found = store.lookup(shared_counter(), 0);
            ASSERT_TRUE(found.has_value()) << found.error().message;
            ASSERT_LE(found->size(), 1u);
            if (!found->empty()) {
                EXPECT_GE(found->front().cseq, seen);
                seen = found->front().cseq;
            }
        }
    });
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&store, w, rounds] {
            for (int i = 0; i < rounds; ++i) {
                Result<std::vector<Binding>> shared =
                    store.update(shared_counter(), 0, increment(shared_counter()));
                EXPECT_TRUE(shared.has_value()) << shared.error().message;
                Result<std::vector<Binding>> own =
                    store.update(own_counter(w), 0, increment(own_counter(w)));
                EXPECT_TRUE(own.has_value()) << own.error().message;
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    done.store(true);
    reader.join();
}

/// The cseq of the AOR's one binding, or 0 when it has none.
inline std::uint32_t counter(LocationStore& store, const std::string& aor) {
    Result<std::vector<Binding>> found = store.lookup(aor, 0);
    if (!found || found->size() != 1) {
        return 0;
    }
    return found->front().cseq;
}

}  // namespace sb::location::test
