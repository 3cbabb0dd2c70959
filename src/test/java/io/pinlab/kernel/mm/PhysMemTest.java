package io.pinlab.kernel.mm;

import org.junit.jupiter.api.Test;

import static io.pinlab.kernel.mm.PhysMem.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PhysMemTest {
    private final PhysMem phys = new PhysMem(4096, io.pinlab.kernel.mm.MemCg.unlimited());

    @Test
    void smallFolioStartsWithOneReferenceAndIsFreedAtZero() {
        long pfn = phys.allocFolio(Zone.NORMAL, 0);
        assertThat(phys.refcount(pfn)).isEqualTo(1);
        assertThat(phys.order(pfn)).isZero();
        assertThat(phys.zone(pfn)).isEqualTo(Zone.NORMAL);
        assertThat(phys.usedFrames(Zone.NORMAL)).isEqualTo(1);
        phys.refAdd(pfn, 2);
        assertThat(phys.refAdd(pfn, -3)).isZero();
        assertThat(phys.isAllocated(pfn)).isFalse();
        assertThat(phys.usedFrames(Zone.NORMAL)).isZero();
    }

    @Test
    void largeFolioIsAlignedAndTailsResolveToTheHead() {
        phys.allocFolio(Zone.NORMAL, 0); // misalign the bump pointer
        long head = phys.allocFolio(Zone.NORMAL, HPAGE_ORDER);
        assertThat(head % HPAGE_NR).isZero();
        assertThat(phys.head(head + 300)).isEqualTo(head);
        assertThat(phys.order(head + 300)).isEqualTo(HPAGE_ORDER);
        // the folio's refcount is shared by every subpage (folio_ref_count on page_folio)
        phys.refAdd(head + 7, 1);
        assertThat(phys.refcount(head + 511)).isEqualTo(2);
        assertThat(phys.usedFrames(Zone.NORMAL)).isEqualTo(1 + HPAGE_NR);
    }

    @Test
    void freedFramesAreReusedLifo() {
        long a = phys.allocFolio(Zone.NORMAL, 0);
        long b = phys.allocFolio(Zone.NORMAL, 0);
        phys.refAdd(a, -1);
        assertThat(phys.allocFolio(Zone.NORMAL, 0)).isEqualTo(a);
        assertThat(b).isNotEqualTo(a);
    }

    @Test
    void zoneExhaustionReturnsMinusOneAndMovableFallsBackToNormal() {
        PhysMem tiny = new PhysMem(HPAGE_NR, io.pinlab.kernel.mm.MemCg.unlimited());
        for (int i = 0; i < HPAGE_NR; i++) assertThat(tiny.allocFolio(Zone.MOVABLE, 0)).isPositive();
        long fallback = tiny.allocFolio(Zone.MOVABLE, 0);
        assertThat(tiny.zone(fallback)).isEqualTo(Zone.NORMAL);
        for (int i = 1; i < HPAGE_NR; i++) tiny.allocFolio(Zone.NORMAL, 0);
        assertThat(tiny.allocFolio(Zone.NORMAL, 0)).isEqualTo(-1);
    }

    @Test
    void maybeDmaPinnedFollowsFolioMaybeDmaPinned() {
        // include/linux/mm.h folio_maybe_dma_pinned(): small folios compare the refcount with
        // GUP_PIN_COUNTING_BIAS, large ones look at _pincount
        long small = phys.allocFolio(Zone.NORMAL, 0);
        assertThat(phys.maybeDmaPinned(small)).isFalse();
        phys.refAdd(small, PhysMem.GUP_PIN_COUNTING_BIAS);
        assertThat(phys.maybeDmaPinned(small)).isTrue();
        long large = phys.allocFolio(Zone.NORMAL, HPAGE_ORDER);
        phys.refAdd(large, 5000);
        assertThat(phys.maybeDmaPinned(large)).isFalse();
        phys.pincountAdd(large + 3, 1);
        assertThat(phys.maybeDmaPinned(large)).isTrue();
    }

    @Test
    void valuesAreKeptPerPageAndTheZeroPageIsReadOnly() {
        long head = phys.allocFolio(Zone.NORMAL, HPAGE_ORDER);
        phys.setValue(head + 1, 42);
        assertThat(phys.value(head + 1)).isEqualTo(42);
        assertThat(phys.value(head)).isZero();
        assertThat(phys.value(ZERO_PFN)).isZero();
        assertThatThrownBy(() -> phys.setValue(ZERO_PFN, 1)).isInstanceOf(IllegalStateException.class);
        // freeing clears the contents, as a new allocation must not leak old data
        phys.refAdd(head, -1);
        long again = phys.allocFolio(Zone.NORMAL, HPAGE_ORDER);
        assertThat(phys.value(again + 1)).isZero();
    }

    @Test
    void refcountUnderflowIsABug() {
        long pfn = phys.allocFolio(Zone.NORMAL, 0);
        phys.refAdd(pfn, -1);
        assertThatThrownBy(() -> phys.refAdd(pfn, -1)).isInstanceOf(IllegalStateException.class);
    }
}
