package io.pinlab.kernel.mm;

/** Memory zones we simulate (include/linux/mmzone.h). User pages live in NORMAL unless the
 *  session asks for ZONE_MOVABLE, where FOLL_LONGTERM pins force a migration first. */
public enum Zone {
    DMA32, NORMAL, MOVABLE
}
