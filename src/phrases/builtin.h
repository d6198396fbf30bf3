#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "sip/phrase_table.h"

namespace sb::phrases {

/// The built-in table of a language ("en", "sk", "es"), or nullopt for an unknown one.
std::optional<sip::PhraseTable> builtin(std::string_view language);
/// The languages with a built-in table.
std::vector<std::string_view> languages();

}  // namespace sb::phrases
