// A growable FIFO over one contiguous buffer. Streams push and pop millions of operations;
// std::deque would allocate a block every few elements, this reuses its storage.
#ifndef GPUHAL_FAKES_ENGINE_RING_QUEUE_H_
#define GPUHAL_FAKES_ENGINE_RING_QUEUE_H_

#include <cstddef>
#include <memory>
#include <utility>

namespace gpuhal::fake {

template <typename T>
class RingQueue {
 public:
  RingQueue() = default;
  RingQueue(const RingQueue&) = delete;
  RingQueue& operator=(const RingQueue&) = delete;
  ~RingQueue() {
    while (!empty()) pop_front();
  }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  T& front() { return *slot(head_); }

  void push_back(T&& value) {
    if (size_ == capacity_) Grow();
    new (slot((head_ + size_) & (capacity_ - 1))) T(std::move(value));
    ++size_;
  }
  void pop_front() {
    slot(head_)->~T();
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
  }

 private:
  T* slot(size_t index) { return std::launder(reinterpret_cast<T*>(storage_.get()) + index); }
  void Grow() {
    size_t capacity = capacity_ ? capacity_ * 2 : 16;
    std::unique_ptr<Storage[]> storage(new Storage[capacity]);
    T* target = reinterpret_cast<T*>(storage.get());
    for (size_t i = 0; i < size_; ++i) {
      T* source = slot((head_ + i) & (capacity_ - 1));
      new (target + i) T(std::move(*source));
      source->~T();
    }
    storage_ = std::move(storage);
    capacity_ = capacity;
    head_ = 0;
  }
  struct alignas(T) Storage {
    unsigned char bytes[sizeof(T)];
  };
  std::unique_ptr<Storage[]> storage_;
  size_t capacity_ = 0;  // a power of two
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_RING_QUEUE_H_
