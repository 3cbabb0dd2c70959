package io.pinlab.kernel.iouring;

import io.pinlab.kernel.base.Errno;
import io.pinlab.kernel.base.Step;

import java.util.List;

/**
 * What io_uring_enter() returned ({@code ret}: SQEs submitted, or -errno for the call itself)
 * and the CQEs reaped from the completion queue afterwards (tag CQEs posted earlier first).
 */
public record EnterResult(long ret, Errno errno, List<Cqe> cqes, List<Step> explain) {
}
