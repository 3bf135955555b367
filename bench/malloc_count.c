// Counts malloc-family calls and live heap bytes of a process, for `flowrl bench --alloc-check`
// (see alloc_check.sh). Built as a shared object and LD_PRELOADed: the definitions below interpose
// glibc's, forward to glibc's internal __libc_* entry points and keep two relaxed atomic counters.
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static uint64_t calls;
static int64_t live;

static void *counted(void *p) {
    __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
    if (p) __atomic_fetch_add(&live, (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
    return p;
}

static void released(void *p) {
    if (p) __atomic_fetch_sub(&live, (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
}

uint64_t flowrl_malloc_calls(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }
uint64_t flowrl_malloc_live_bytes(void) { return (uint64_t)__atomic_load_n(&live, __ATOMIC_RELAXED); }

void *malloc(size_t n) { return counted(__libc_malloc(n)); }
void *calloc(size_t a, size_t b) { return counted(__libc_calloc(a, b)); }
void *realloc(void *p, size_t n) {
    size_t old = p ? malloc_usable_size(p) : 0;
    void *q = __libc_realloc(p, n);
    if (q || n == 0) __atomic_fetch_sub(&live, (int64_t)old, __ATOMIC_RELAXED);
    return counted(q);
}
void free(void *p) { released(p); __libc_free(p); }
void *memalign(size_t a, size_t n) { return counted(__libc_memalign(a, n)); }
void *aligned_alloc(size_t a, size_t n) { return counted(__libc_memalign(a, n)); }
int posix_memalign(void **out, size_t a, size_t n) {
    void *p = counted(__libc_memalign(a, n));
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
