#pragma once

// Fixed-size blocks kept for reuse by the thread that freed them, for an object allocated once
// per message and too large for glibc's per-thread cache (over 1032 bytes). malloc serves such
// a size from its shared bins, and before it does it merges every small free chunk waiting in
// the fast bins: 4 % of a worker's samples per REGISTER went there.
//
// Each thread keeps its own list, so no lock is taken. A block freed by another thread than the
// one that allocated it simply joins that thread's list. Under AddressSanitizer nothing is kept,
// so that a use after free is still reported.

#include <cstddef>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define SB_BLOCK_CACHE_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SB_BLOCK_CACHE_UNDER_ASAN 1
#endif
#endif

namespace sb {

template <std::size_t Size, std::size_t Keep>
class BlockCache {
    static_assert(Size >= sizeof(void*));

public:
#if defined(SB_BLOCK_CACHE_UNDER_ASAN)
    static constexpr bool kEnabled = false;
#else
    static constexpr bool kEnabled = Keep > 0;
#endif

    static void* allocate() {
        List& list = list_storage();
        if (FreeBlock* b = list.head) {
            list.head = b->next;
            --list.count;
            return b;
        }
        return ::operator new(Size);
    }

    static void release(void* block) noexcept {
        List& list = list_storage();
        if (kEnabled && list.open && list.count < Keep) {
            thread_local Closer closer;  // constructed with the first kept block, so it runs at exit
            (void)closer;
            auto* b = static_cast<FreeBlock*>(block);
            b->next = list.head;
            list.head = b;
            ++list.count;
            return;
        }
        ::operator delete(block);
    }

    /// Blocks this thread keeps for reuse.
    static std::size_t cached() { return list_storage().count; }

private:
    struct FreeBlock {
        FreeBlock* next;
    };
    // Trivially destructible, so a block released while the thread's other thread_local objects
    // are destroyed still finds it (closed by then) and is freed at once.
    struct List {
        FreeBlock* head = nullptr;
        std::size_t count = 0;
        bool open = true;
    };
    // Frees the kept blocks when the thread ends.
    struct Closer {
        Closer() = default;
        Closer(const Closer&) = delete;
        Closer& operator=(const Closer&) = delete;
        ~Closer() {
            List& list = list_storage();
            list.open = false;
            while (FreeBlock* b = list.head) {
                list.head = b->next;
                ::operator delete(b);
            }
            list.count = 0;
        }
    };

    static List& list_storage() {
        thread_local List list;
        return list;
    }
};

/// Inherited by a class whose objects are allocated once per message and are too large for
/// glibc's thread cache: `new T` then takes a block from this thread's BlockCache. Derived
/// classes of another size are allocated as usual.
template <class T, std::size_t Keep = 1024>
class CachedAllocation {
public:
    // BlockCache<sizeof(T)> is named only inside the bodies, where T is complete.
    static void* operator new(std::size_t size) {
        return size == sizeof(T) ? BlockCache<sizeof(T), Keep>::allocate() : ::operator new(size);
    }
    static void operator delete(void* block, std::size_t size) noexcept {
        if (size == sizeof(T)) {
            BlockCache<sizeof(T), Keep>::release(block);
        } else {
            ::operator delete(block);
        }
    }
};

}  // namespace sb
