package io.pinlab.kernel.base;


/** One kernel check that ran: function, source file, outcome, and a one-line reason. */
public record Step(String fn, String file, String outcome, String detail) {
}
