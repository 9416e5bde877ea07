// Arbor's rpmdb.sqlite against real rpm 4.18: the same queries over a database rpm wrote with
// --justdb and one Arbor wrote from the same packages give the same answers; rpm's own
// verification passes on Arbor's database and on a root extracted beside it; Arbor's reader reads
// rpm's database; and the stored headers and index rows are the ones rpm stores, byte for byte.
using Arbor.Native;
using Arbor.Rpm.Header;
using Arbor.Rpm.Rpmdb;

namespace Arbor.Interop.Tests.Rpmdb;

public sealed class RpmdbInteropTests(RpmdbFixture fx) : IClassFixture<RpmdbFixture>
{
    private static string Rpm => Tools.Require("rpm", "apt-get install -y rpm");

    private static string Query(string root, params string[] args)
    {
        var r = Tools.Run(Rpm, ["--root", root, "--dbpath", RpmdbFixture.DbPath, .. args]);
        return $"exit {r.ExitCode}\n{r.Stdout}";
    }

    private void SameAnswer(params string[] args)
    {
        string real = Query(fx.RealRoot, args);
        string ours = Query(fx.OurRoot, args);
        Assert.Equal(real, ours);
        Assert.StartsWith("exit ", real, StringComparison.Ordinal);
    }

    [Fact]
    public void Query_all_lists_the_same_packages()
    {
        // rpm orders its transaction, Arbor keeps the order it is given: the sets must agree.
        static string[] Sorted(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        string[] real = Sorted(Query(fx.RealRoot, "-qa", "--qf", "%{NEVRA}\\n"));
        Assert.Equal(real, Sorted(Query(fx.OurRoot, "-qa", "--qf", "%{NEVRA}\\n")));
        var nevras = real.Where(l => !l.StartsWith("exit", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["hello-2:1.2~rc1-3.noarch", "made-1.0-5.noarch", "reloc-0.9-2.noarch", "tool-3.0-1.fc40.x86_64"], nevras);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("tool")]
    [InlineData("reloc")]
    [InlineData("made")]
    public void Info_files_requires_and_provides_agree(string name)
    {
        SameAnswer("-qi", name);
        SameAnswer("-ql", name);
        SameAnswer("-q", "--requires", name);
        SameAnswer("-q", "--provides", name);
        SameAnswer("-q", "--changelog", name);
        SameAnswer("-q", "--triggers", name);
        SameAnswer("-q", "--qf", "[%{FILESTATES:fstate} %{FILENAMES}\\n]%{INSTALLTID} %{INSTALLCOLOR} %{INSTPREFIXES}\\n", name);
    }

    [Theory]
    [InlineData("-qf", "/usr/bin/hello")]
    [InlineData("-qf", "/usr/lib64/libtool.so.3")]
    [InlineData("-qf", "/usr/share/made/by-arbor")]
    [InlineData("-qf", "/var/log/hello.log")]
    [InlineData("-qf", "/nowhere")]
    [InlineData("--whatprovides", "greeting")]
    [InlineData("--whatprovides", "tool(abi)")]
    [InlineData("--whatprovides", "made-cap")]
    [InlineData("--whatrequires", "hello")]
    [InlineData("--whatrequires", "bash")]
    [InlineData("--whatrequires", "foo")]
    [InlineData("--whatrequires", "coreutils")]
    [InlineData("--whatconflicts", "other")]
    [InlineData("--whatobsoletes", "old-hello")]
    [InlineData("--whatrecommends", "weak-dep")]
    [InlineData("--whatsupplements", "english")]
    [InlineData("--whatenhances", "something")]
    [InlineData("--whatsuggests", "suggested")]
    [InlineData("--triggeredby", "bash")]
    [InlineData("-qg", "Applications/Test")]
    public void Index_lookups_agree(string query, string arg)
    {
        string[] args = query.StartsWith("-q", StringComparison.Ordinal) ? [query, arg] : ["-q", query, arg];
        SameAnswer(args);
    }

    [Fact]
    public void Verifydb_is_clean()
    {
        var r = Tools.Run(Tools.Require("rpmdb", "apt-get install -y rpm"), "--root", fx.OurRoot, "--dbpath", RpmdbFixture.DbPath, "--verifydb");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("error", r.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Verify_over_an_extracted_root_is_clean()
    {
        // A copy of Arbor's database under a root holding every package's payload.
        string root = Path.Combine(fx.Dir, "verify-root");
        RpmdbWriter.Write(root + RpmdbFixture.DbPath, fx.Rpms.Select(p =>
        {
            using var pkg = Arbor.Rpm.Package.RpmPackage.Open(p);
            return RpmdbPackage.From(pkg);
        }), new InstallStamp(fx.InstallTime, fx.InstallTime));
        foreach (var rpm in fx.Rpms)
            Tools.RunOk("/bin/sh", "-c", $"cd '{root}' && rpm2cpio '{rpm}' | cpio -idm --quiet");
        var r = Tools.Run(Rpm, "--root", root, "--dbpath", RpmdbFixture.DbPath, "-Va", "--nodeps", "--noscripts");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("", r.Stdout.Replace("missing     /var/log/hello.log\n", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Our_reader_reads_rpms_database()
    {
        var real = RpmdbReader.Read(fx.RealRoot + RpmdbFixture.DbPath);
        var ours = RpmdbReader.Read(fx.OurRoot + RpmdbFixture.DbPath);
        Assert.Equal(fx.Rpms.Count, real.Count);
        var realByName = real.ToDictionary(p => p.Info.Nevra, StringComparer.Ordinal);
        var ourByName = ours.ToDictionary(p => p.Info.Nevra, StringComparer.Ordinal);
        Assert.Equal(realByName.Keys.Order(StringComparer.Ordinal), ourByName.Keys.Order(StringComparer.Ordinal));
        foreach (var (nevra, r) in realByName)
        {
            // The stored header is rpm's, byte for byte: region, merged signature tags, install tags.
            Assert.Equal(Convert.ToHexString(r.Header.Raw), Convert.ToHexString(ourByName[nevra].Header.Raw));
            Assert.Equal(fx.InstallTime, (uint)r.InstallTime!.Value);
        }
    }

    [Fact]
    public void Index_rows_match_rpms()
    {
        using var real = SqliteDatabase.Open(fx.RealRoot + RpmdbFixture.DbPath + "/rpmdb.sqlite", readOnly: true);
        using var ours = SqliteDatabase.Open(fx.OurRoot + RpmdbFixture.DbPath + "/rpmdb.sqlite", readOnly: true);
        Assert.Equal(Schema(real), Schema(ours));
        foreach (var table in Tables(real))
            Assert.Equal(Rows(real, table), Rows(ours, table));
    }

    private static List<string> Schema(SqliteDatabase db)
    {
        using var q = db.Prepare("SELECT sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name");
        var list = new List<string>();
        while (q.Step())
            list.Add(q.GetText(0));
        return list;
    }

    private static List<string> Tables(SqliteDatabase db)
    {
        using var q = db.Prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('Packages') AND name NOT LIKE 'sqlite_%'");
        var list = new List<string>();
        while (q.Step())
            list.Add(q.GetText(0));
        return list;
    }

    // Rows with the header number replaced by the package's name, since rpm orders its transaction.
    private static List<string> Rows(SqliteDatabase db, string table)
    {
        using var q = db.Prepare($"SELECT hex(key), typeof(key), hnum, idx FROM '{table}'");
        var names = new Dictionary<long, string>();
        using (var p = db.Prepare("SELECT hnum, blob FROM Packages"))
            while (p.Step())
                names[p.GetInt64(0)] = InstalledHeader.Parse(p.GetBlob(1), "row").GetString(RpmTag.Name)!;
        var list = new List<string>();
        while (q.Step())
            list.Add($"{table} {q.GetText(0)} {q.GetText(1)} {names[q.GetInt64(2)]} {q.GetInt64(3)}");
        list.Sort(StringComparer.Ordinal);
        return list;
    }
}
