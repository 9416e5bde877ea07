// RPMs built by the real rpmbuild (gzip, xz and zstd payloads; config, doc, license, ghost,
// setuid, hard-linked, symlinked files; every dependency kind; scriptlets with interpreters;
// a trigger; changelog) read by Arbor: `arbor rpm info --json` must agree field by field with
// `rpm -qp --queryformat`, and `arbor rpm extract` must produce what `rpm2cpio | cpio -idm` does.
using System.Globalization;
using System.Text.Json;
using Arbor.Rpm.Package;

namespace Arbor.Rpm.Tests;

public class RpmbuildInteropTests
{
    public static TheoryData<string> Payloads => ["w9.gzdio", "w6.xzdio", "w19.zstdio"];

    private static JsonElement InfoJson(string rpm)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Arbor.Cli.Program.Run(["rpm", "info", rpm, "--json"], o, e);
        Assert.True(code == 0, e.ToString());
        return JsonDocument.Parse(o.ToString()).RootElement;
    }

    private static string Q(string rpm, string qf) => Tools.Run("rpm", ["-qp", "--nosignature", "--nodigest", "--qf", qf, rpm]);

    private static string Str(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => "(none)",
        JsonValueKind.Number => e.GetInt64().ToString(CultureInfo.InvariantCulture),
        _ => e.GetString()!,
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void InfoAgreesWithRpmQueryformat(string payload)
    {
        var rpm = Tools.BuildRpm(payload);
        var j = InfoJson(rpm);
        foreach (var (field, tag) in new[]
        {
            ("name", "NAME"), ("epoch", "EPOCH"), ("version", "VERSION"), ("release", "RELEASE"), ("arch", "ARCH"),
            ("summary", "SUMMARY"), ("description", "DESCRIPTION"), ("license", "LICENSE"), ("group", "GROUP"),
            ("url", "URL"), ("buildhost", "BUILDHOST"), ("buildtime", "BUILDTIME"), ("sourcerpm", "SOURCERPM"),
            ("size", "LONGSIZE"), ("payloadcompressor", "PAYLOADCOMPRESSOR"),
        })
            Assert.True(Q(rpm, $"%{{{tag}}}") == Str(j.GetProperty(field)), $"{field} differs from rpm's %{{{tag}}}");
        Assert.Equal(Q(rpm, "%{NAME}-%{EPOCH}:%{VERSION}-%{RELEASE}.%{ARCH}"), j.GetProperty("nevra").GetString());

        // Files: every per-file field.
        var rpmFiles = Q(rpm, "[%{FILENAMES}\t%{FILEMODES}\t%{LONGFILESIZES}\t%{FILEUSERNAME}\t%{FILEGROUPNAME}\t%{FILEMTIMES}\t%{FILEDIGESTS}\t%{FILELINKTOS}\t%{FILEFLAGS}\n]");
        var ours = string.Concat(j.GetProperty("files").EnumerateArray().Select(f =>
            string.Join('\t', Str(f.GetProperty("path")), Str(f.GetProperty("mode")), Str(f.GetProperty("size")), Str(f.GetProperty("user")),
                Str(f.GetProperty("group")), Str(f.GetProperty("mtime")), Str(f.GetProperty("digest")), Str(f.GetProperty("linkto")),
                Str(f.GetProperty("flags"))) + "\n"));
        Assert.Equal(rpmFiles, ours);
        Assert.Contains("/var/log/hello.log", ours, StringComparison.Ordinal);

        // Dependencies of every kind, with flags and versions.
        foreach (var (kind, tag) in new[]
        {
            ("requires", "REQUIRE"), ("provides", "PROVIDE"), ("conflicts", "CONFLICT"), ("obsoletes", "OBSOLETE"),
            ("recommends", "RECOMMEND"), ("suggests", "SUGGEST"), ("supplements", "SUPPLEMENT"), ("enhances", "ENHANCE"),
        })
        {
            var theirs = Q(rpm, $"[%{{{tag}NAME}}\t%{{{tag}FLAGS}}\t%{{{tag}VERSION}}\n]");
            var mine = string.Concat(j.GetProperty(kind).EnumerateArray().Select(d =>
                $"{Str(d.GetProperty("name"))}\t{Str(d.GetProperty("flags"))}\t{Str(d.GetProperty("version"))}\n"));
            Assert.True(theirs == mine, $"{kind}: rpm says\n{theirs}\narbor says\n{mine}");
            Assert.NotEmpty(mine);
        }
        var requiresText = Tools.Run("rpm", ["-qp", "--nosignature", "--requires", rpm]);
        var ourRequires = string.Concat(j.GetProperty("requires").EnumerateArray().Select(d => d.GetProperty("text").GetString() + "\n"));
        Assert.Equal(requiresText.Split('\n').Order(StringComparer.Ordinal), ourRequires.Split('\n').Order(StringComparer.Ordinal));

        // Scriptlets with their interpreters.
        var scripts = j.GetProperty("scripts").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        foreach (var (name, tag) in new[] { ("prein", "PREIN"), ("postin", "POSTIN"), ("preun", "PREUN"), ("postun", "POSTUN"), ("pretrans", "PRETRANS") })
        {
            Assert.Equal(Q(rpm, $"%{{{tag}}}"), scripts[name].GetProperty("body").GetString());
            Assert.Equal(Q(rpm, $"[%{{{tag}PROG}}\n]").TrimEnd('\n'), string.Join('\n', scripts[name].GetProperty("interpreter").EnumerateArray().Select(x => x.GetString())));
        }
        // Trigger and changelog.
        var trig = j.GetProperty("triggers").EnumerateArray().Single();
        Assert.Equal(Q(rpm, "[%{TRIGGERSCRIPTS}]"), trig.GetProperty("body").GetString());
        Assert.Equal(Q(rpm, "[%{TRIGGERNAME} >= %{TRIGGERVERSION}]"), trig.GetProperty("conditions")[0].GetString());
        Assert.Equal(Q(rpm, "[%{CHANGELOGTIME}\t%{CHANGELOGNAME}\t%{CHANGELOGTEXT}\n]"),
            string.Concat(j.GetProperty("changelog").EnumerateArray().Select(c => $"{Str(c.GetProperty("time"))}\t{c.GetProperty("author").GetString()}\t{c.GetProperty("text").GetString()}\n")));
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void DigestsVerifyAndExtractionMatchesRpm2cpio(string payload)
    {
        var rpm = Tools.BuildRpm(payload);
        using (var pkg = RpmPackage.Open(rpm))
            Assert.Equal(["sha256", "sha1", "payload-sha256", "md5"], pkg.VerifyAll());

        var theirs = Tools.TempDir("cpio");
        var ours = Tools.TempDir("arbor");
        try
        {
            var cpioBytes = new MemoryStream();
            var psi = new System.Diagnostics.ProcessStartInfo("rpm2cpio", [rpm]) { RedirectStandardOutput = true };
            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                p.StandardOutput.BaseStream.CopyTo(cpioBytes);
                p.WaitForExit();
            }
            Tools.Run("cpio", ["-idm", "--quiet"], theirs, cpioBytes.ToArray());
            using (var pkg = RpmPackage.Open(rpm))
                PayloadExtractor.Extract(pkg, ours);
            Assert.Equal(Snapshot(theirs), Snapshot(ours));
        }
        finally
        {
            Directory.Delete(theirs, true);
            Directory.Delete(ours, true);
        }
    }

    private static List<string> Snapshot(string root)
    {
        var list = new List<string>();
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var st = Arbor.Native.LibC.LStat(path);
            string rel = path[root.Length..];
            string line = $"{rel} {Convert.ToString(st.Mode, 8)} nlink={st.NLink}";
            if (st.IsRegular)
                line += $" {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))} mtime={File.GetLastWriteTimeUtc(path):O}";
            else if (st.IsSymlink)
                line += " -> " + new FileInfo(path).LinkTarget;
            list.Add(line);
        }
        return list;
    }
}
