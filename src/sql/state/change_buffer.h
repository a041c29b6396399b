// A checkpoint's changelog records, (key, value) pairs back to back in one buffer: a record costs
// its bytes and two offsets, not two strings (a checkpoint of a large aggregation holds hundreds
// of thousands of them while its transaction is written).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::sql::state {

class ChangeBuffer {
 public:
  size_t size() const { return ends_.size() / 2; }
  bool empty() const { return ends_.empty(); }
  void add(std::string_view key, std::string_view value) {
    bytes_.append(key);
    ends_.push_back(bytes_.size());
    bytes_.append(value);
    ends_.push_back(bytes_.size());
  }
  // A record whose value `write` appends to the string it is given (no temporary copy).
  template <typename Write>
  void add_with(std::string_view key, Write&& write) {
    bytes_.append(key);
    ends_.push_back(bytes_.size());
    write(bytes_);
    ends_.push_back(bytes_.size());
  }
  // Moves all of `other`'s records after this one's; `other` is left empty.
  void take_all(ChangeBuffer& other) {
    if (empty()) {
      std::swap(*this, other);
      return;
    }
    size_t base = bytes_.size();
    bytes_.append(other.bytes_);
    for (size_t end : other.ends_) ends_.push_back(base + end);
    other.clear();
  }

  std::string_view key(size_t i) const { return slice(2 * i); }
  std::string_view value(size_t i) const { return slice(2 * i + 1); }

  void clear() {
    bytes_.clear();
    ends_.clear();
  }
  // Clears and gives the memory back (a burst's records do not stay allocated).
  void release() {
    std::string().swap(bytes_);
    std::vector<size_t>().swap(ends_);
  }

 private:
  std::string_view slice(size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(begin, ends_[i] - begin);
  }
  std::string bytes_;
  std::vector<size_t> ends_;  // of each key, then of its value
};

}  // namespace sluice::sql::state
