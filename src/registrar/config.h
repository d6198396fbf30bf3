#pragma once

#include <cstddef>
#include <cstdint>

namespace sb::registrar {

struct RegistrarConfig {
    std::uint32_t min_expires = 60;       // shorter requests get 423 with Min-Expires
    std::uint32_t max_expires = 86400;    // longer requests are shortened to this
    std::uint32_t default_expires = 3600; // when neither the contact nor Expires says
    std::size_t max_contacts = 16;        // bindings per address-of-record
};

}  // namespace sb::registrar
