#include "huge_page_heap.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sb::app {
namespace {

// "always [madvise] never": glibc's madvise() calls work unless the choice is [never].
bool kernel_offers_huge_pages() {
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string modes;
    return std::getline(f, modes) && modes.find("[never]") == std::string::npos;
}

}  // namespace

void restart_with_huge_page_heap(char** argv) {
    if (std::getenv("GLIBC_TUNABLES") != nullptr || !kernel_offers_huge_pages()) {
        return;
    }
    if (::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1) != 0) {
        return;
    }
    // By its own path rather than /proc/self/exe, so the process keeps its name in ps and top.
    std::error_code error;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        ::execv(self.c_str(), argv);
    }
    // Still here: the restart failed; run as we are, and leave the variable as we found it.
    ::unsetenv("GLIBC_TUNABLES");
}

}  // namespace sb::app
