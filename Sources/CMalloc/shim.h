// glibc's malloc tuning (mallopt and its M_* parameters), for NativeThreads' AllocatorPolicy.
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
