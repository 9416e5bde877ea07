// `arbor status|upgrade|deploy|rebase|rollback|cleanup|kargs`: rpm-ostree's host verbs with its
// options, all honouring --sysroot=DIR (default /). This file parses and prints; the transactions
// are in Arbor.Host. Exit codes as rpm-ostree's: 0, 1 on error, 77 for "unchanged" where asked
// (--unchanged-exit-77, --pending-exit-77, upgrade --check with nothing new); usage errors 1.
using Arbor.Cli.Render;
using Arbor.Host;
using Arbor.Ostree;
using Arbor.Ostree.Sysroot;

namespace Arbor.Cli.Verbs.Host;

/// <summary>Dispatches the host verbs.</summary>
public static class HostCommands
{
    private const int ExitUnchanged = 77;

    /// <summary>The verbs this class runs.</summary>
    public static readonly string[] Verbs = ["status", "upgrade", "update", "deploy", "rebase", "rollback", "cleanup", "kargs"];

    private static readonly OptionSpec Sysroot = new("sysroot", '\0', OptionArg.String, "Use system root SYSROOT (default: /)", "SYSROOT");
    private static readonly OptionSpec Stateroot = new("stateroot", '\0', OptionArg.String, "Operate on provided STATEROOT", "STATEROOT");
    private static readonly OptionSpec Os = new("os", '\0', OptionArg.String, "Operate on provided OSNAME", "OSNAME");
    private static readonly OptionSpec Reboot = new("reboot", 'r', OptionArg.None, "Initiate a reboot after operation is complete");
    private static readonly OptionSpec CacheOnly = new("cache-only", 'C', OptionArg.None, "Do not download latest ostree and RPM data");
    private static readonly OptionSpec DownloadOnly = new("download-only", '\0', OptionArg.None, "Just download latest ostree and RPM data, don't deploy");
    private static readonly OptionSpec DisallowDowngrade = new("disallow-downgrade", '\0', OptionArg.None, "Forbid deployment of chronologically older trees");
    private static readonly OptionSpec UnchangedExit77 = new("unchanged-exit-77", '\0', OptionArg.None, "If no new deployment made, exit 77");

    private static readonly Dictionary<string, (string Usage, OptionSpec[] Options)> Specs = new(StringComparer.Ordinal)
    {
        ["status"] = ("arbor status [OPTION…]", [Sysroot,
            new("verbose", 'v', OptionArg.None, "Print additional fields (e.g. StateRoot); implies -a"),
            new("advisories", 'a', OptionArg.None, "Expand advisories listing"),
            new("json", '\0', OptionArg.None, "Output JSON"),
            new("booted", 'b', OptionArg.None, "Only print the booted deployment"),
            new("pending-exit-77", '\0', OptionArg.None, "If pending deployment available, exit 77")]),
        ["upgrade"] = ("arbor upgrade [OPTION…]", [Sysroot, Stateroot, Os, Reboot, CacheOnly, DownloadOnly, UnchangedExit77,
            new("allow-downgrade", '\0', OptionArg.None, "Permit deployment of chronologically older trees"),
            new("check", '\0', OptionArg.None, "Just check if an upgrade is available, without downloading it or performing a dry-run"),
            new("preview", '\0', OptionArg.None, "Just preview package differences (implies --unchanged-exit-77)"),
            new("upgrade-unchanged-exit-77", '\0', OptionArg.None, "If no upgrade is available, exit 77")]),
        ["deploy"] = ("arbor deploy [OPTION…] REVISION", [Sysroot, Stateroot, Os, Reboot, CacheOnly, DownloadOnly, DisallowDowngrade, UnchangedExit77,
            new("skip-branch-check", '\0', OptionArg.None, "Do not check if commit belongs on the same branch")]),
        ["rebase"] = ("arbor rebase [OPTION…] REFSPEC [REVISION]", [Sysroot, Stateroot, Os, Reboot, CacheOnly, DownloadOnly, DisallowDowngrade,
            new("branch", 'b', OptionArg.String, "Rebase to branch BRANCH; use --remote to change remote as well", "BRANCH"),
            new("remote", 'm', OptionArg.String, "Rebase to current branch name using REMOTE; may also be combined with --branch", "REMOTE"),
            new("skip-purge", '\0', OptionArg.None, "Keep previous refspec after rebase"),
            new("custom-origin-description", '\0', OptionArg.String, "Human-readable description of custom origin", "DESCRIPTION"),
            new("custom-origin-url", '\0', OptionArg.String, "Machine-readable description of custom origin", "URL")]),
        ["rollback"] = ("arbor rollback [OPTION…]", [Sysroot, Reboot]),
        ["cleanup"] = ("arbor cleanup [OPTION…]", [Sysroot, Stateroot, Os,
            new("base", 'b', OptionArg.None, "Clear temporary files; will leave deployments unchanged"),
            new("pending", 'p', OptionArg.None, "Remove pending deployment"),
            new("rollback", 'r', OptionArg.None, "Remove rollback deployment"),
            new("repomd", 'm', OptionArg.None, "Delete cached rpm repo metadata")]),
        ["kargs"] = ("arbor kargs [OPTION…]", [Sysroot, Stateroot, Os, UnchangedExit77,
            new("reboot", '\0', OptionArg.None, "Initiate a reboot after operation is complete"),
            new("deploy-index", '\0', OptionArg.String, "Modify the kernel args from a specific deployment based on index", "INDEX"),
            new("append", '\0', OptionArg.StringArray, "Append kernel argument", "KEY=VALUE"),
            new("replace", '\0', OptionArg.StringArray, "Replace existing kernel argument", "KEY=VALUE=NEWVALUE"),
            new("delete", '\0', OptionArg.StringArray, "Delete a specific kernel argument key/val pair or an entire argument with a single key/value pair", "KEY=VALUE"),
            new("append-if-missing", '\0', OptionArg.StringArray, "Like --append, but does nothing if the key is already present", "KEY=VALUE"),
            new("delete-if-present", '\0', OptionArg.StringArray, "Like --delete, but does nothing if the key is already missing", "KEY=VALUE"),
            new("import-proc-cmdline", '\0', OptionArg.None, "Modify the arguments of the booted deployment"),
            new("editor", '\0', OptionArg.None, "Use an editor to modify the kernel arguments")]),
    };

    /// <summary>Runs <c>arbor VERB ARGS</c> for a host verb.</summary>
    public static int Run(string verb, string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (verb == "update")
            verb = "upgrade";
        var (usage, specs) = Specs[verb];
        if (args.Contains("-h") || args.Contains("--help"))
        {
            stdout.Write(OptionParser.Help(usage, "", specs));
            return 0;
        }
        var a = OptionParser.Parse(args, specs);
        var ctx = new Context(a, stdout, stderr);
        return verb switch
        {
            "status" => Status(ctx),
            "upgrade" => Upgrade(ctx),
            "deploy" => Deploy(ctx),
            "rebase" => Rebase(ctx),
            "rollback" => RollbackVerb(ctx),
            "cleanup" => CleanupVerb(ctx),
            "kargs" => KargsVerb(ctx),
            _ => throw new UsageException($"Unknown command '{verb}'"),
        };
    }

    private sealed record Context(ParsedArgs Args, TextWriter Out, TextWriter Err)
    {
        public string SysrootPath => Args.Get("sysroot") ?? Arbor.Ostree.Sysroot.Sysroot.DefaultPath;

        public string? StaterootName => Args.Get("stateroot") ?? Args.Get("os");

        /// <summary>The progress line of a transaction on a terminal (null elsewhere); messages clear it before they print.</summary>
        public ProgressLine? Progress { get; } = ProgressLine.Start(Out);

        public HostSysroot Open(bool transaction)
        {
            var host = HostSysroot.Open(SysrootPath, StaterootName, transaction);
            host.Events = e =>
            {
                Progress?.Clear();
                Out.WriteLine(TerminalText.Escape(EventText.Line(e)));
            };
            host.Sysroot.Progress = Progress;
            host.Sysroot.Events = e =>
            {
                if (e.IsWarning)
                    Err.WriteLine(TerminalText.Escape(EventText.Line(e)));
            };
            return host;
        }
    }

    private static int Status(Context ctx)
    {
        var a = ctx.Args;
        if (a.Positional.Count > 0)
            throw new UsageException($"Unexpected argument '{a.Positional[0]}'");
        using var host = ctx.Open(transaction: false);
        var deployments = HostStatus.Collect(host, a.Has("booted"));
        if (a.Has("json"))
        {
            ctx.Out.Write(StatusPrinter.Json(deployments));
        }
        else
        {
            bool tty = !Console.IsOutputRedirected && ReferenceEquals(ctx.Out, Console.Out);
            ctx.Out.Write(StatusPrinter.Text(deployments, new StatusOptions
            {
                Verbose = a.Has("verbose"),
                BootedOnly = a.Has("booted"),
                Terminal = tty,
                Columns = tty ? Console.WindowWidth : ColumnsFromEnvironment(),
                Utf8 = LocaleIsUtf8(),
            }));
        }
        if (a.Has("pending-exit-77") && host.Sysroot.Deployments.Count > 1 && host.Sysroot.Booted is { } booted && !host.Sysroot.Deployments[0].SameAs(booted))
            return ExitUnchanged;
        return 0;
    }

    private static int ColumnsFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int c) && c > 0 ? c : 80;

    private static bool LocaleIsUtf8()
    {
        var locale = Environment.GetEnvironmentVariable("LC_ALL") is { Length: > 0 } all ? all
            : Environment.GetEnvironmentVariable("LC_CTYPE") is { Length: > 0 } ctype ? ctype
            : Environment.GetEnvironmentVariable("LANG") ?? "";
        return locale.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) || locale.Contains("utf8", StringComparison.OrdinalIgnoreCase);
    }

    private static int Upgrade(Context ctx)
    {
        var a = ctx.Args;
        if (a.Positional.Count > 0)
            throw new UsageException($"Unexpected argument '{a.Positional[0]}'");
        bool check = a.Has("check") || a.Has("preview");
        if (a.Has("reboot") && a.Has("preview"))
            throw new OstreeException("Cannot specify both --reboot and --preview");
        if (a.Has("reboot") && a.Has("check"))
            throw new OstreeException("Cannot specify both --reboot and --check");
        if (check)
            return CheckUpgrade(ctx);
        return Transaction(ctx, new UpdateOptions
        {
            Kind = UpdateKind.Upgrade,
            AllowDowngrade = a.Has("allow-downgrade"),
            CacheOnly = a.Has("cache-only"),
            DownloadOnly = a.Has("download-only"),
        }, a.Has("unchanged-exit-77") || a.Has("upgrade-unchanged-exit-77"));
    }

    private static int CheckUpgrade(Context ctx)
    {
        using var host = ctx.Open(transaction: true);
        var update = UpdateDeployment.Check(host, ctx.Args.Has("cache-only"));
        ctx.Err.WriteLine("Note: --check and --preview may be unreliable.  See https://github.com/coreos/rpm-ostree/issues/1579");
        if (update is not { } u)
        {
            ctx.Out.WriteLine("No updates available.");
            return ExitUnchanged;
        }
        const int keyLen = 13;
        var ts = StatusPrinter.Timestamp(u.Commit.Timestamp);
        ctx.Out.WriteLine("AvailableUpdate:");
        ctx.Out.WriteLine(u.Commit.Version is { } v ? $"  {"Version",keyLen}: {v} ({ts})" : $"  {"Timestamp",keyLen}: {ts}");
        ctx.Out.WriteLine($"  {"Commit",keyLen}: {u.Checksum}");
        return 0;
    }

    private static int Deploy(Context ctx)
    {
        var a = ctx.Args;
        if (a.Positional.Count != 1)
            throw new UsageException(a.Positional.Count == 0 ? "REVISION must be specified" : "Too many arguments passed");
        return Transaction(ctx, new UpdateOptions
        {
            Kind = UpdateKind.Deploy,
            Revision = a.Positional[0],
            DisallowDowngrade = a.Has("disallow-downgrade"),
            CacheOnly = a.Has("cache-only"),
            DownloadOnly = a.Has("download-only"),
            SkipBranchCheck = a.Has("skip-branch-check"),
        }, a.Has("unchanged-exit-77"));
    }

    private static int Rebase(Context ctx)
    {
        var a = ctx.Args;
        var pos = a.Positional;
        string refspec;
        string? revision = null;
        if (a.Get("branch") is { } branch || a.Get("remote") is not null)
        {
            if (pos.Count > 1)
                throw new UsageException("Too many arguments passed");
            var remote = a.Get("remote");
            branch = a.Get("branch");
            refspec = branch is null ? remote + ":" : remote is null ? branch : $"{remote}:{branch}";
            revision = pos.Count == 1 ? pos[0] : null;
        }
        else
        {
            if (pos.Count < 1)
                throw new UsageException("Must specify refspec");
            if (pos.Count > 2)
                throw new UsageException("Too many arguments passed");
            refspec = pos[0];
            revision = pos.Count == 2 ? pos[1] : null;
        }
        var url = a.Get("custom-origin-url");
        var desc = a.Get("custom-origin-description");
        if ((url is null) != (desc is null))
            throw new OstreeException("Both --custom-origin-url and --custom-origin-description are required");
        if (url is not null && !Refspecs.IsChecksum(refspec))
            throw new OstreeException("--custom-origin-url requires a checksum refspec");
        return Transaction(ctx, new UpdateOptions
        {
            Kind = UpdateKind.Rebase,
            Refspec = refspec,
            Revision = revision,
            DisallowDowngrade = a.Has("disallow-downgrade"),
            CacheOnly = a.Has("cache-only"),
            DownloadOnly = a.Has("download-only"),
            SkipPurge = a.Has("skip-purge"),
            CustomOrigin = url is null ? null : (url, desc!),
        }, unchangedExit77: false);
    }

    private static int Transaction(Context ctx, UpdateOptions options, bool unchangedExit77)
    {
        using var host = ctx.Open(transaction: true);
        RequireRebootable(ctx, host);
        var result = UpdateDeployment.Run(host, options with { Progress = ctx.Progress });
        ctx.Progress?.Clear();
        if (!result.Changed)
            return unchangedExit77 ? ExitUnchanged : 0;
        // upgrade and deploy print the bare hint; rebase, like rollback and kargs, the "queued" line.
        return Queued(ctx, options.Kind == UpdateKind.Rebase);
    }

    // A reboot only makes sense for the running system; refuse it up front anywhere else.
    private static void RequireRebootable(Context ctx, HostSysroot host)
    {
        if (ctx.Args.Has("reboot") && host.Sysroot.Booted is null)
            throw new OstreeException("--reboot: the sysroot is not the booted system");
    }

    private static int Queued(Context ctx, bool queuedLine = true)
    {
        if (ctx.Args.Has("reboot"))
        {
            using var p = System.Diagnostics.Process.Start("systemctl", "reboot");
            p.WaitForExit();
            return p.ExitCode == 0 ? 0 : 1;
        }
        ctx.Out.WriteLine((queuedLine ? "Changes queued for next boot. " : "") + "Run \"systemctl reboot\" to start a reboot");
        return 0;
    }

    private static int RollbackVerb(Context ctx)
    {
        if (ctx.Args.Positional.Count > 0)
            throw new UsageException($"Unexpected argument '{ctx.Args.Positional[0]}'");
        using var host = ctx.Open(transaction: true);
        RequireRebootable(ctx, host);
        Rollback.Run(host);
        return Queued(ctx);
    }

    private static int CleanupVerb(Context ctx)
    {
        var a = ctx.Args;
        if (a.Positional.Count > 0)
            throw new UsageException($"Unexpected argument '{a.Positional[0]}'");
        var flags = CleanupFlags.None;
        if (a.Has("base"))
            flags |= CleanupFlags.Base;
        if (a.Has("pending"))
            flags |= CleanupFlags.Pending;
        if (a.Has("rollback"))
            flags |= CleanupFlags.Rollback;
        if (a.Has("repomd"))
            flags |= CleanupFlags.Repomd;
        if (flags == CleanupFlags.None)
            throw new UsageException("At least one cleanup option must be specified (-b, -p, -r, -m)");
        using var host = ctx.Open(transaction: true);
        Cleanup.Run(host, flags);
        return 0;
    }

    private static int KargsVerb(Context ctx)
    {
        var a = ctx.Args;
        if (a.Positional.Count > 0)
            throw new UsageException($"Unexpected argument '{a.Positional[0]}'");
        var edits = new KargsEdits
        {
            Append = a.GetAll("append"),
            Replace = a.GetAll("replace"),
            Delete = a.GetAll("delete"),
            AppendIfMissing = a.GetAll("append-if-missing"),
            DeleteIfPresent = a.GetAll("delete-if-present"),
        };
        if (a.Has("editor"))
        {
            if (!edits.IsEmpty)
                throw new OstreeException("Cannot specify --editor with --replace, --delete, --append, --delete-if-present or --append-if-missing");
            throw new OstreeException("--editor is not supported by Arbor; use --append, --replace or --delete");
        }
        if (edits.Delete.Count > 0 && edits.Replace.Count > 0)
            throw new OstreeException("Cannot specify both --delete and --replace");
        if (a.Has("import-proc-cmdline") && a.Has("deploy-index"))
            throw new OstreeException("Cannot specify both --import-from-proc-cmdline and --deploy-index");
        if (a.Has("import-proc-cmdline") && ctx.StaterootName is not null)
            throw new OstreeException("Cannot specify both osname and --import-from-proc-cmdline");
        if (a.Has("reboot") && edits.IsEmpty)
            throw new OstreeException("Cannot reboot when kernel arguments not changed");

        using var host = ctx.Open(transaction: !edits.IsEmpty);
        RequireRebootable(ctx, host);
        Deployment target = a.Has("import-proc-cmdline")
            ? host.Current ?? throw new OstreeException($"No deployments found for os {host.RequireOsName()}")
            : Kargs.Target(host, a.Get("deploy-index"));
        var existing = Kargs.Current(target);
        if (edits.IsEmpty)
        {
            ctx.Out.WriteLine(existing);
            return 0;
        }
        var changed = Kargs.Apply(existing, edits);
        if (changed is null)
        {
            ctx.Out.WriteLine("No changes.");
            return a.Has("unchanged-exit-77") ? ExitUnchanged : 0;
        }
        Kargs.Deploy(host, changed);
        return Queued(ctx);
    }
}
