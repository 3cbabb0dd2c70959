package io.pinlab.api.gup;

import io.pinlab.api.problem.GupArgsViolation;
import io.pinlab.kernel.Profile;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.session.LabSession;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import org.hibernate.validator.constraintvalidation.HibernateConstraintValidatorContext;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@link ValidGupArgs}: needs the session (its profile decides which flags exist and which rules
 * apply), which the session argument resolver leaves as a request attribute; controllers declare
 * the {@code LabSession} parameter before the request body.
 */
public class GupArgsValidator implements ConstraintValidator<ValidGupArgs, GupRequestArgs> {
    /** Same attribute as io.pinlab.api.web.SessionArgumentResolver. */
    static final String SESSION_ATTRIBUTE = LabSession.class.getName();

    private final GupArgsCheck check;

    public GupArgsValidator(GupArgsCheck check) {
        this.check = check;
    }

    @Override
    public boolean isValid(GupRequestArgs req, ConstraintValidatorContext context) {
        if (req == null || req.call() == null || req.gupFlags() == null) return true; // field constraints report
        LabSession session = currentSession();
        if (session == null) return true;
        Profile profile = session.profile();
        boolean ok = true;
        context.disableDefaultConstraintViolation();

        List<FollFlag> undefined = req.gupFlags().stream().filter(f -> !f.existsIn(profile)).toList();
        if (!undefined.isEmpty()) {
            String accepted = FollFlag.definedIn(profile).stream().map(Enum::name).collect(Collectors.joining(", "));
            violation(context, "gupFlags", "not defined in profile " + profile.name() + ": "
                    + undefined.stream().map(Enum::name).collect(Collectors.joining(", ")) + "; accepted: " + accepted);
            ok = false;
        }
        if (Boolean.TRUE.equals(req.vmas()) && !profile.hasVmasParam(req.call().name())) {
            violation(context, "vmas", req.call() + " has no vmas parameter in " + profile.kernel()
                    + (profile.vmasParam() ? "" : " (removed in 6.5)"));
            ok = false;
        }
        if (req.locked() != null && !req.call().takesLocked()) {
            violation(context, "locked", req.call() + " takes no locked argument; only get_user_pages_remote and "
                    + "pin_user_pages_remote do");
            ok = false;
        }
        if (!ok) return false;

        Optional<GupArgsViolation> broken = check.check(session, new GupArgsCheck.GupArgs(req.call(), req.gupFlags(),
                !Boolean.FALSE.equals(req.pages()), Boolean.TRUE.equals(req.vmas()), req.locked()));
        if (broken.isEmpty()) return true;
        context.unwrap(HibernateConstraintValidatorContext.class)
                .withDynamicPayload(broken.get())
                .buildConstraintViolationWithTemplate(escape(broken.get().detail()))
                .addConstraintViolation();
        return false;
    }

    private static void violation(ConstraintValidatorContext context, String field, String message) {
        context.buildConstraintViolationWithTemplate(escape(message)).addPropertyNode(field).addConstraintViolation();
    }

    /** Messages are templates: keep user-controlled text from being interpolated. */
    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("$", "\\$");
    }

    private static LabSession currentSession() {
        RequestAttributes attrs = RequestContextHolder.getRequestAttributes();
        return attrs == null ? null
                : (LabSession) attrs.getAttribute(SESSION_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
    }
}
