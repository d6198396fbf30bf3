# Helpers that make the right thing the short thing: one call per module, test, fuzzer, bench.

# Designated initializers that leave members at their defaults are intended.
set(SB_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough
    -Wno-missing-field-initializers)
if(SB_WERROR)
    list(APPEND SB_WARNINGS -Werror)
endif()

if(SB_SANITIZE)
    add_compile_options(-fsanitize=${SB_SANITIZE} -fno-omit-frame-pointer)
    add_link_options(-fsanitize=${SB_SANITIZE})
    # GCC warns that TSan does not model std::atomic_thread_fence (used inside Asio); the
    # warning says nothing about our code and would stop a -Werror build.
    if(SB_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        list(APPEND SB_WARNINGS -Wno-tsan)
    endif()
endif()

# The fuzz build (SB_FUZZ=ON: only the parser libraries and tests/fuzz) instruments everything
# for libFuzzer's coverage feedback and under ASan + UBSan; the fuzzer executables add
# -fsanitize=fuzzer at link time (sb_add_fuzzer in tests/fuzz/CMakeLists.txt). UBSan findings
# abort instead of printing and going on, so libFuzzer records them as crashes, and assert()
# stays on whatever the build type, since a failed assertion is a finding too.
if(SB_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "SB_FUZZ needs clang: configure with -DCMAKE_CXX_COMPILER=clang++")
    endif()
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                        -fno-omit-frame-pointer -UNDEBUG)
    add_link_options(-fsanitize=address,undefined)
endif()

# sb_add_module(name SOURCES ... [DEPS module...] [LIBS external...])
# Creates the static library sb_<name> (alias sb::<name>) with include root src/.
# A module without sources is an interface (header-only) target.
function(sb_add_module name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS" ${ARGN})
    sb_check_layer(${name} "${ARG_DEPS}")
    list(TRANSFORM ARG_DEPS PREPEND "sb_")
    if(ARG_SOURCES)
        add_library(sb_${name} STATIC ${ARG_SOURCES})
        target_include_directories(sb_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
        target_compile_options(sb_${name} PRIVATE ${SB_WARNINGS})
        target_link_libraries(sb_${name} PUBLIC ${ARG_DEPS} ${ARG_LIBS})
    else()
        add_library(sb_${name} INTERFACE)
        target_include_directories(sb_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
        target_link_libraries(sb_${name} INTERFACE ${ARG_DEPS} ${ARG_LIBS})
    endif()
    add_library(sb::${name} ALIAS sb_${name})
endfunction()

# sb_add_test(name SOURCES ... [DEPS module...] [LIBS external...] [LABELS ...] [ENV K=V ...])
# A GoogleTest executable registered with ctest (label "unit" unless LABELS says otherwise).
function(sb_add_test name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS;LABELS;ENV" ${ARGN})
    list(TRANSFORM ARG_DEPS PREPEND "sb_")
    add_executable(${name} ${ARG_SOURCES})
    target_compile_options(${name} PRIVATE ${SB_WARNINGS})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} ${ARG_LIBS} GTest::gmock GTest::gtest_main)
    if(NOT ARG_LABELS)
        set(ARG_LABELS unit)
    endif()
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 300
        ENVIRONMENT "SB_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data;${ARG_ENV}")
endfunction()

# sb_add_bench(name SOURCES ... [DEPS module...]): a Google Benchmark executable (not a test).
function(sb_add_bench name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    list(TRANSFORM ARG_DEPS PREPEND "sb_")
    add_executable(${name} ${ARG_SOURCES})
    target_compile_options(${name} PRIVATE ${SB_WARNINGS})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark_main)
endfunction()
