// Which of a package's scripts an assembled tree runs, and which it refuses. A tree is always
// built from scratch, so the erase-time scripts (%preun, %postun, %triggerun, %triggerpostun),
// %pretrans and %verifyscript never apply; %prein, %post, %posttrans and %transfiletriggerin do.
// Package triggers on other packages (%triggerin, %triggerprein) cannot be honoured without a
// package-manager transaction, so a package carrying one is refused before anything is written,
// unless the script is on rpm-ostree's list of scripts known to be safe to skip. That list, the
// `$1` values and the lua rules follow rpm-ostree (rust/src/scripts.rs, rpmostree-scripts.cxx), so
// a treefile that composes there composes here.
using Arbor.Rpm.Package;

namespace Arbor.Compose.Assemble;

/// <summary>The script kinds an assembled tree runs, in the order they run.</summary>
public enum ScriptKind
{
    /// <summary><c>%pre</c>, run for every package before any <c>%post</c>.</summary>
    PreIn,

    /// <summary><c>%post</c>.</summary>
    PostIn,

    /// <summary><c>%posttrans</c>, after every <c>%post</c>.</summary>
    PostTrans,

    /// <summary><c>%transfiletriggerin</c>, last, fed the matching files on stdin.</summary>
    TransFileTriggerIn,
}

/// <summary>What the transaction does with a package; decides a script's <c>$1</c>.</summary>
public enum PackageAction
{
    /// <summary>A new package (<c>$1</c> = 1).</summary>
    Install,

    /// <summary>A newer version replaces an older one (<c>$1</c> = 2).</summary>
    Upgrade,

    /// <summary>An older version replaces a newer one (<c>$1</c> = 2).</summary>
    Downgrade,
}

/// <summary>One script to run: whose, which, with what.</summary>
/// <param name="Package">The package name.</param>
/// <param name="Kind">The script kind.</param>
/// <param name="Interpreter">The interpreter and its arguments (<c>/bin/sh</c> when the package names none).</param>
/// <param name="Body">The script text.</param>
/// <param name="Argument">The <c>$1</c> value, or null for file triggers.</param>
/// <param name="Patterns">For a file trigger, the path prefixes it watches (without the leading slash).</param>
public sealed record PackageScript(string Package, ScriptKind Kind, IReadOnlyList<string> Interpreter, string Body,
    string? Argument, IReadOnlyList<string> Patterns)
{
    /// <summary>rpm-ostree's name for the script, e.g. <c>foo.post</c>: output lines are prefixed with it.</summary>
    public string Id => $"{Package}.{PackageScripts.Suffix(Kind)}";
}

/// <summary>Reads the scripts an assembled tree runs from package headers.</summary>
public static class PackageScripts
{
    /// <summary>The interpreter rpm names for its built-in lua.</summary>
    public const string LuaInterpreter = "<lua>";

    // rpm's script flag asking for macro expansion (RPMSCRIPT_FLAG_EXPAND, private to librpm).
    private const uint ExpandFlag = 1;

    // `<package>.<script>` pairs rpm-ostree never runs: they fail or are pointless in a tree built
    // offline from scratch.
    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
    {
        "glibc.prein", "glibc-headers.prein", "coreutils.prein", "ca-certificates.prein", "libgcc.post",
        "filesystem.posttrans", "setup.post", "pinentry.prein", "fedora-release.posttrans", "vagrant.prein",
        "vagrant-libvirt.prein", "bash.post", "gdb.prein", "systemd.transfiletriggerin",
        "man-db.transfiletriggerin", "filesystem.transfiletriggerin", "nfs-utils.post", "microcode_ctl.post",
        "microcode_ctl.posttrans",
    };

    // Kernel %posttrans scripts call kernel-install, which an ostree tree replaces with its own
    // kernel placement; they run only when the treefile asks for kernel-install.
    private static readonly HashSet<string> IgnoredKernel = BuildKernelIgnores();

    // Scripts rpm-ostree neuters only for some releases (a broken %post on EL7/EL8 builds).
    private static readonly (string Id, string ReleaseSuffix)[] Neutered =
    [
        ("pam.post", ".el7"), ("nvme-cli.post", ".el8_2"), ("nvme-cli.post", ".el8"),
    ];

    /// <summary>The script-name suffix rpm-ostree uses for <paramref name="kind"/>.</summary>
    public static string Suffix(ScriptKind kind) => kind switch
    {
        ScriptKind.PreIn => "prein",
        ScriptKind.PostIn => "post",
        ScriptKind.PostTrans => "posttrans",
        _ => "transfiletriggerin",
    };

    /// <summary>True when rpm-ostree skips <paramref name="package"/>'s <paramref name="scriptSuffix"/> script.</summary>
    public static bool IsIgnored(string package, string scriptSuffix, bool useKernelInstall)
    {
        string id = $"{package}.{scriptSuffix.TrimStart('%')}";
        return Ignored.Contains(id) || (!useKernelInstall && IgnoredKernel.Contains(id));
    }

    /// <summary>Refuses a package whose scripts an assembled tree cannot honour.</summary>
    /// <exception cref="ComposeException">The package has a <c>%triggerin</c> or <c>%triggerprein</c> script.</exception>
    public static void Validate(PackageInfo package, bool useKernelInstall = false)
    {
        ArgumentNullException.ThrowIfNull(package);
        foreach (var trigger in package.Triggers)
        {
            if (trigger.Kind is not ("triggerin" or "triggerprein"))
                continue;
            if (IsIgnored(package.Name, trigger.Kind, useKernelInstall))
                continue;
            throw new ComposeException($"Package '{package.Name}' has (currently) unsupported script of type '%{trigger.Kind}'");
        }
    }

    /// <summary>
    /// The scripts of <paramref name="kind"/> that <paramref name="package"/> runs, after the ignore
    /// list, lua skips and neutered scripts: none, one, or (file triggers) one per trigger.
    /// </summary>
    /// <exception cref="ComposeException">A lua script without rpm-ostree's skip marker, or a script that asks for macro expansion.</exception>
    public static IReadOnlyList<PackageScript> For(PackageInfo package, ScriptKind kind, PackageAction action, bool useKernelInstall = false)
    {
        ArgumentNullException.ThrowIfNull(package);
        string suffix = Suffix(kind);
        if (IsIgnored(package.Name, suffix, useKernelInstall))
            return [];
        if (kind == ScriptKind.TransFileTriggerIn)
            return FileTriggers(package);
        string tagName = kind switch { ScriptKind.PreIn => "prein", ScriptKind.PostIn => "postin", _ => "posttrans" };
        var script = package.Scripts.FirstOrDefault(s => s.Name == tagName);
        if (script is null || script.Body.Length == 0)
            return [];
        string id = $"{package.Name}.{suffix}";
        foreach (var (neuteredId, release) in Neutered)
        {
            if (neuteredId == id && package.Release.EndsWith(release, StringComparison.Ordinal))
                return [];
        }
        IReadOnlyList<string> interpreter = script.Interpreter.Count > 0 ? script.Interpreter : ["/bin/sh"];
        if (interpreter[0] == LuaInterpreter)
        {
            if (HasLuaSkipMarker(script.Body))
                return [];
            throw new ComposeException($"Package '{package.Name}' has (currently) unsupported {LuaInterpreter} script in '%{suffix}'");
        }
        if ((script.Flags & ExpandFlag) != 0)
            throw new ComposeException($"Package '{package.Name}' script '%{suffix}' asks for rpm macro expansion, which Arbor does not perform");
        string argument = action == PackageAction.Install ? "1" : "2";
        return [new PackageScript(package.Name, kind, interpreter, script.Body, argument, [])];
    }

    private static List<PackageScript> FileTriggers(PackageInfo package)
    {
        var result = new List<PackageScript>();
        foreach (var trigger in package.TransFileTriggers)
        {
            if (trigger.Kind != "triggerin" || trigger.Body.Length == 0)
                continue;
            if (trigger.Interpreter == LuaInterpreter)
                throw new ComposeException($"Package '{package.Name}' has (currently) unsupported {LuaInterpreter} script in '%transfiletriggerin'");
            if ((trigger.Flags & ExpandFlag) != 0)
                throw new ComposeException($"Package '{package.Name}' script '%transfiletriggerin' asks for rpm macro expansion, which Arbor does not perform");
            var patterns = new List<string>();
            foreach (var condition in trigger.Conditions)
            {
                string pattern = condition.Name.TrimStart('/');
                if (pattern.Length > 0)
                    patterns.Add(pattern);
            }
            if (patterns.Count > 0)
                result.Add(new PackageScript(package.Name, ScriptKind.TransFileTriggerIn, [trigger.Interpreter], trigger.Body, null, patterns));
        }
        return result;
    }

    // rpm-ostree honours "-- rpm-ostree-skip" at the start of any of a lua script's first ten lines.
    private static bool HasLuaSkipMarker(string body)
    {
        int start = 0;
        for (int line = 0; line < 10 && start < body.Length; line++)
        {
            if (body.AsSpan(start).StartsWith("-- rpm-ostree-skip", StringComparison.Ordinal))
                return true;
            int end = body.IndexOf('\n', start);
            if (end < 0)
                break;
            start = end + 1;
        }
        return false;
    }

    private static HashSet<string> BuildKernelIgnores()
    {
        var set = new HashSet<string>(StringComparer.Ordinal)
        {
            "kernel.posttrans", "kernel-core.posttrans", "kernel-modules.posttrans", "kernel-uek.posttrans",
            "kernel-uek-core.posttrans",
        };
        foreach (string flavour in new[] { "redhat", "debug", "redhat-debug", "automotive", "automotive-debug", "rt", "rt-debug",
                     "16k", "16k-debug", "64k", "64k-debug", "lt", "ml" })
        {
            set.Add($"kernel-{flavour}-core.posttrans");
            set.Add($"kernel-{flavour}-modules.posttrans");
        }
        set.Add("kernel-lt.posttrans");
        set.Add("kernel-ml.posttrans");
        return set;
    }
}
