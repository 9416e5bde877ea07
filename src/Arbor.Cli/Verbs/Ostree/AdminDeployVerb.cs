// `ostree admin deploy|upgrade|switch`: choose the commit, the origin and the kernel arguments the
// way ot-admin-builtin-deploy.c and the sysroot upgrader do, then Sysroot.DeployTree puts the tree on
// disk and SimpleWriteDeployment makes it bootable; a final cleanup (with or without the
// repository prune) follows. Everything that can be rejected — options, stateroot, refspec — is
// checked before the sysroot is touched.
using Arbor.Ostree;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Sysroot;

namespace Arbor.Cli.Verbs.Ostree;

internal static class AdminDeployVerb
{
    public static int Deploy(VerbContext ctx, List<string> args)
    {
        var a = ctx.Args;
        bool stage = a.Has("stage") || a.Has("lock-finalization");
        if (a.Has("karg-proc-cmdline") && a.Has("karg-none"))
            throw new UsageException("Can't specify both --karg-proc-cmdline and --karg-none");
        if (a.Has("karg-none") && a.Has("karg-delete"))
            throw new UsageException("Can't specify both --karg-none and --karg-delete");
        if (a.Has("no-merge") && a.Has("karg-delete"))
            throw new UsageException("Can't specify both --no-merge and --karg-delete");
        if (a.Has("overlay-initrd"))
            throw new OstreeException("--overlay-initrd is not supported");
        using var bar = ProgressLine.Start(ctx);
        using var s = AdminVerb.Guard(() => AdminVerb.LoadSysroot(ctx, progress: bar));
        if (s is null)
            return 0;
        if (args.Count < 1)
            throw new UsageException("REF/REV must be specified");
        var refspec = args[0];
        var osname = a.Get("os");
        if (s.Booted is null && osname is null)
            throw new OstreeException("Looking for booted deployment: Not currently booted into an OSTree system and no --os= argument given");
        if (osname is not null)
            s.RequireStateroot(osname);
        var origin = a.Get("origin-file") is { } originPath ? OriginFile.LoadFile(originPath) : OriginFile.FromRefspec(refspec);
        var revision = s.Repo.ResolveRev(refspec)!.Value.ToString();
        var merge = a.Has("no-merge") ? null : s.MergeDeployment(osname);

        KernelArgs? kargs = null;
        if (a.Has("karg-none"))
        {
            kargs = new KernelArgs();
        }
        else if (a.Has("karg-proc-cmdline"))
        {
            kargs = new KernelArgs();
            kargs.AppendProcCmdline();
        }
        else if (merge is not null && (a.Has("karg") || a.Has("karg-append") || a.Has("karg-delete")))
        {
            kargs = KernelArgs.Parse(merge.BootConfig.Get("options"));
        }
        if (a.Has("karg"))
            (kargs ??= new KernelArgs()).ReplaceAll(a.GetAll("karg"));
        if (a.Has("karg-append"))
            (kargs ??= new KernelArgs()).AppendAll(a.GetAll("karg-append"));
        if (a.Get("karg-delete") is { } del)
            (kargs ??= new KernelArgs()).Delete(del);

        try
        {
            s.Cleanup(pruneRepo: false);
        }
        catch (OstreeException e)
        {
            throw new OstreeException($"Performing initial cleanup: {e.Message}", e);
        }
        if (stage)
        {
            if (a.Has("retain-pending") || a.Has("retain-rollback"))
                throw new OstreeException("--stage cannot currently be combined with --retain arguments");
            if (a.Has("not-as-default"))
                throw new OstreeException("--stage cannot currently be combined with --not-as-default");
            s.StageTree(osname, revision, origin, merge, kargs?.ToArray(), locked: a.Has("lock-finalization"));
            return 0;
        }
        var created = s.DeployTree(osname, revision, origin, merge, kargs?.ToArray());
        var flags = SimpleWriteFlags.NoClean;
        if (a.Has("retain"))
        {
            flags |= SimpleWriteFlags.Retain;
        }
        else
        {
            if (a.Has("retain-pending"))
                flags |= SimpleWriteFlags.RetainPending;
            if (a.Has("retain-rollback"))
                flags |= SimpleWriteFlags.RetainRollback;
        }
        if (a.Has("not-as-default"))
            flags |= SimpleWriteFlags.NotDefault;
        s.SimpleWriteDeployment(osname, created, merge, flags);
        s.Cleanup(pruneRepo: !a.Has("no-prune"));
        return 0;
    }

    public static int Upgrade(VerbContext ctx)
    {
        var a = ctx.Args;
        if (a.Has("pull-only") && a.Has("deploy-only"))
            throw new OstreeException("Cannot simultaneously specify --pull-only and --deploy-only");
        if (a.Has("pull-only") && a.Has("reboot"))
            throw new OstreeException("Cannot simultaneously specify --pull-only and --reboot");
        using var bar = ProgressLine.Start(ctx);
        using var s = AdminVerb.Guard(() => AdminVerb.LoadSysroot(ctx, progress: bar));
        if (s is null)
            return 0;
        var up = Upgrader.Create(s, a.Get("os"));
        up.Origin.RemoveGroup(OriginFile.TransientGroup);
        if (a.Get("override-commit") is { } oc)
            up.Origin.Set("origin", "override-commit", oc);
        up.Reparse();
        bool changed;
        try
        {
            changed = up.Pull(synthetic: a.Has("deploy-only"), allowOlder: a.Has("allow-downgrade"));
        }
        catch (OstreeException) when (a.Has("pull-only"))
        {
            s.Cleanup(pruneRepo: true);
            throw;
        }
        if (!changed)
        {
            ctx.Out.WriteLine("No update available.");
            return 0;
        }
        if (!a.Has("pull-only"))
        {
            if (a.Has("stage"))
                up.Stage();
            else
                up.Deploy();
        }
        return 0;
    }

    public static int Switch(VerbContext ctx, List<string> args)
    {
        using var bar = ProgressLine.Start(ctx);
        using var s = AdminVerb.Guard(() => AdminVerb.LoadSysroot(ctx, progress: bar));
        if (s is null)
            return 0;
        if (args.Count < 1)
            throw new UsageException("REFSPEC must be specified");
        var provided = args[0];
        var up = Upgrader.Create(s, ctx.Args.Get("os"));
        var originRefspec = OriginFile.Refspec(up.Origin)!;
        var (originRemote, originRef) = Repository.ParseRefspec(originRefspec);
        string? newRemote;
        string newRef;
        if (provided.EndsWith(':'))
        {
            newRemote = provided[..^1];
            newRef = originRef;
        }
        else
        {
            (newRemote, newRef) = Repository.ParseRefspec(provided);
        }
        var remote = newRemote ?? originRemote;
        var newRefspec = remote is not null ? $"{remote}:{newRef}" : newRef;
        if (newRefspec == originRefspec)
            throw new OstreeException($"Old and new refs are equal: {newRefspec}");
        up.Origin = OriginFile.FromRefspec(newRefspec);
        up.Reparse();
        up.Pull(synthetic: false, allowOlder: true);
        up.Deploy();
        ctx.Out.WriteLine($"Deleting ref '{originRemote ?? "(null)"}:{originRef}'");
        s.Repo.SetRefImmediate(originRemote, originRef, null);
        return 0;
    }
}
