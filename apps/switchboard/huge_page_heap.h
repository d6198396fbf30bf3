#pragma once

namespace sb::app {

/// Starts this program again in place (same process, same arguments) with glibc's malloc told
/// to back the heap with transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1). The
/// server's heap grows with every binding and transaction, and on a virtual machine a fault per
/// fresh 4 KiB page cost more than a third of the CPU a REGISTER takes (bench/README.md).
/// Returns without doing anything when GLIBC_TUNABLES is already set (the operator's choice,
/// and the restarted process's own), when the kernel has huge pages turned off, or when the
/// restart fails.
void restart_with_huge_page_heap(char** argv);

}  // namespace sb::app
