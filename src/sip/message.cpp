#include "sip/message.h"

#include "base/block_cache.h"
#include "base/strings.h"

namespace sb::sip {
namespace {

// Enough for the requests a busy worker's transactions hold at once (they release them after
// T1), about 1.4 MB; beyond it blocks go back to malloc.
using MessageBlocks = BlockCache<sizeof(Message), 1024>;

}  // namespace

void* Message::operator new(std::size_t size) {
    return size == sizeof(Message) ? MessageBlocks::allocate() : ::operator new(size);
}

void Message::operator delete(void* block, std::size_t size) noexcept {
    if (size == sizeof(Message)) {
        MessageBlocks::release(block);
    } else {
        ::operator delete(block);
    }
}

std::size_t Message::count(HeaderId id) const {
    std::size_t n = 0;
    for (const auto& h : headers_) {
        n += h.id == id ? 1 : 0;
    }
    return n;
}

const HeaderField* Message::find(std::string_view name) const {
    HeaderId id = lookup_header(name);
    if (id != HeaderId::Other) {
        return first(id);
    }
    for (const auto& h : headers_) {
        if (h.id == HeaderId::Other && iequals(h.name, name)) {
            return &h;
        }
    }
    return nullptr;
}

}  // namespace sb::sip
