#include "proxy/redirect.h"

#include <fmt/format.h>

namespace sb::proxy {

std::string redirect_contacts(const std::vector<location::Binding>& bindings) {
    std::string contacts;
    for (const location::Binding& b : bindings) {
        contacts += "Contact: <" + b.contact + ">";
        if (b.q >= 0) {
            contacts += fmt::format(";q={}.{:03}", b.q / 1000, b.q % 1000);
        }
        contacts += "\r\n";
    }
    return contacts;
}

std::string redirect_contact(std::string_view target) {
    return fmt::format("Contact: <{}>\r\n", target);
}

}  // namespace sb::proxy
