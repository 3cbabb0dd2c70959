package io.pinlab.api.gup;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Class-level constraint on a GUP request: the flags must exist in the session's profile, and the
 * arguments must pass the kernel core's {@code is_valid_gup_args()} (the one implementation, via
 * {@link GupArgsCheck}). A broken is_valid_gup_args rule becomes a 422 {@code invalid-gup-args}
 * problem; the other checks are 400s naming the field.
 */
@Documented
@Constraint(validatedBy = GupArgsValidator.class)
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface ValidGupArgs {
    String message() default "GUP arguments rejected by is_valid_gup_args()";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
