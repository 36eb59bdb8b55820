// SPDX-License-Identifier: GPL-2.0-or-later
// LD_PRELOAD shim for Debian 12's User-Mode Linux (6.1) on hosts whose XSAVE
// area is larger than UML's fixed FP buffer (AVX-512, AMX, CET: about 2.7 KB
// against UML's 832 bytes).
//
// Why: UML saves a guest thread's FP state with PTRACE_GETREGSET(NT_X86_XSTATE)
// into its short buffer (the host truncates, fine) and restores it with
// PTRACE_SETREGSET of that same short buffer, which the host refuses with
// EFAULT unless the buffer is the whole XSAVE area. UML then panics at boot
// ("userspace - ptrace set fp regs failed, errno = 14"). Later kernels size the
// buffer at run time; 6.1 does not.
//
// What: every short XSTATE read is done at full size into a buffer kept per
// caller buffer (one per guest thread: UML passes the thread's own pt_regs),
// and the caller gets the prefix it asked for. A short XSTATE write overlays
// the caller's prefix onto that full buffer (or onto the host thread's current
// state for a buffer never read) and writes the whole area. So each guest
// thread keeps all of its registers, AVX-512 included. On a host whose XSAVE
// area fits UML's buffer, every call passes straight through.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

static ptrace_fn real_ptrace;
static size_t full_size;  // the host's XSAVE area, learned on first use
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

// Open addressing, keyed by the caller's buffer address; never shrinks (UML
// reuses the pt_regs of dead threads, so the table stays as big as the most
// threads that ever lived at once).
struct slot {
  const void *key;
  unsigned char *full;
  int filled;  // full holds a whole area read from the host
};
static struct slot *slots;
static size_t slot_count;

static size_t hash_of(const void *key) {
  uintptr_t k = (uintptr_t)key;
  k ^= k >> 17;
  k *= 0x9E3779B97F4A7C15ull;
  return (size_t)(k >> 20);
}

static int grow(void);

static struct slot *find(const void *key, int create) {
  if (!slots && (!create || grow() != 0)) return NULL;
  for (;;) {
    size_t mask = slot_count - 1, i = hash_of(key) & mask, used = 0;
    for (size_t n = 0; n < slot_count; n++, i = (i + 1) & mask) {
      if (slots[i].key == key) return &slots[i];
      if (!slots[i].key) {
        if (!create) return NULL;
        slots[i].key = key;
        slots[i].full = malloc(full_size);
        slots[i].filled = 0;
        if (!slots[i].full) { slots[i].key = NULL; return NULL; }
        return &slots[i];
      }
      used++;
      if (used * 4 > slot_count * 3) break;  // too full: grow, then retry
    }
    if (!create || grow() != 0) return NULL;
  }
}

static int grow(void) {
  size_t old_count = slot_count;
  struct slot *old = slots;
  size_t count = old_count ? old_count * 2 : 256;
  struct slot *fresh = calloc(count, sizeof *fresh);
  if (!fresh) return -1;
  slots = fresh;
  slot_count = count;
  for (size_t i = 0; i < old_count; i++) {
    if (!old[i].key) continue;
    size_t mask = count - 1, j = hash_of(old[i].key) & mask;
    while (slots[j].key) j = (j + 1) & mask;
    slots[j] = old[i];
  }
  free(old);
  return 0;
}

static long learn_full_size(pid_t pid) {
  if (full_size) return 0;
  static unsigned char probe[1 << 16];
  struct iovec iov = {probe, sizeof probe};
  long rc = real_ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov);
  if (rc == 0) full_size = iov.iov_len;
  return rc;
}

static long short_get(pid_t pid, struct iovec *caller) {
  struct slot *s = find(caller->iov_base, 1);
  if (!s) { errno = ENOMEM; return -1; }
  struct iovec iov = {s->full, full_size};
  long rc = real_ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov);
  if (rc == 0) {
    s->filled = 1;
    memcpy(caller->iov_base, s->full, caller->iov_len);
  }
  return rc;
}

static long short_set(pid_t pid, const struct iovec *caller) {
  struct slot *s = find(caller->iov_base, 1);
  if (!s) { errno = ENOMEM; return -1; }
  if (!s->filled) {
    // Never read through this buffer (a new thread's copied regs): start
    // from what the host thread holds now.
    struct iovec now = {s->full, full_size};
    long rc = real_ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &now);
    if (rc != 0) return rc;
    s->filled = 1;
  }
  memcpy(s->full, caller->iov_base, caller->iov_len);
  struct iovec iov = {s->full, full_size};
  return real_ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &iov);
}

long ptrace(enum __ptrace_request request, ...) {
  va_list ap;
  va_start(ap, request);
  pid_t pid = va_arg(ap, pid_t);
  void *addr = va_arg(ap, void *);
  void *data = va_arg(ap, void *);
  va_end(ap);
  // POSIX guarantees dlsym's object pointer converts to a function pointer.
  if (!real_ptrace) *(void **)&real_ptrace = dlsym(RTLD_NEXT, "ptrace");
  if ((request != PTRACE_GETREGSET && request != PTRACE_SETREGSET) ||
      (uintptr_t)addr != NT_X86_XSTATE || !data)
    return real_ptrace(request, pid, addr, data);

  pthread_mutex_lock(&lock);
  struct iovec *iov = data;
  long rc;
  if (learn_full_size(pid) == 0 && iov->iov_len < full_size)
    rc = request == PTRACE_GETREGSET ? short_get(pid, iov) : short_set(pid, iov);
  else
    rc = real_ptrace(request, pid, addr, data);
  pthread_mutex_unlock(&lock);
  return rc;
}
