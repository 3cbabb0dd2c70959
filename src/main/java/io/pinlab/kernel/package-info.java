/**
 * The simulator core: plain Java, no Spring, no Jackson, no HTTP types (an ArchUnit test keeps
 * it so). This package is the machine: one {@link io.pinlab.kernel.Kernel} per lab session boots
 * the shared state ({@code mm.Globals}) and takes {@link io.pinlab.kernel.Syscall}s; callers hold
 * the session lock. Below it, layered as in Linux: {@code iouring} uses {@code mm} and {@code fs},
 * which know each other ({@code vm_file}, the page cache), and everything uses {@code base}. No
 * subpackage depends on this one (ArchUnit LayerRulesTest). Kernel failures are values ({@link io.pinlab.kernel.base.SysResult}: ret, errno,
 * explain, warnings), never exceptions. Exceptions are only {@link io.pinlab.kernel.base.NoSuchObjectException}
 * (HTTP 404) and {@link io.pinlab.kernel.base.StateConflictException} (HTTP 409), plus bugs.
 *
 * <h2>Entry points (what the REST layer calls)</h2>
 * Flag arguments are kernel bit masks (the API converts names to masks with the enums
 * {@code Prot}, {@code MapFlag}, {@code Madv}, {@code FollFlag}, {@code OFlag}, {@code MfdFlag}).
 * Each entry point the API offers is also a value, {@link io.pinlab.kernel.Syscall}: a
 * session is the log of those calls, and replaying it rebuilds the kernel exactly (no clock,
 * no randomness, no hash order in answers).
 * <ul>
 * <li>processes: {@code Kernel.createTask(ppid, comm, uid, capIpcLock, rlimitMemlock)},
 *     {@code Kernel.task(pid)} (404 if absent), {@code Fork.copyProcess(k, parent)} (ret = child pid),
 *     {@code Exit.doExit(k, task)}</li>
 * <li>files: {@code Open.doSysOpen(k, t, path, oflags, Long size)}, {@code Memfd.memfdCreate(k, t, name, mfdFlags, Long size)},
 *     {@code Secretmem.memfdSecret(k, t, Long size)}, {@code Open.doSysFtruncate(k, t, fd, length)},
 *     {@code Open.closeFd(k, t, fd)} (all return SysResult with ret = fd or 0), {@code FileTable.fput(k, file)}</li>
 * <li>memory: {@code Mmap.doMmap(k, t, addr, len, prot, flags, fd, off)} (ret = address),
 *     {@code Mmap.doMunmap(k, t, addr, len)}, {@code Mprotect.doMprotect(k, t, addr, len, prot)},
 *     {@code Madvise.doMadvise(k, t, addr, len, advice)}, {@code UserAccess.access(k, t, addr, len, write, Long value)}</li>
 * <li>views: {@code Views.maps(k, t)}, {@code Views.mapsText(k, t)}, {@code Views.pagemap(k, t, addr, len)},
 *     {@code Views.status(k, t)}, {@code Views.fds(k, t)}, {@code Views.mounts(k)}</li>
 * <li>sysctl: {@code Sysctl.get(k, name)}, {@code Sysctl.set(k, name, value)}</li>
 * <li>GUP: {@code Gup.isValidGupArgs(...)} (the one implementation),
 *     {@code GupTest.call(k, t, GupRequest)} (the simulated driver, mm/gup_test.c) -> GupResult (with the
 *     broken is_valid_gup_args() rule, if any), {@code Pins.release(k, pinId, how, makeDirty)},
 *     {@code Pins.list(k)}; for kernel callers (io_uring, process_vm_rw, /proc/PID/mem):
 *     {@code Gup.pinUserPages / pinUserPagesFast / pinUserPagesRemote / getUserPagesRemote / unpinUserPage(s) / putPages}
 *     (no driver-visible Pin)</li>
 * <li>io_uring: {@code IoUring.setup(k, t, entries, flags)}, {@code Register.ioUringRegister(k, t, RegisterArgs)},
 *     {@code IoUring.enter(k, t, fd, sqes)}, {@code IoUring.buffers(k, t, fd)}</li>
 * <li>log: {@code Kernel.log.text()} (dmesg)</li>
 * </ul>
 */
package io.pinlab.kernel;

import io.pinlab.kernel.base.NoSuchObjectException;
import io.pinlab.kernel.base.StateConflictException;
import io.pinlab.kernel.base.SysResult;
