// `ostree admin kargs edit-in-place`, `ostree admin instutil set-kargs` and
// `ostree admin finalize-staged`: kernel-argument edits of existing deployments. edit-in-place
// rewrites each current BLS entry's options line (atomically, file by file); set-kargs writes a
// new boot version for the first deployment through Sysroot.SetKargs.
using Arbor.Ostree;
using Arbor.Ostree.Sysroot;

namespace Arbor.Cli.Verbs.Ostree;

internal static class AdminKargsVerb
{
    public static int Kargs(VerbContext ctx, List<string> args)
    {
        if (args.Count == 0)
        {
            ctx.Err.Write("Usage:\n  ostree admin kargs [OPTION…] COMMAND\n\nBuiltin \"admin kargs\" Commands:\n\n");
            throw new OstreeException("No \"admin kargs\" subcommand specified");
        }
        if (args[0] != "edit-in-place")
        {
            ctx.Err.Write("Usage:\n  ostree admin kargs [OPTION…] COMMAND\n\nBuiltin \"admin kargs\" Commands:\n\n");
            throw new OstreeException($"Unknown \"admin kargs\" subcommand '{args[0]}'");
        }
        using var s = AdminVerb.Guard(() => AdminVerb.LoadSysroot(ctx));
        if (s is null)
            return 0;
        if (s.Deployments.Count == 0)
            throw new OstreeException("Unable to find a deployment in sysroot");
        foreach (var d in s.Deployments)
        {
            var kargs = KernelArgs.Parse(d.BootConfig.Get("options"));
            foreach (var arg in ctx.Args.GetAll("append-if-missing"))
                kargs.AppendIfMissing(arg);
            s.SetKargsInPlace(d, kargs.ToString());
        }
        return 0;
    }

    public static int Instutil(VerbContext ctx, List<string> args)
    {
        const string usage = "Usage:\n  ostree admin instutil [OPTION…] COMMAND\n\nBuiltin \"admin instutil\" Commands:\n" +
            "  set-kargs               Set new kernel command line arguments(Not stable)\n\n";
        if (args.Count == 0)
        {
            ctx.Err.Write(usage);
            throw new OstreeException("No \"admin instutil\" subcommand specified");
        }
        if (args[0] != "set-kargs")
        {
            ctx.Err.Write(usage);
            throw new OstreeException($"Unknown \"admin instutil\" subcommand '{args[0]}'");
        }
        using var s = AdminVerb.Guard(() => AdminVerb.LoadSysroot(ctx, unlocked: true));
        if (s is null)
            return 0;
        if (s.Deployments.Count == 0)
            throw new OstreeException("Unable to find a deployment in sysroot");
        var first = s.Deployments[0];
        var kargs = new KernelArgs();
        if (ctx.Args.Has("import-proc-cmdline"))
            kargs.AppendProcCmdline();
        else if (ctx.Args.Has("merge"))
            kargs.AppendAll(KernelArgs.SplitOptions(first.BootConfig.Get("options")));
        kargs.ReplaceAll(ctx.Args.GetAll("replace"));
        kargs.AppendAll(ctx.Args.GetAll("append"));
        foreach (var extra in args.Skip(1))
            kargs.Append(extra);
        s.Lock();
        s.SetKargs(first, kargs.ToArray());
        return 0;
    }

    public static int FinalizeStaged(VerbContext ctx)
    {
        // Like ostree: outside a booted ostree system there is nothing to finalize.
        if (!File.Exists("/run/ostree-booted"))
            return 0;
        using var s = AdminVerb.Guard(() => AdminVerb.LoadSysroot(ctx));
        if (s is null)
            return 0;
        s.FinalizeStaged();
        return 0;
    }
}
