// One-line descriptions of the FOLL_* flags (include/linux/mm_types.h, mm/internal.h), shown next
// to the flags the session's profile defines (GET /profiles/{name}/flags).
export const FOLL_HELP = {
  FOLL_WRITE: 'the caller will write to the pages: fault them writable (break COW)',
  FOLL_GET: 'take a plain reference (get_page); internal to get_user_pages*, not for callers of pin_*',
  FOLL_DUMP: 'core dump: return an error instead of the zero page or special mappings',
  FOLL_FORCE: 'ignore VMA permissions (ptrace, /proc/PID/mem): write to read-only private mappings via COW',
  FOLL_NOWAIT: 'do not wait for I/O or mmap_lock while faulting; return what is ready',
  FOLL_NOFAULT: 'never fault pages in: only pages already present',
  FOLL_HWPOISON: 'report hardware-poisoned pages as -EHWPOISON',
  FOLL_ANON: 'only anonymous memory (process_madvise, get_dump_page)',
  FOLL_LONGTERM: 'the pin may last indefinitely (RDMA, VFIO, io_uring buffers): no ZONE_MOVABLE/CMA, no fsdax or writeback file pages',
  FOLL_SPLIT_PMD: 'split a huge PMD mapping into PTEs first',
  FOLL_PCI_P2PDMA: 'allow PCI peer-to-peer DMA pages',
  FOLL_INTERRUPTIBLE: 'a fatal or normal signal may interrupt the fault',
  FOLL_HONOR_NUMA_FAULT: 'respect NUMA-hinting PROT_NONE entries (fault them) instead of ignoring them',
  FOLL_SAME_FILE: 'proposed (seed series): every page must come from the same file',
  FOLL_TOUCH: 'internal: mark the page accessed (and dirty for writes)',
  FOLL_TRIED: 'internal: the fault was retried once already',
  FOLL_REMOTE: 'internal: the mm is not the caller\'s own (get_user_pages_remote)',
  FOLL_PIN: 'internal: a pin (pin_user_pages*): refcount += 1024 on small folios, _pincount += 1 on large ones',
  FOLL_FAST_ONLY: 'internal: lockless walk only, never fall back to the slow path',
  FOLL_UNLOCKABLE: 'internal: the caller allows mmap_lock to be dropped (locked != NULL)',
  FOLL_MADV_POPULATE: 'internal: MADV_POPULATE_(READ|WRITE)',
};

