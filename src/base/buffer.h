#pragma once

// An owned, immovable block of bytes. Views into it stay valid when the Buffer itself is moved,
// which is what lets a parsed message be indexed by string_views and still be passed around.

#include <cstring>
#include <memory>
#include <string_view>

namespace sb {

class Buffer {
public:
    Buffer() = default;
    explicit Buffer(std::size_t size) : data_(new char[size]), size_(size) {}

    static Buffer copy_of(std::string_view bytes) {
        Buffer b(bytes.size());
        if (!bytes.empty()) {
            std::memcpy(b.data_.get(), bytes.data(), bytes.size());
        }
        return b;
    }

    char* data() { return data_.get(); }
    const char* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::string_view view() const { return {data_.get(), size_}; }
    /// Shrinks the visible size (the allocation is kept); used after a read fills part of it.
    void truncate(std::size_t size) {
        if (size < size_) {
            size_ = size;
        }
    }

private:
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
};

}  // namespace sb
