#pragma once

// FUZZ_CHECK(condition): an invariant of the code under test. When it does not hold, that is a
// bug in the code, not in the input: say which check failed and stop with a trap, so libFuzzer
// saves the input as a crash.

#include <cstdio>

#define FUZZ_CHECK(condition)                                                                    \
    do {                                                                                         \
        if (!(condition)) {                                                                      \
            std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #condition, __FILE__,       \
                         __LINE__);                                                              \
            __builtin_trap();                                                                    \
        }                                                                                        \
    } while (false)
