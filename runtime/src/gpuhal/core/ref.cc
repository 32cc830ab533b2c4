#include "gpuhal/ref.h"

namespace gpuhal {

void RefCounted::Destroy() const {
  Allocator* allocator = allocator_;
  // The most-derived object's address is what the allocator handed out.
  void* memory = const_cast<void*>(dynamic_cast<const void*>(this));
  if (allocator) {
    this->~RefCounted();
    allocator->Free(memory);
  } else {
    delete this;
  }
}

}  // namespace gpuhal
