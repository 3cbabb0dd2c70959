/**
 * The types every kernel package uses and that use no other kernel package: {@link
 * io.pinlab.kernel.base.Errno}, {@link io.pinlab.kernel.base.SysResult} with its {@link
 * io.pinlab.kernel.base.Explain} steps, {@link io.pinlab.kernel.base.Profile} (what differs between
 * kernel versions), {@link io.pinlab.kernel.base.KernelLog} (printk/dmesg) and the two exceptions
 * that are not kernel answers (404 and 409). An ArchUnit rule keeps this package at the bottom.
 *
 * <h2>Addresses and page frames: {@link io.pinlab.kernel.base.VirtAddr}, {@link io.pinlab.kernel.base.Pfn}</h2>
 * Where one kernel package calls into another, or the machine and the REST layer call into the
 * kernel, a single user address is a {@code VirtAddr} and a single page frame a {@code Pfn}: the GUP
 * exports ({@code Gup.pinUserPages} and friends, {@code GupRequest.start}, {@code Pin.start},
 * {@code Gup.unpinUserPage}), {@code ProcessVm.memRw}, and the mm system calls ({@code
 * Mmap.doMmap}, {@code Mmap.doMunmap}, {@code Mprotect.doMprotect}, {@code Madvise.doMadvise},
 * {@code Mremap.doMremap}, {@code UserAccess.access}). The boundary stops there, on purpose:
 * <ul>
 * <li>The {@code Syscall} records keep the values a system call receives ({@code unsigned long}
 *     registers, as long): they are the uapi, written to the step log as numbers.</li>
 * <li>Page arrays stay {@code long[]} of pfns (the kernel's {@code struct page **pages}): GUP fills
 *     one entry per page on the hot path (262,144 for a 1 GiB pin), where an object per entry would
 *     cost an allocation and 16 bytes each.</li>
 * <li>Inside a subsystem (package-private code, page-table walks, {@code PhysMem}, {@code XArray})
 *     addresses and pfns are {@code long}, as they are {@code unsigned long} inside the kernel.</li>
 * <li>uapi structs keep their field types ({@link io.pinlab.kernel.base.Iovec}: {@code void *} and
 *     {@code size_t} as long).</li>
 * <li>JSON and HTTP are unchanged: the REST layer converts at its edge.</li>
 * </ul>
 */
package io.pinlab.kernel.base;
