#include "sip/header_id.h"

#include <array>

#include "base/strings.h"

namespace sb::sip {
namespace {

struct HeaderInfo {
    std::string_view name;
    char compact;
    HeaderArity arity;
};

constexpr std::array<HeaderInfo, kHeaderIdCount> kHeaders = {{
    {"", 0, HeaderArity::Repeat},
#define SB_SIP_HEADER(id, name, compact, arity, spec) {name, compact, HeaderArity::arity},
#include "sip/headers.def"
#undef SB_SIP_HEADER
}};

// Open-addressed hash table from lowered name to id, built once at compile time.
constexpr std::size_t kSlots = 256;
static_assert(kSlots > 2 * kHeaderIdCount, "keep the table sparse");

struct Slot {
    std::uint8_t id = 0;  // 0 = empty (HeaderId::Other is never stored)
};

constexpr std::array<Slot, kSlots> build_table() {
    std::array<Slot, kSlots> table{};
    for (std::size_t id = 1; id < kHeaderIdCount; ++id) {
        std::size_t slot = ihash(kHeaders[id].name) % kSlots;
        while (table[slot].id != 0) {
            slot = (slot + 1) % kSlots;
        }
        table[slot].id = static_cast<std::uint8_t>(id);
    }
    return table;
}

constexpr auto kTable = build_table();

constexpr std::array<std::uint8_t, 128> build_compact() {
    std::array<std::uint8_t, 128> table{};
    for (std::size_t id = 1; id < kHeaderIdCount; ++id) {
        if (char c = kHeaders[id].compact; c != 0) {
            table[static_cast<unsigned char>(c)] = static_cast<std::uint8_t>(id);
            table[static_cast<unsigned char>(c - 32)] = static_cast<std::uint8_t>(id);
        }
    }
    return table;
}

constexpr auto kCompact = build_compact();

}  // namespace

std::string_view header_name(HeaderId id) { return kHeaders[static_cast<std::size_t>(id)].name; }
char header_compact(HeaderId id) { return kHeaders[static_cast<std::size_t>(id)].compact; }
HeaderArity header_arity(HeaderId id) { return kHeaders[static_cast<std::size_t>(id)].arity; }

HeaderId lookup_header(std::string_view name) {
    if (name.size() == 1) {
        auto c = static_cast<unsigned char>(name[0]);
        return c < 128 ? static_cast<HeaderId>(kCompact[c]) : HeaderId::Other;
    }
    std::size_t slot = ihash(name) % kSlots;
    while (kTable[slot].id != 0) {
        auto id = kTable[slot].id;
        if (iequals(kHeaders[id].name, name)) {
            return static_cast<HeaderId>(id);
        }
        slot = (slot + 1) % kSlots;
    }
    return HeaderId::Other;
}

}  // namespace sb::sip
