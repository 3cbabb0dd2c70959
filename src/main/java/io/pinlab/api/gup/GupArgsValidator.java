package io.pinlab.api.gup;

import io.pinlab.api.problem.GupArgsViolation;
import io.pinlab.kernel.Profile;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.Gup;
import io.pinlab.session.LabSession;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import org.hibernate.validator.constraintvalidation.HibernateConstraintValidatorContext;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@link ValidGupArgs}. Needs the session (its profile decides which flags exist and which rules
 * apply), which the session argument resolver leaves as a request attribute: controllers declare
 * the {@code LabSession} parameter before the request body. All rules come from the kernel core:
 * {@link Gup#requestShapeError} (400) and {@link Gup#isValidGupArgs} (422); on a 422 the
 * WARN_ON_ONCE goes to the session's dmesg through {@link Gup#warnInvalidArgs}, as the kernel prints it.
 */
public class GupArgsValidator implements ConstraintValidator<ValidGupArgs, GupRequestArgs> {
    /** Same attribute as io.pinlab.api.web.SessionArgumentResolver. */
    static final String SESSION_ATTRIBUTE = LabSession.class.getName();
    private static final Set<String> FIELDS = Set.of("call", "start", "nrPages", "gupFlags", "pages", "vmas", "locked",
            "targetPid");

    @Override
    public boolean isValid(GupRequestArgs req, ConstraintValidatorContext context) {
        if (req == null || req.call() == null || req.gupFlags() == null || req.start() == null || req.nrPages() == null
                || req.nrPages() < 0)
            return true; // the field constraints report these
        LabSession session = currentSession();
        if (session == null) return true;
        Profile profile = session.profile();
        context.disableDefaultConstraintViolation();

        // Names first: FOLL_SAME_FILE and FOLL_HONOR_NUMA_FAULT share bit 12, so the mask alone cannot tell.
        List<FollFlag> undefined = req.gupFlags().stream().filter(f -> !f.existsIn(profile)).toList();
        if (!undefined.isEmpty()) {
            String accepted = FollFlag.definedIn(profile).stream().map(Enum::name).collect(Collectors.joining(", "));
            fieldViolation(context, "gupFlags", undefined.stream().map(Enum::name).collect(Collectors.joining(", "))
                    + " not defined in profile " + profile.name() + "; accepted: " + accepted);
            return false;
        }
        String shape = Gup.requestShapeError(profile, req.toKernel());
        if (shape != null) {
            int colon = shape.indexOf(": ");
            String field = colon > 0 && FIELDS.contains(shape.substring(0, colon)) ? shape.substring(0, colon) : "$";
            fieldViolation(context, field, field.equals("$") ? shape : shape.substring(colon + 2));
            return false;
        }
        io.pinlab.kernel.mm.GupArgsViolation v = Gup.isValidGupArgs(profile, req.call(), !Boolean.FALSE.equals(req.pages()),
                Boolean.TRUE.equals(req.vmas()), req.locked(), FollFlag.mask(req.gupFlags()));
        if (v == null) return true;
        session.locked(k -> Gup.warnInvalidArgs(k, v));
        GupArgsViolation payload = new GupArgsViolation(v.rule(), v.kernelRet(), v.warning(),
                v.call() + ": is_valid_gup_args() rejects the arguments (" + v.rule() + "): " + v.detail()
                        + "; in this kernel the call returns " + v.kernelRet());
        context.unwrap(HibernateConstraintValidatorContext.class)
                .withDynamicPayload(payload)
                .buildConstraintViolationWithTemplate(escape(payload.detail()))
                .addConstraintViolation();
        return false;
    }

    private static void fieldViolation(ConstraintValidatorContext context, String field, String message) {
        context.buildConstraintViolationWithTemplate(escape(message)).addPropertyNode(field).addConstraintViolation();
    }

    /** Messages are templates: keep the text from being interpolated. */
    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("$", "\\$");
    }

    private static LabSession currentSession() {
        RequestAttributes attrs = RequestContextHolder.getRequestAttributes();
        return attrs == null ? null
                : (LabSession) attrs.getAttribute(SESSION_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
    }
}
