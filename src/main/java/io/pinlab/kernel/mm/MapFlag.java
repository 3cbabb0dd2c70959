package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.UapiFlag;

/** MAP_* (include/uapi/linux/mman.h, asm-generic/mman-common.h, x86 values). */
public enum MapFlag implements UapiFlag {
    MAP_SHARED(0x01), MAP_PRIVATE(0x02), MAP_SHARED_VALIDATE(0x03), MAP_DROPPABLE(0x08),
    MAP_FIXED(0x10), MAP_ANONYMOUS(0x20), MAP_32BIT(0x40),
    MAP_GROWSDOWN(0x100), MAP_DENYWRITE(0x800), MAP_EXECUTABLE(0x1000), MAP_LOCKED(0x2000),
    MAP_NORESERVE(0x4000), MAP_POPULATE(0x8000), MAP_NONBLOCK(0x10000), MAP_STACK(0x20000),
    MAP_HUGETLB(0x40000), MAP_SYNC(0x80000), MAP_FIXED_NOREPLACE(0x100000),
    MAP_UNINITIALIZED(0x4000000),
    /** MAP_HUGE_2MB = 21 << MAP_HUGE_SHIFT (26). */
    MAP_HUGE_2MB(21 << 26),
    /** MAP_HUGE_1GB = 30 << MAP_HUGE_SHIFT. */
    MAP_HUGE_1GB(30 << 26);

    public final int value;

    MapFlag(int value) { this.value = value; }

    @Override
    public int value() { return value; }
}
