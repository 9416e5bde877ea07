// `arbor db list|diff`: rpm-ostree's `db` verbs over an ostree repository (--repo, default the
// system repository /sysroot/ostree/repo). Package lists come from Arbor.Compose (commit metadata
// or the commit's rpmdb); this file only parses the command line and prints what
// rpm-ostree prints: rpmostree-db-builtin-list.cxx ("ostree commit: REV (CHECKSUM)" then " NEVRA"
// lines), rpmostree-db-builtin-diff.cxx with rpmostree-util.cxx's formatted/diff printers and
// rpm-util.cxx's changelog block, and json-glib's rendering of the a{sv} it builds for --format=json.
using System.Globalization;
using System.Text;
using Arbor.Compose.Rpmdb;
using Arbor.Ostree;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Package;

namespace Arbor.Cli.Verbs.Db;

/// <summary>Dispatches <c>arbor db …</c>.</summary>
public static class DbCommands
{
    private static readonly OptionSpec Repo = new("repo", 'r', OptionArg.String, "Path to OSTree repository (defaults to /sysroot/ostree/repo)", "PATH");

    private static readonly OptionSpec[] ListOptions = [Repo];

    private static readonly OptionSpec[] DiffOptions =
    [
        Repo,
        new("format", 'F', OptionArg.String, "Output format: \"diff\" or \"json\" or (default) \"block\"", "FORMAT"),
        new("changelogs", 'c', OptionArg.None, "Also output RPM changelogs"),
    ];

    private const string Usage = "Usage:\n  arbor db [OPTION…] COMMAND\n\nCommands using rpm-ostree's package database views of commits\n\n" +
        "Builtin \"db\" Commands:\n  diff                   Show package changes between two commits\n" +
        "  list                   List packages within commits\n";

    /// <summary>Runs <c>arbor db ARGS</c>.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            if (args.Length == 0)
            {
                stderr.Write(Usage);
                throw new UsageException("No \"db\" subcommand specified");
            }
            stdout.Write(Usage);
            return ExitCodes.Ok;
        }
        var rest = args[1..];
        switch (args[0])
        {
            case "list":
                if (rest.Contains("-h") || rest.Contains("--help"))
                {
                    stdout.Write(OptionParser.Help("arbor db list [OPTION…] REV... [PREFIX-PKGNAME...]", "", ListOptions));
                    return ExitCodes.Ok;
                }
                return List(OptionParser.Parse(rest, ListOptions), stdout);
            case "diff":
                if (rest.Contains("-h") || rest.Contains("--help"))
                {
                    stdout.Write(OptionParser.Help("arbor db diff [OPTION…] [FROM_REV] [TO_REV]", "", DiffOptions));
                    return ExitCodes.Ok;
                }
                return Diff(OptionParser.Parse(rest, DiffOptions), stdout);
            default:
                stderr.Write(Usage);
                throw new UsageException($"Unknown \"db\" subcommand \"{args[0]}\"");
        }
    }

    private static Repository OpenRepo(ParsedArgs a) =>
        Repository.Open(a.Get("repo") ?? Path.Combine(Arbor.Ostree.Sysroot.Sysroot.DefaultPath, "ostree/repo"));

    private static Checksum? TryResolve(Repository repo, string rev)
    {
        try
        {
            return repo.ResolveRev(rev, allowMissing: true);
        }
        catch (OstreeException)
        {
            return null; // not a valid ref or checksum: rpm-ostree takes it as the first pattern
        }
    }

    private static int List(ParsedArgs a, TextWriter o)
    {
        var repo = OpenRepo(a);
        // Arguments up to the first one that is not a commit are revisions; the rest are patterns.
        var revs = new List<(string Rev, Checksum Commit)>();
        List<string>? patterns = null;
        foreach (var arg in a.Positional)
        {
            if (patterns != null)
            {
                patterns.Add(arg);
                continue;
            }
            if (TryResolve(repo, arg) is { } c)
                revs.Add((arg, c));
            else
                patterns = [arg];
        }
        foreach (var (rev, commit) in revs)
        {
            string csum = commit.ToString();
            o.Write(rev != csum ? $"ostree commit: {rev} ({csum})\n" : $"ostree commit: {rev}\n");
            if (patterns == null)
            {
                foreach (var p in PackageList.ForCommit(repo, commit))
                    o.Write($" {p.Nevra}\n");
            }
            else
            {
                var headers = CommitRpmdb.ReadHeaders(repo, commit)
                    ?? throw new InvalidDataException($"Checking out {PackageList.RpmdbLocation} of {csum}: No package database found");
                foreach (var p in ChangelogDiff.Sorted(headers.Select(h => h.Header)).Where(p => PackagePattern.Matches(p, patterns)))
                    o.Write($" {ChangelogDiff.Nevra(p)}\n");
            }
        }
        return ExitCodes.Ok;
    }

    private static int Diff(ParsedArgs a, TextWriter o)
    {
        if (a.Positional.Count > 2)
            throw new UsageException("\"db diff\" takes at most 2 arguments");
        string format = a.Get("format") ?? "block";
        bool changelogs = a.Has("changelogs");
        if (format == "json" && changelogs)
            throw new UsageException("json format and --changelogs not supported");
        if (format is not ("block" or "diff" or "json"))
            throw new UsageException("Format argument is invalid, pick one of: diff, block, json");
        if (a.Positional.Count < 2)
            throw new UsageException("diffing deployments is not supported here; give FROM_REV and TO_REV");
        var repo = OpenRepo(a);
        string fromDesc = a.Positional[0], toDesc = a.Positional[1];
        var from = repo.ResolveRev(fromDesc)!.Value;
        var to = repo.ResolveRev(toDesc)!.Value;

        if (format == "json")
        {
            var diff = LoadDiff(repo, from, to);
            o.Write(GVariantJson.Object([
                ("ostree-commit-from", GVariantValue.Str(from.ToString())),
                ("ostree-commit-to", GVariantValue.Str(to.ToString())),
                ("pkgdiff", diff.ToVariant()),
                ("advisories", new GVArray(GVariantType.Parse("(suuasa{sv})"), [])),
            ]));
            return ExitCodes.Ok;
        }

        string f = from.ToString(), t = to.ToString();
        o.Write(fromDesc != f ? $"ostree diff commit from: {fromDesc} ({f})\n" : $"ostree diff commit from: {fromDesc}\n");
        o.Write(toDesc != t ? $"ostree diff commit to:   {toDesc} ({t})\n" : $"ostree diff commit to:   {toDesc}\n");
        if (format == "block" && changelogs)
        {
            var h1 = CommitRpmdb.ReadHeaders(repo, from) ?? throw new InvalidDataException($"No package database found in {f}");
            var h2 = CommitRpmdb.ReadHeaders(repo, to) ?? throw new InvalidDataException($"No package database found in {t}");
            o.Write(ChangelogBlock(ChangelogDiff.Compute(h1.Select(h => h.Header), h2.Select(h => h.Header))));
        }
        else
        {
            var diff = LoadDiff(repo, from, to);
            o.Write(format == "diff" ? DiffLines(diff) : Block(diff));
        }
        return ExitCodes.Ok;
    }

    private static PackageDiff LoadDiff(Repository repo, Checksum from, Checksum to)
    {
        IReadOnlyList<PackageListEntry> Load(Checksum c)
        {
            try
            {
                return PackageList.ForCommit(repo, c);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException("Failed to load package list: " + e.Message, e);
            }
        }
        return PackageDiff.Compute(Load(from), Load(to));
    }

    /// <summary>rpmostree_diff_print_formatted, FULL_MULTILINE.</summary>
    internal static string Block(PackageDiff d)
    {
        var sb = new StringBuilder();
        Section(sb, "Upgraded", d.Upgraded.Select(p => $"{p.Old.Name} {p.Old.Evr} -> {p.New.Evr}"));
        Section(sb, "Downgraded", d.Downgraded.Select(p => $"{p.Old.Name} {p.Old.Evr} -> {p.New.Evr}"));
        Section(sb, "Removed", d.Removed.Select(p => p.Nevra));
        Section(sb, "Added", d.Added.Select(p => p.Nevra));
        return sb.ToString();
    }

    private static void Section(StringBuilder sb, string title, IEnumerable<string> lines)
    {
        bool first = true;
        foreach (var line in lines)
        {
            if (first)
                sb.Append(title).Append(":\n");
            first = false;
            sb.Append("  ").Append(line).Append('\n');
        }
    }

    /// <summary>rpmostree_diff_print: one merged walk in package order, "!old" "=new", "-removed", "+added".</summary>
    internal static string DiffLines(PackageDiff d)
    {
        var sb = new StringBuilder();
        int ca = 0, cr = 0, cm = 0;
        static int CmpEnd(PackageListEntry? x, PackageListEntry? y) => y is null ? -1 : x is null ? 1 : PackageListEntry.Compare(x, y);
        while (ca < d.Added.Count || cr < d.Removed.Count || cm < d.ModifiedOld.Count)
        {
            var pa = ca < d.Added.Count ? d.Added[ca] : null;
            var pr = cr < d.Removed.Count ? d.Removed[cr] : null;
            var pm = cm < d.ModifiedOld.Count ? d.ModifiedOld[cm] : null;
            if (CmpEnd(pm, pr) < 0 && CmpEnd(pm, pa) < 0)
            {
                sb.Append('!').Append(pm!.Nevra).Append('\n').Append('=').Append(d.ModifiedNew[cm].Nevra).Append('\n');
                cm++;
            }
            else if (CmpEnd(pm, pr) < 0 || CmpEnd(pr, pa) >= 0)
            {
                sb.Append('+').Append(pa!.Nevra).Append('\n');
                ca++;
            }
            else
            {
                sb.Append('-').Append(pr!.Nevra).Append('\n');
                cr++;
            }
        }
        return sb.ToString();
    }

    /// <summary>rpmhdrs_diff_prnt_block with changelogs.</summary>
    internal static string ChangelogBlock(ChangelogDiff d)
    {
        var sb = new StringBuilder();
        if (d.Upgraded.Count > 0)
            sb.Append("Upgraded:\n");
        foreach (var c in d.Upgraded)
        {
            sb.Append("  ").Append(c.Old.Name).Append(' ').Append(ChangelogDiff.Evra(c.Old)).Append(" -> ").Append(ChangelogDiff.Evra(c.New)).Append('\n');
            foreach (var e in c.NewChangelog)
            {
                string date = DateTimeOffset.FromUnixTimeSeconds(e.Time).UtcDateTime.ToString("ddd MMM dd yyyy", CultureInfo.InvariantCulture);
                sb.Append("    * ").Append(date).Append(' ').Append(e.Author).Append('\n')
                  .Append("    ").Append(e.Text.Replace("\n", "\n    ", StringComparison.Ordinal)).Append("\n\n");
            }
        }
        Section(sb, "Downgraded", d.Downgraded.Select(c => $"{c.Old.Name} {ChangelogDiff.Evra(c.Old)} -> {ChangelogDiff.Evra(c.New)}"));
        Section(sb, "Removed", d.Removed.Select(ChangelogDiff.Nevra));
        Section(sb, "Added", d.Added.Select(ChangelogDiff.Nevra));
        return sb.ToString();
    }
}

/// <summary>rpm-ostree's package patterns for <c>db list</c>: case-insensitive fnmatch against name, NEVRA, name.arch and name-version-release.</summary>
internal static class PackagePattern
{
    public static bool Matches(PackageInfo p, IReadOnlyList<string> patterns)
    {
        string nevra = ChangelogDiff.Nevra(p);
        string na = $"{p.Name}.{p.Arch}";
        string nvr = $"{p.Name}-{p.Version}-{p.Release}";
        return patterns.Any(pat => Glob(pat, p.Name) || Glob(pat, nevra) || Glob(pat, na) || Glob(pat, nvr));
    }

    /// <summary>fnmatch(3) with FNM_CASEFOLD and no other flags: *, ?, [set] (with ! or ^ negation and ranges), backslash escapes.</summary>
    public static bool Glob(string pattern, string text) => Match(pattern.AsSpan(), text.AsSpan());

    private static bool Match(ReadOnlySpan<char> p, ReadOnlySpan<char> s)
    {
        while (!p.IsEmpty)
        {
            char c = p[0];
            if (c == '*')
            {
                while (!p.IsEmpty && p[0] == '*')
                    p = p[1..];
                if (p.IsEmpty)
                    return true;
                for (int i = 0; i <= s.Length; i++)
                    if (Match(p, s[i..]))
                        return true;
                return false;
            }
            if (s.IsEmpty)
                return false;
            if (c == '?')
            {
                p = p[1..];
                s = s[1..];
                continue;
            }
            if (c == '[' && TryClass(p, s[0], out int used, out bool hit))
            {
                if (!hit)
                    return false;
                p = p[used..];
                s = s[1..];
                continue;
            }
            if (c == '\\' && p.Length > 1)
                p = p[1..];
            if (char.ToLowerInvariant(p[0]) != char.ToLowerInvariant(s[0]))
                return false;
            p = p[1..];
            s = s[1..];
        }
        return s.IsEmpty;
    }

    // A bracket expression at p[0]; false when it is not closed (then '[' is literal, as in glibc).
    private static bool TryClass(ReadOnlySpan<char> p, char ch, out int used, out bool hit)
    {
        int i = 1;
        bool negate = i < p.Length && p[i] is '!' or '^';
        if (negate)
            i++;
        char lc = char.ToLowerInvariant(ch);
        bool any = false;
        bool first = true;
        while (i < p.Length && (p[i] != ']' || first))
        {
            first = false;
            char lo = p[i];
            if (lo == '\\' && i + 1 < p.Length)
                lo = p[++i];
            char hi = lo;
            if (i + 2 < p.Length && p[i + 1] == '-' && p[i + 2] != ']')
            {
                hi = p[i + 2];
                i += 2;
            }
            char l = char.ToLowerInvariant(lo), h = char.ToLowerInvariant(hi);
            if ((lc >= l && lc <= h) || (ch >= lo && ch <= hi))
                any = true;
            i++;
        }
        used = i + 1;
        hit = any != negate;
        return i < p.Length;
    }
}
