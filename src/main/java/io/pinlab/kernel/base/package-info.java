/**
 * The types every kernel package uses and that use no other kernel package: {@link
 * io.pinlab.kernel.base.Errno}, {@link io.pinlab.kernel.base.SysResult} with its {@link
 * io.pinlab.kernel.base.Explain} steps, {@link io.pinlab.kernel.base.Profile} (what differs between
 * kernel versions), {@link io.pinlab.kernel.base.KernelLog} (printk/dmesg) and the two exceptions
 * that are not kernel answers (404 and 409). An ArchUnit rule keeps this package at the bottom.
 */
package io.pinlab.kernel.base;
