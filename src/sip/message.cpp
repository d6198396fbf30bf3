#include "sip/message.h"

#include "base/strings.h"

namespace sb::sip {

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
