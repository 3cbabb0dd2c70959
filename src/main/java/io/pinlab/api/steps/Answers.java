package io.pinlab.api.steps;

import io.pinlab.kernel.base.UapiFlag;
import com.fasterxml.jackson.annotation.JsonIgnore;
import io.pinlab.api.common.FlagSet;
import io.pinlab.api.common.KernelAnswer;
import io.pinlab.api.common.Pfns;
import io.pinlab.api.json.Address;
import io.pinlab.kernel.base.Profile;
import io.pinlab.kernel.base.SysResult;
import io.pinlab.kernel.iouring.Cqe;
import io.pinlab.kernel.iouring.EnterResult;
import io.pinlab.kernel.mm.AccessResult;
import io.pinlab.kernel.mm.FollFlag;
import io.pinlab.kernel.mm.GupArgsViolation;
import io.pinlab.kernel.mm.GupCall;
import io.pinlab.kernel.mm.GupResult;
import io.pinlab.kernel.mm.Pin;
import io.pinlab.kernel.mm.PinRelease;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.EnumSet;
import java.util.List;

/** The JSON answers of the calls: what the endpoints return and what a replayed step answers. */
public final class Answers {
    private Answers() {
    }

    @Schema(description = "mmap answer: addr on success (ret null), else addr null and ret = -errno")
    public record MmapAnswer(@Schema(nullable = true) Address addr, @Schema(nullable = true, example = "-22") Long ret,
                             @Schema(nullable = true, implementation = io.pinlab.kernel.base.Errno.class) String errno,
                             List<KernelAnswer.ExplainStep> explain, List<String> warnings, FlagSet prot, FlagSet flags) {
        static MmapAnswer of(Requests.MmapRequest req, SysResult r, Profile profile) {
            KernelAnswer a = KernelAnswer.of(r, profile);
            return new MmapAnswer(r.ok() ? Address.of(r.ret()) : null, r.ok() ? null : r.ret(), a.errno(), a.explain(),
                    a.warnings(), FlagSet.of(req.prot(), UapiFlag.mask(req.prot())),
                    FlagSet.of(req.flags(), UapiFlag.mask(req.flags())));
        }
    }

    @Schema(description = "mremap(2): the mapping's (new) address, or the errno")
    public record MremapAnswer(@Schema(nullable = true) Address addr, @Schema(nullable = true, example = "-12") Long ret,
                               @Schema(nullable = true, implementation = io.pinlab.kernel.base.Errno.class) String errno,
                               List<KernelAnswer.ExplainStep> explain, List<String> warnings) {
        static MremapAnswer of(SysResult r, Profile profile) {
            KernelAnswer a = KernelAnswer.of(r, profile);
            return new MremapAnswer(r.ok() ? Address.of(r.ret()) : null, r.ok() ? null : r.ret(), a.errno(), a.explain(), a.warnings());
        }
    }

    @Schema(description = "what the process saw: ret bytes accessed before a signal stopped it")
    public record AccessAnswer(long ret,
                               @Schema(nullable = true, allowableValues = {"SIGSEGV", "SIGBUS", "SIGKILL"}) String signal,
                               @Schema(nullable = true, example = "SEGV_ACCERR") String siCode,
                               @Schema(nullable = true) Address faultAddr,
                               int faults,
                               @Schema(description = "read: the value of each page read") List<Long> values,
                               List<KernelAnswer.ExplainStep> explain) {
        static AccessAnswer of(AccessResult r, Profile profile) {
            return new AccessAnswer(r.ret(), r.signal(), r.siCode(), r.faultAddr() == null ? null : Address.of(r.faultAddr()),
                    r.faults(), r.values(), KernelAnswer.explain(r.explain(), profile));
        }
    }

    @Schema(description = "pages held by the simulated driver after a successful GUP call")
    public record PinView(@Schema(example = "1") long id, @Schema(implementation = GupCall.class) String call, int pid,
                          Address start, long nrPages, FlagSet gupFlags,
                          @Schema(description = "the page array (at most the first 512 entries unless full=true)") List<Long> pfns,
                          @Schema(description = "true when pfns lists only the first 512 entries") boolean pfnsTruncated,
                          @Schema(description = "the whole page array as runs with a fixed step (at most the first 256 runs)") List<Pfns.Run> pfnRuns,
                          @Schema(description = "true when pfnRuns stops before the end of the page array (list it with full=true)")
                          boolean pfnRunsTruncated,
                          boolean released,
                          @Schema(nullable = true, implementation = PinRelease.class) String releasedHow,
                          @Schema(allowableValues = {"FOLL_PIN", "FOLL_GET"}) String kind) {
        public static PinView of(Pin p, Profile profile) { return of(p, profile, false); }

        public static PinView of(Pin p, Profile profile, boolean full) {
            EnumSet<FollFlag> names = EnumSet.noneOf(FollFlag.class);
            for (FollFlag f : FollFlag.values())
                if (f.existsIn(profile) && (p.gupFlags() & f.value()) != 0) names.add(f);
            Pfns.Runs runs = Pfns.runs(p.pfns());
            return new PinView(p.id(), p.call().name(), p.pid(), Address.of(p.start().value()), p.nrPages(),
                    FlagSet.of(names, p.gupFlags()),
                    Pfns.listed(p.pfns(), full), !full && p.pfns().length > Pfns.MAX_LISTED, runs.runs(), runs.truncated(),
                    p.released(), p.releasedHow() == null ? null : p.releasedHow().name(), p.kind().name());
        }
    }

    /**
     * @param invalidArgs the is_valid_gup_args() rule the arguments broke: the endpoint answers
     *                    422 invalid-gup-args instead (not part of the JSON)
     */
    @Schema(description = "a GUP answer: ret is the number of pages, 0, or -errno")
    public record GupAnswer(long ret, @Schema(nullable = true, implementation = io.pinlab.kernel.base.Errno.class) String errno,
                            @Schema(nullable = true) PinView pin, List<KernelAnswer.ExplainStep> explain,
                            List<String> warnings, @JsonIgnore @Schema(hidden = true) GupArgsViolation invalidArgs) {
        static GupAnswer of(GupResult r, Profile profile) {
            return new GupAnswer(r.ret(), r.errno() == null ? null : r.errno().name(),
                    r.pin() == null ? null : PinView.of(r.pin(), profile),
                    KernelAnswer.explain(r.explain(), profile), r.warnings(), r.invalidArgs());
        }
    }

    /** A kernel answer plus the flags as the kernel saw them. */
    public record FlaggedAnswer(long ret, String errno, List<KernelAnswer.ExplainStep> explain, List<String> warnings,
                                FlagSet flags) {
        static FlaggedAnswer of(SysResult r, Profile profile, FlagSet flags) {
            KernelAnswer a = KernelAnswer.of(r, profile);
            return new FlaggedAnswer(a.ret(), a.errno(), a.explain(), a.warnings(), flags);
        }
    }

    public record CqeView(long userData, int res, int flags) {
        static CqeView of(Cqe c) {
            return new CqeView(c.userData(), c.res(), c.flags());
        }
    }

    public record EnterAnswer(long ret, @Schema(nullable = true, implementation = io.pinlab.kernel.base.Errno.class) String errno,
                              List<CqeView> cqes, List<KernelAnswer.ExplainStep> explain) {
        static EnterAnswer of(EnterResult r, Profile profile) {
            return new EnterAnswer(r.ret(), r.errno() == null ? null : r.errno().name(),
                    r.cqes().stream().map(CqeView::of).toList(),
                    KernelAnswer.explain(r.explain(), profile));
        }
    }

    @Schema(description = "the write's kernel answer and the value read back (the hugetlb pool may keep pages in use)")
    public record SysctlAnswer(long ret, @Schema(nullable = true) String errno, List<KernelAnswer.ExplainStep> explain,
                               List<String> warnings, String name, long value) {
    }

    public record ProcMemAnswer(long ret, String errno, List<Long> values, List<KernelAnswer.ExplainStep> explain) {
        static ProcMemAnswer of(io.pinlab.kernel.mm.ProcessVm.MemResult r) {
            KernelAnswer a = KernelAnswer.of(r.result());
            return new ProcMemAnswer(a.ret(), a.errno(), r.values(), a.explain());
        }
    }

    public record PipeAnswer(long ret, String errno, @Schema(example = "3") Integer readFd, @Schema(example = "4") Integer writeFd,
                             List<KernelAnswer.ExplainStep> explain) {
        static PipeAnswer of(io.pinlab.kernel.fs.Pipe.PipeFds r, io.pinlab.kernel.base.Profile p) {
            KernelAnswer a = KernelAnswer.of(r.result(), p);
            return new PipeAnswer(a.ret(), a.errno(), r.readFd(), r.writeFd(), a.explain());
        }
    }
}
