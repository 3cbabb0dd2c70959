package io.pinlab.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** ARCHITECTURE.md: dependencies point down only. */
class LayerRulesTest {
    private static JavaClasses classes;
    private static final String[] MM_AND_FS = {"io.pinlab.kernel.mm..", "io.pinlab.kernel.fs.."};

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.pinlab");
    }

    @Test
    void kernelIsPlainJava() {
        noClasses().that().resideInAPackage("io.pinlab.kernel..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "io.pinlab.api..",
                        "io.pinlab.session..", "io.pinlab.platform..", "tools.jackson..", "com.fasterxml.jackson..",
                        "jakarta.servlet..")
                .because("the simulator core is plain Java (ARCHITECTURE.md)")
                .check(classes);
    }

    /**
     * A session is its log: replaying the calls must rebuild the kernel exactly, so the kernel reads
     * no clock, draws no random numbers and is never serialised with Java serialisation.
     */
    @Test
    void kernelIsDeterministic() {
        noClasses().that().resideInAPackage("io.pinlab.kernel..")
                .should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().dependOnClassesThat().resideInAPackage("java.time..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Random")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.ThreadLocalRandom")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.security.SecureRandom")
                .orShould().callMethod(Math.class, "random")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.Serializable")
                .because("replaying a session's log rebuilds its kernel only if the kernel is deterministic; "
                        + "the call time is recorded in the step, outside the kernel")
                .check(classes);
    }

    /** Errno, Explain, Profile, SysResult...: the types every kernel package uses, so they use none. */
    @Test
    void kernelBaseDependsOnNoOtherKernelPackage() {
        noClasses().that().resideInAPackage("io.pinlab.kernel.base..")
                .should().dependOnClassesThat().resideInAnyPackage("io.pinlab.kernel", "io.pinlab.kernel.mm..",
                        "io.pinlab.kernel.fs..", "io.pinlab.kernel.iouring..")
                .because("the base types sit below every kernel package")
                .check(classes);
    }

    /**
     * The machine (io.pinlab.kernel: Kernel, Syscall, Sysctl, Views, KernelSnapshot) boots the
     * subsystems and calls into them; the subsystems see only their shared state (mm.Globals).
     */
    @Test
    void noKernelSubpackageDependsOnTheMachine() {
        noClasses().that().resideInAPackage("io.pinlab.kernel.(*)..")
                .should().dependOnClassesThat().resideInAPackage("io.pinlab.kernel")
                .because("the machine sits above mm, fs and io_uring, as the syscall layer does in Linux")
                .check(classes);
    }

    /**
     * io_uring sits above mm and fs, as in the kernel: closing a ring's file reaches io_uring only
     * through the file's f_op->release (FileOperations), so mm and fs never name io_uring.
     */
    @Test
    void mmAndFsDoNotDependOnIoUring() {
        noClasses().that().resideInAnyPackage(MM_AND_FS)
                .should().dependOnClassesThat().resideInAPackage("io.pinlab.kernel.iouring..")
                .because("fput() calls f_op->release; mm/ and fs/ do not include io_uring headers")
                .check(classes);
    }

    @Test
    void sessionDoesNotUseApi() {
        noClasses().that().resideInAPackage("io.pinlab.session..")
                .should().dependOnClassesThat().resideInAPackage("io.pinlab.api..")
                .because("the REST edge sits above the session layer")
                .check(classes);
    }

    @Test
    void platformDoesNotUseApiOrKernel() {
        noClasses().that().resideInAPackage("io.pinlab.platform..")
                .should().dependOnClassesThat().resideInAnyPackage("io.pinlab.api..", "io.pinlab.kernel..")
                .because("cross-cutting plumbing knows nothing of the REST edge or the simulator")
                .check(classes);
    }
}
