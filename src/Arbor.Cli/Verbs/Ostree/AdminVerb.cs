// `ostree admin SUBCOMMAND [--sysroot=DIR] …`: the sysroot verbs. This file parses the command
// line (one option table for all sub-verbs, then a check that each given option belongs to the
// chosen sub-verb, as GOption would reject it), opens the sysroot under its lock and dispatches;
// deploy/upgrade/switch live in AdminDeployVerb.cs, kernel-argument verbs in AdminKargsVerb.cs.
// All the work is in Arbor.Ostree.Sysroot; messages libostree sends to the journal are printed
// on stdout as the ostree CLI does.
using System.Globalization;
using Arbor.Cli.Render;
using Arbor.Ostree;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Sysroot;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class AdminVerb : OstreeVerb
{
    private static readonly (string Name, string Description, string Arguments)[] Subcommands =
    [
        ("cleanup", "Delete untagged deployments and repository objects", ""),
        ("config-diff", "Diff current /etc configuration versus default", ""),
        ("deploy", "Checkout revision REFSPEC as the new default deployment", "REFSPEC"),
        ("finalize-staged", "Internal command to run at shutdown time", ""),
        ("init-fs", "Initialize a root filesystem", "PATH"),
        ("instutil", "Deprecated commands intended for installer programs", "COMMAND"),
        ("kargs", "Change kernel arguments", "COMMAND"),
        ("os-init", "Initialize empty state for given operating system", "OSNAME"),
        ("pin", "Change the \"pinning\" state of a deployment", "INDEX"),
        ("set-origin", "Set Origin and create a new origin file", "REMOTENAME URL [BRANCH]"),
        ("status", "List deployments", ""),
        ("switch", "Construct new tree from REFSPEC and deploy it", "REFSPEC"),
        ("undeploy", "Delete deployment INDEX", "INDEX"),
        ("upgrade", "Construct new tree from current origin and deploy it, if it changed", ""),
    ];

    // Every option of every sub-verb, with the sub-verbs that accept it.
    private static readonly (OptionSpec Spec, string[] Subs)[] Table =
    [
        (new("sysroot", '\0', OptionArg.String, "Create a new OSTree sysroot at PATH", "PATH"), ["*"]),
        (new("print-current-dir", '\0', OptionArg.None, "Print the path of the current deployment"), ["*"]),
        (new("modern", '\0', OptionArg.None, "Only create /boot and /ostree"), ["init-fs"]),
        (new("os", '\0', OptionArg.String, "Use a different operating system root than the current one", "OSNAME"), ["deploy", "upgrade", "switch", "config-diff"]),
        (new("origin-file", '\0', OptionArg.String, "Specify origin file", "FILENAME"), ["deploy"]),
        (new("no-prune", '\0', OptionArg.None, "Don't prune the repo when done"), ["deploy"]),
        (new("no-merge", '\0', OptionArg.None, "Do not apply configuration (/etc and kernel arguments) from booted deployment"), ["deploy"]),
        (new("retain", '\0', OptionArg.None, "Do not delete previous deployments"), ["deploy"]),
        (new("stage", '\0', OptionArg.None, "Complete deployment at OS shutdown"), ["deploy", "upgrade"]),
        (new("lock-finalization", '\0', OptionArg.None, "Prevent automatic deployment finalization on shutdown"), ["deploy"]),
        (new("retain-pending", '\0', OptionArg.None, "Do not delete pending deployments"), ["deploy"]),
        (new("retain-rollback", '\0', OptionArg.None, "Do not delete rollback deployments"), ["deploy"]),
        (new("not-as-default", '\0', OptionArg.None, "Append rather than prepend new deployment"), ["deploy"]),
        (new("karg-proc-cmdline", '\0', OptionArg.None, "Import current /proc/cmdline"), ["deploy"]),
        (new("karg", '\0', OptionArg.StringArray, "Set kernel argument, like root=/dev/sda1; this overrides any earlier argument with the same name", "NAME=VALUE"), ["deploy"]),
        (new("karg-append", '\0', OptionArg.StringArray, "Append kernel argument; useful with e.g. console= that can be used multiple times", "NAME=VALUE"), ["deploy"]),
        (new("karg-none", '\0', OptionArg.None, "Do not import kernel arguments"), ["deploy"]),
        (new("karg-delete", '\0', OptionArg.String, "Delete kernel argument if exists", "NAME=VALUE"), ["deploy"]),
        (new("overlay-initrd", '\0', OptionArg.StringArray, "Overlay iniramfs file", "FILE"), ["deploy"]),
        (new("verify", 'V', OptionArg.None, "Print the commit verification status"), ["status"]),
        (new("unpin", 'u', OptionArg.None, "Unset pin"), ["pin"]),
        (new("set", 's', OptionArg.StringArray, "Set config option KEY=VALUE for remote", "KEY=VALUE"), ["set-origin"]),
        (new("index", '\0', OptionArg.Int, "Operate on the deployment INDEX, starting from zero", "INDEX"), ["set-origin"]),
        (new("reboot", 'r', OptionArg.None, "Reboot after a successful upgrade"), ["upgrade", "switch"]),
        (new("allow-downgrade", '\0', OptionArg.None, "Permit deployment of chronologically older trees"), ["upgrade"]),
        (new("override-commit", '\0', OptionArg.String, "Deploy CHECKSUM instead of the latest tree", "CHECKSUM"), ["upgrade"]),
        (new("pull-only", '\0', OptionArg.None, "Do not create a deployment, just download"), ["upgrade"]),
        (new("deploy-only", '\0', OptionArg.None, "Do not pull, only deploy"), ["upgrade"]),
        (new("append-if-missing", '\0', OptionArg.StringArray, "Append kernel arguments if they do not exist", "NAME=VALUE"), ["kargs"]),
        (new("import-proc-cmdline", '\0', OptionArg.None, "Import current /proc/cmdline"), ["instutil"]),
        (new("merge", '\0', OptionArg.None, "Merge with previous command line"), ["instutil"]),
        (new("replace", '\0', OptionArg.StringArray, "Set kernel argument, like root=/dev/sda1; this overrides any earlier argument with the same name", "NAME=VALUE"), ["instutil"]),
        (new("append", '\0', OptionArg.StringArray, "Append kernel argument; useful with e.g. console= that can be used multiple times", "NAME=VALUE"), ["instutil"]),
        (new("hold", '\0', OptionArg.None, "Hold /boot open during finalization"), ["finalize-staged"]),
    ];

    public override string Name => "admin";
    public override string Summary => "Commands for managing a host system booted with ostree";
    public override string Usage => "ostree admin [OPTION…] COMMAND";

    protected override IReadOnlyList<OptionSpec> VerbOptions => Table.Select(t => t.Spec).ToList();

    public override IReadOnlyList<Subverb> Subverbs { get; } = Subcommands
        .Select(s => new Subverb(s.Name, s.Description, s.Arguments,
            Table.Where(t => t.Subs.Contains("*") || t.Subs.Contains(s.Name)).Select(t => t.Spec.Long).ToList()))
        .ToList();

    public override int Run(VerbContext ctx)
    {
        var pos = ctx.Args.Positional;
        if (pos.Count == 0)
        {
            ctx.Err.Write(SubverbUsage());
            throw new OstreeException("No \"admin\" subcommand specified");
        }
        var sub = pos[0];
        if (!Subverbs.Any(s => s.Name == sub))
        {
            ctx.Err.Write(SubverbUsage());
            throw new OstreeException($"Unknown admin command '{sub}'");
        }
        foreach (var (spec, subs) in Table)
        {
            if (ctx.Args.Has(spec.Long) && !subs.Contains("*") && !subs.Contains(sub))
                throw new UsageException($"Unknown option --{spec.Long}");
        }
        var args = pos.Skip(1).ToList();
        InstallFaultPoint();
        return sub switch
        {
            "init-fs" => InitFs(ctx, args),
            "os-init" => OsInit(ctx, args),
            "status" => Status(ctx),
            "config-diff" => ConfigDiffOf(ctx),
            "undeploy" => Undeploy(ctx, args),
            "cleanup" => Cleanup(ctx),
            "pin" => Pin(ctx, args),
            "set-origin" => SetOrigin(ctx, args),
            "deploy" => AdminDeployVerb.Deploy(ctx, args),
            "upgrade" => AdminDeployVerb.Upgrade(ctx),
            "switch" => AdminDeployVerb.Switch(ctx, args),
            "kargs" => AdminKargsVerb.Kargs(ctx, args),
            "instutil" => AdminKargsVerb.Instutil(ctx, args),
            "finalize-staged" => AdminKargsVerb.FinalizeStaged(ctx),
            _ => throw new UsageException($"Unknown admin command '{sub}'"),
        };
    }

    // ARBOR_SYSROOT_FAULT=STEP:N makes the process SIGKILL itself the Nth time the sysroot code
    // reaches STEP, so tests can prove that a crash anywhere leaves a bootable configuration.
    private static void InstallFaultPoint()
    {
        if (Environment.GetEnvironmentVariable("ARBOR_SYSROOT_FAULT") is not { Length: > 0 } fault)
            return;
        int colon = fault.LastIndexOf(':');
        var step = colon < 0 ? fault : fault[..colon];
        int n = colon < 0 ? 1 : int.Parse(fault[(colon + 1)..], CultureInfo.InvariantCulture);
        int seen = 0;
        Sysroot.FaultPoint = s =>
        {
            if (s == step && ++seen == n)
                System.Diagnostics.Process.GetCurrentProcess().Kill();
        };
    }

    /// <summary>The --sysroot path, or "/".</summary>
    internal static string SysrootPath(VerbContext ctx) => ctx.Args.Get("sysroot") ?? Sysroot.DefaultPath;

    /// <summary>Loads the sysroot (under its lock unless <paramref name="unlocked"/>) with messages wired to the CLI
    /// and, for verbs that deploy, the checkout's progress to <paramref name="progress"/>.</summary>
    internal static Sysroot LoadSysroot(VerbContext ctx, bool unlocked = false, ProgressLine? progress = null)
    {
        var s = Sysroot.Load(SysrootPath(ctx), takeLock: !unlocked);
        s.Progress = progress;
        s.Events = e =>
        {
            progress?.Clear();
            (e.IsWarning ? ctx.Err : ctx.Out).WriteLine(TerminalText.Escape(EventText.Line(e)));
        };
        if (ctx.Args.Has("verbose"))
        {
            foreach (var d in s.Deployments)
                ctx.Err.WriteLine($"OT: Deployment {d.Csum}.{d.DeploySerial} unlocked={(int)d.Unlocked}");
        }
        if (ctx.Args.Has("print-current-dir"))
        {
            if (s.Deployments.Count == 0)
                throw new OstreeException("Unable to find a deployment in sysroot");
            ctx.Out.WriteLine(s.DeploymentDir(s.Deployments[0]));
            throw new PrintedCurrentDir();
        }
        return s;
    }

    /// <summary>Ends a sub-verb early after --print-current-dir, as ostree exits right there.</summary>
    internal sealed class PrintedCurrentDir : Exception;

    private static int InitFs(VerbContext ctx, List<string> args)
    {
        if (args.Count < 1)
            throw new UsageException("PATH must be specified");
        Sysroot.InitFs(args[0], ctx.Args.Has("modern"));
        return 0;
    }

    private static int OsInit(VerbContext ctx, List<string> args)
    {
        using var s = Guard(() => LoadSysroot(ctx, unlocked: true));
        if (s is null)
            return 0;
        if (args.Count < 1)
            throw new UsageException("OSNAME must be specified");
        s.InitOsName(args[0]);
        ctx.Out.WriteLine($"ostree/deploy/{args[0]} initialized as OSTree root");
        return 0;
    }

    /// <summary>Runs the sysroot load, returning null when --print-current-dir already answered.</summary>
    internal static Sysroot? Guard(Func<Sysroot> load)
    {
        try
        {
            return load();
        }
        catch (PrintedCurrentDir)
        {
            return null;
        }
    }

    // ostree's ot-admin-builtin-diff: the merge deployment of --os, else the booted one; its usr/etc
    // against its etc, xattrs ignored.
    private static int ConfigDiffOf(VerbContext ctx)
    {
        using var s = Guard(() => LoadSysroot(ctx, unlocked: true));
        if (s is null)
            return 0;
        var osname = ctx.Args.Get("os");
        var deployment = osname is not null
            ? s.MergeDeployment(osname) ?? throw new OstreeException($"No deployment for OS '{osname}'")
            : s.Booted ?? throw new OstreeException("Not currently booted into an OSTree system");
        var dir = s.DeploymentDir(deployment);
        var changes = ConfigDiff.Compute(Path.Combine(dir, "usr", "etc"), Path.Combine(dir, "etc"));
        ctx.Out.Write(TerminalText.Escape(DiffText.Lines(changes), keepNewlines: true));
        return 0;
    }

    private static int Status(VerbContext ctx)
    {
        if (ctx.Args.Has("verify"))
            throw new OstreeException("status --verify is not supported by Arbor yet");
        using var s = Guard(() => LoadSysroot(ctx, unlocked: true));
        if (s is null)
            return 0;
        Deployment? pending = null, rollback = null;
        if (s.Booted is not null)
            (pending, rollback) = s.QueryDeploymentsFor(null);
        if (s.Deployments.Count == 0)
        {
            ctx.Out.WriteLine("No deployments.");
            return 0;
        }
        foreach (var d in s.Deployments)
        {
            Commit? commit = null;
            if (Checksum.TryParse(d.Csum, out var c) && s.Repo.HasObject(c, ObjectType.Commit))
                commit = s.Repo.LoadCommit(c);
            var state = d.IsStaged ? " (staged)"
                : ReferenceEquals(d, pending) ? " (pending)"
                : ReferenceEquals(d, rollback) ? " (rollback)"
                : "";
            var o = ctx.Out;
            o.WriteLine($"{(ReferenceEquals(d, s.Booted) ? '*' : ' ')} {d.OsName} {d.Csum}.{d.DeploySerial}{state}");
            if (commit?.Version is { } version)
                o.WriteLine($"    Version: {version}");
            if (d.Unlocked != UnlockedState.None)
                o.WriteLine($"    Unlocked: {d.Unlocked.ToString().ToLowerInvariant()}");
            if (d.IsPinned)
                o.WriteLine("    Pinned: yes");
            if (d.Origin is null)
            {
                o.WriteLine("    origin: none");
            }
            else
            {
                var refspec = OriginFile.Refspec(d.Origin);
                o.WriteLine(refspec is null ? "    origin: <unknown origin type>" : $"    origin refspec: {refspec}");
                if (commit?.GetMetadata("ostree.source-title") is Arbor.Ostree.GVariant.GVString title)
                    o.WriteLine($"    `- {title.Value}");
            }
        }
        return 0;
    }

    private static int Undeploy(VerbContext ctx, List<string> args)
    {
        using var s = Guard(() => LoadSysroot(ctx));
        if (s is null)
            return 0;
        if (args.Count < 1)
            throw new UsageException("INDEX must be specified");
        int index = Atoi(args[0]);
        var target = s.GetIndexed(index);
        if (ReferenceEquals(target, s.Booted))
            throw new OstreeException($"Cannot undeploy currently booted deployment {index}");
        var list = s.Deployments.ToList();
        list.RemoveAt(index);
        s.WriteDeployments(list, postclean: true);
        ctx.Out.WriteLine($"Deleted deployment {target.Csum}.{target.DeploySerial}");
        try
        {
            s.Cleanup(pruneRepo: true);
        }
        catch (OstreeException e)
        {
            throw new OstreeException($"Performing final cleanup: {e.Message}", e);
        }
        return 0;
    }

    // C atoi: leading whitespace, optional sign, digits; anything else stops the number (0 if none).
    internal static int Atoi(string s)
    {
        int i = 0;
        while (i < s.Length && char.IsWhiteSpace(s[i]))
            i++;
        int sign = 1;
        if (i < s.Length && s[i] is '+' or '-')
            sign = s[i++] == '-' ? -1 : 1;
        long v = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]) && v < int.MaxValue)
            v = v * 10 + (s[i++] - '0');
        return (int)Math.Clamp(sign * v, int.MinValue, int.MaxValue);
    }

    private static int Cleanup(VerbContext ctx)
    {
        using var s = Guard(() => LoadSysroot(ctx));
        if (s is null)
            return 0;
        s.Cleanup(pruneRepo: true);
        return 0;
    }

    private static int Pin(VerbContext ctx, List<string> args)
    {
        using var s = Guard(() => LoadSysroot(ctx));
        if (s is null)
            return 0;
        if (args.Count < 1)
            throw new UsageException("INDEX must be specified");
        bool desired = !ctx.Args.Has("unpin");
        foreach (var arg in args)
        {
            if (arg.Length == 0 || !arg.All(char.IsAsciiDigit))
                throw new OstreeException($"Invalid index: {arg}");
            if (!ulong.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out var idx))
                throw new OstreeException($"Index too large: {arg}");
            var d = s.GetIndexed(idx > int.MaxValue ? long.MaxValue : (long)idx);
            if (d.IsPinned == desired)
            {
                ctx.Out.WriteLine($"Deployment {arg} is already {(desired ? "pinned" : "unpinned")}");
                continue;
            }
            s.SetPinned(d, desired);
            ctx.Out.WriteLine($"Deployment {arg} is now {(desired ? "pinned" : "unpinned")}");
        }
        return 0;
    }

    private static int SetOrigin(VerbContext ctx, List<string> args)
    {
        using var s = Guard(() => LoadSysroot(ctx));
        if (s is null)
            return 0;
        if (args.Count < 2)
            throw new UsageException("REMOTENAME and URL must be specified");
        var remote = args[0];
        var url = args[1];
        var branch = args.Count > 2 ? args[2] : null;
        int index = ctx.Args.GetInt("index", -1);
        var target = index == -1
            ? s.Booted ?? throw new OstreeException("Not currently booted into an OSTree system")
            : s.GetIndexed(index);
        var options = new List<(string, string)>();
        foreach (var kv in ctx.Args.GetAll("set"))
        {
            int eq = kv.IndexOf('=');
            if (eq < 0)
                throw new OstreeException($"Missing '=' in KEY=VALUE pair '{kv}'");
            options.Add((kv[..eq], kv[(eq + 1)..]));
        }
        AddRemoteIfMissing(s.Repo, remote, url, options);
        var oldRefspec = OriginFile.Refspec(target.Origin) ?? throw new OstreeException("Invalid refspec '(null)'");
        var (_, oldRef) = Repository.ParseRefspec(oldRefspec);
        s.WriteOriginFile(target, OriginFile.FromRefspec($"{remote}:{branch ?? oldRef}"));
        return 0;
    }

    // ostree_repo_remote_change (ADD_IF_NOT_EXISTS): a new [remote "NAME"] group in the repo config.
    private static void AddRemoteIfMissing(Repository repo, string name, string url, List<(string Key, string Value)> options)
    {
        var config = KeyFile.Parse(repo.Config.ToString());
        var group = $"remote \"{name}\"";
        if (config.HasGroup(group) || File.Exists(Path.Combine(repo.Path, "..", "..", "etc/ostree/remotes.d", name + ".conf")))
            return;
        config.Set(group, "url", url);
        foreach (var (k, v) in options)
            config.Set(group, k, v);
        repo.SaveConfig(config);
    }
}
