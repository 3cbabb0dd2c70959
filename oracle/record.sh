#!/bin/sh
# Regenerates oracle/recorded/v6.18.txt from the running kernel (the one command; never run in CI).
# Needs: root, gcc, liburing-dev (apt-get install -y gcc liburing-dev), /tmp on ext4, mkswap (util-linux) and no
# other swap area active (probe_swap() swapons a 16 MiB swapfile there and swapoffs it), and for the
# xfs and btrfs cases mkfs.xfs (xfsprogs), mkfs.btrfs (btrfs-progs) and loop devices. It sets vm.nr_hugepages,
# the 1 GiB pool's nr_hugepages and transparent_hugepage/use_zero_page while it runs and restores them on exit.
# Usage: sudo oracle/record.sh            (writes oracle/recorded/v6.18.txt)
set -eu
cd "$(dirname "$0")"
out=recorded/v6.18.txt
work=$(mktemp -d /tmp/pinlab-oracle.XXXXXX)
hp=$(cat /proc/sys/vm/nr_hugepages)
g1=/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages
hp1g=$(cat $g1 2>/dev/null || echo none) # no 1 GiB hstate without the CPU's pdpe1gb
zp=$(cat /sys/kernel/mm/transparent_hugepage/use_zero_page)
cleanup() {
    swapoff "$work/ext4/pinlab-swapfile" 2>/dev/null || true
    mountpoint -q "$work/xfs" 2>/dev/null && umount "$work/xfs"
    mountpoint -q "$work/btrfs" 2>/dev/null && umount "$work/btrfs"
    echo "$hp" > /proc/sys/vm/nr_hugepages
    [ "$hp1g" = none ] || echo "$hp1g" > $g1
    echo "$zp" > /sys/kernel/mm/transparent_hugepage/use_zero_page
    rm -rf "$work"
}
trap cleanup EXIT
cp "$out" "$work/previous.txt" 2>/dev/null || : > "$work/previous.txt"
gcc -O1 -Wall -o "$work/probes" probes.c -luring
mkdir "$work/ext4"
{
    echo "# pinlab oracle recording: oracle/probes.c on a real kernel, compared by OracleTest with pinlab v6.18"
    echo "# uname -r: $(uname -r)"
    echo "# recorded: $(date -u +%Y-%m-%dT%H:%MZ); THP enabled: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
    # a boot option of this host's vendor kernel that changes mm answers (OracleTest reads this line)
    grep -qw pvm_no_zero_page=1 /proc/cmdline && \
        echo "# host: mm_forbids_zeropage (kernel command line pvm_no_zero_page=1): read faults map no zero page"
    echo "# ext4: $(df -PT "$work/ext4" | awk 'NR == 2 { print $2 }') at $work/ext4"
    "$work/probes" "$work/ext4" ext4 > "$work/ext4.txt"
    if grep -q '^# gig: not recorded' "$work/ext4.txt" && grep -q '^gig\.' "$work/previous.txt"; then
        # no 1 GiB hstate on this host: keep the previous recording's gig.* block, with its provenance lines
        grep -v '^# gig: not recorded' "$work/ext4.txt"
        echo "# gig.*: carried over from the previous recording (this host has no 1 GiB hstate; pdpe1gb missing)"
        grep -E '^(# gig[.*: ]|gig\.)' "$work/previous.txt" | grep -v -e '^# gig: not recorded' -e '^# gig\.\*: carried over'
    else
        cat "$work/ext4.txt"
    fi
    if command -v mkfs.xfs >/dev/null && truncate -s 512M "$work/xfs.img" && mkfs.xfs -q "$work/xfs.img" \
            && mkdir "$work/xfs" && mount -o loop "$work/xfs.img" "$work/xfs"; then
        echo "# xfs: loop-mounted image at $work/xfs"
        "$work/probes" "$work/xfs" xfs files
    else
        echo "# xfs: not recorded (no mkfs.xfs or no loop device)"
    fi
    if command -v mkfs.btrfs >/dev/null && truncate -s 512M "$work/btrfs.img" && mkfs.btrfs -q "$work/btrfs.img" >/dev/null \
            && mkdir "$work/btrfs" && mount -o loop "$work/btrfs.img" "$work/btrfs"; then
        echo "# btrfs: loop-mounted image at $work/btrfs (mkfs.btrfs defaults: data checksums on)"
        "$work/probes" "$work/btrfs" btrfs files
    else
        echo "# btrfs: not recorded (no mkfs.btrfs or no loop device)"
    fi
    cat <<'NOTE'
# Not observable here (this kernel has no CONFIG_GUP_TEST, so no /sys/kernel/debug/gup_test):
#   folio refcounts and _pincount, which GUP entry point and FOLL_* flags a path used,
#   gup-fast versus slow-path decisions, is_valid_gup_args() WARN paths (kernel callers only),
#   and what a FOLL_GET reference does (no userspace handle to one here). Those stay derived from
#   the kernel sources, cited per test.
# mremap and MADV_COLLAPSE: refcounts and pincounts stay unobservable (see above); KPF_THP tells a
#   page of an order-9 folio, not whether a PMD or PTEs map it (a PTE-mapped THP reads "thp" too).
#   A page's refcount (the FOLL_GET reference a pipe buffer holds after vmsplice): /proc/kpagecount
#   counts mappings, not references; the vmsplice cases observe its effects (COW copies, data) instead.
# Not recorded: ZONE_MOVABLE (no movablecore=).
# pageout.*: whether a page is in the page cache is mincore() (mincore_page() looks it up); its pfn after a
#   re-read is not compared (the freed frame may come back), the folio's dirty flag is seen through what stays cached.
# swap.shmem_*: mincore() of a shmem page written to swap finds its folio in the swap cache until a later reclaim
#   pass frees it (pinlab's writes complete at once and free it in the same call), so it is not compared.
# swap: the swap cache, folio refcounts and swap offsets are not observable from userspace; the cases
#   observe pagemap bits 63/62, /proc/swaps Used, contents and pfn relations after swap-in.
NOTE
} > "$out.new"
mv "$out.new" "$out"
echo "wrote oracle/$out"
