package io.pinlab.kernel.mm;

import io.pinlab.kernel.base.Step;

import java.util.List;

/**
 * What a process saw when it touched memory itself ({@link UserAccess#access}): {@code ret} is the
 * number of bytes accessed before a signal stopped it (the whole length when none did);
 * {@code signal} "SIGSEGV"/"SIGBUS"/"SIGKILL" or null with the siginfo code ("SEGV_MAPERR",
 * "SEGV_ACCERR", "BUS_ADRERR") and si_addr; {@code faults} the page faults taken; {@code values}
 * the value of each page read (first {@link UserAccess#MAX_VALUES} pages); {@code explain} one step
 * per VMA walked, the decisive one last.
 */
public record AccessResult(long ret, String signal, String siCode, Long faultAddr, int faults,
                           List<Long> values, List<Step> explain) {
    public boolean ok() { return signal == null; }
}
