// Fetching over HTTP from a loopback Kestrel server that serves a createrepo_c repository and
// counts requests: repoquery lists the packages, a second run is served from the cache without
// any request, an expired cache asks only for repomd.xml, a partial package download is resumed
// with a Range request, a lost metadata file alone is fetched again, and a corrupted package is
// refused with an error naming it and nothing left behind.
using System.Collections.Concurrent;
using Arbor.Cli;
using Arbor.Rpm.Repodata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace Arbor.Rpm.Tests;

public sealed class RepoFetchTests : IAsyncLifetime
{
    private readonly string _dir = Tools.TempDir("fetch");
    private WebApplication? _app;
    private readonly ConcurrentQueue<string> _log = new();

    private string Root => Path.Combine(_dir, "www");
    private string RepoDir => Path.Combine(Root, "40", RepoConfig.BaseArch);
    private string Url { get; set; } = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(RepoDir);
        RepoFixture.MakePackages(RepoDir, 4);
        Tools.Run("createrepo_c", ["-q", RepoDir]);
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseUrls("http://127.0.0.1:0");
        _app = b.Build();
        _app.Use(async (ctx, next) =>
        {
            _log.Enqueue(ctx.Request.Path + (ctx.Request.Headers.Range.Count > 0 ? " range=" + ctx.Request.Headers.Range : ""));
            await next(ctx);
        });
        _app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(Root), ServeUnknownFileTypes = true });
        await _app.StartAsync();
        Url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        if (_app != null)
            await _app.DisposeAsync();
        Directory.Delete(_dir, true);
    }

    private static (int Code, string Out, string Err) Arbor(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(["rpm", .. args], o, e);
        return (code, o.ToString(), e.ToString());
    }

    private List<string> TakeLog()
    {
        var l = new List<string>();
        while (_log.TryDequeue(out var s))
            l.Add(s);
        return l;
    }

    private string Expected() =>
        string.Concat(RepoReader.Read(RepoDir).Packages.Select(p => p.Nevra).Order(StringComparer.Ordinal).Select(n => n + "\n"));

    [Fact]
    public void RepoqueryFetchesThenUsesTheCache()
    {
        var cache = Path.Combine(_dir, "cache");
        string from = $"--repofrompath=t,{Url}/$releasever/$basearch/";
        var r = Arbor("repoquery", from, "--releasever=40", "--cachedir", cache);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(Expected(), r.Out);
        Assert.Equal(5, r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var first = TakeLog();
        Assert.Contains(first, l => l.EndsWith("/repodata/repomd.xml", StringComparison.Ordinal));
        Assert.Contains(first, l => l.EndsWith("-primary.xml.gz", StringComparison.Ordinal));

        // Fresh cache: no request at all.
        r = Arbor("repoquery", from, "--releasever=40", "--cachedir", cache, "pkg*");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(4, r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Empty(TakeLog());

        // Expired (metadata_expire=0 in a .repo file with variables): repomd.xml only, since it did not change.
        var repoFile = Path.Combine(_dir, "test.repo");
        File.WriteAllText(repoFile, $"""
            # a comment
            [t]
            name=Test $releasever on $basearch
            baseurl=http://127.0.0.1:1/nothing-here/
                    {Url}/$releasever/${"{basearch}"}/
            enabled=1
            gpgcheck=0
            metadata_expire=0

            [off]
            name=Disabled
            baseurl=http://127.0.0.1:1/
            enabled=0
            """);
        var cfg = RepoConfig.ParseFile(repoFile, RepoConfig.Variables("40"));
        Assert.Equal("Test 40 on " + RepoConfig.BaseArch, cfg[0].Name);
        Assert.Equal(2, cfg[0].BaseUrls.Count);
        Assert.False(cfg[1].Enabled);
        r = Arbor("repoquery", "--repo-file=" + repoFile, "--releasever", "40", "--cachedir", Path.Combine(_dir, "cache2"), "hello");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("hello-2:1.2~rc1-3.noarch\n", r.Out);
        TakeLog();
        r = Arbor("repoquery", "--repo-file=" + repoFile, "--releasever", "40", "--cachedir", Path.Combine(_dir, "cache2"), "hello");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(["/40/" + RepoConfig.BaseArch + "/repodata/repomd.xml"], TakeLog());

        // A lost metadata file alone is fetched again.
        var cached = Directory.GetDirectories(cache).Single();
        File.Delete(Directory.GetFiles(Path.Combine(cached, "repodata"), "*-primary.xml.gz").Single());
        r = Arbor("repoquery", from, "--releasever=40", "--cachedir", cache);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(Expected(), r.Out);
        Assert.Single(TakeLog(), l => l.EndsWith("-primary.xml.gz", StringComparison.Ordinal));

        // Missing $releasever is named.
        r = Arbor("repoquery", from, "--cachedir", cache);
        Assert.Equal(1, r.Code);
        Assert.Contains("$releasever", r.Err);
    }

    [Fact]
    public void DownloadVerifiesResumesAndCaches()
    {
        var cache = Path.Combine(_dir, "cache");
        var dest = Path.Combine(_dir, "dest");
        string from = $"--repofrompath=t,{Url}/40/{RepoConfig.BaseArch}";
        var md = RepoReader.Read(RepoDir);
        var pkg0 = md.Packages.Single(p => p.Name == "pkg0");

        // A partially downloaded package in the cache is resumed from where it stopped.
        var fetcher = new RepoFetcher(new HttpClient(), cache);
        var pkgCache = Path.Combine(fetcher.CacheDir(RepoConfig.FromPath($"t,{Url}/40/{RepoConfig.BaseArch}")), "packages");
        Directory.CreateDirectory(pkgCache);
        var bytes = File.ReadAllBytes(Path.Combine(RepoDir, pkg0.Location));
        File.WriteAllBytes(Path.Combine(pkgCache, pkg0.FileName + ".part"), bytes[..(bytes.Length / 2)]);

        var r = Arbor("download", from, "--cachedir", cache, "--destdir", dest, "pkg0", "pkg1", "hello", "--parallel", "3");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(3, r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        foreach (var name in new[] { "pkg0", "pkg1", "hello" })
        {
            var p = md.Packages.Single(x => x.Name == name);
            Assert.Equal(File.ReadAllBytes(Path.Combine(RepoDir, p.Location)), File.ReadAllBytes(Path.Combine(dest, p.FileName)));
        }
        var log = TakeLog();
        Assert.Contains(log, l => l.Contains(pkg0.FileName, StringComparison.Ordinal) && l.Contains($"range=bytes={bytes.Length / 2}-", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(pkgCache, "*.part"));

        // Second time: everything from the cache.
        r = Arbor("download", from, "--cachedir", cache, "--destdir", dest, "pkg0", "pkg1", "hello");
        Assert.True(r.Code == 0, r.Err);
        Assert.Empty(TakeLog());

        // A package corrupted on the server is refused by name and not kept.
        var pkg2 = md.Packages.Single(p => p.Name == "pkg2");
        var served = Path.Combine(RepoDir, pkg2.Location);
        var evil = File.ReadAllBytes(served);
        evil[^5] ^= 0x55;
        File.WriteAllBytes(served, evil);
        r = Arbor("download", from, "--cachedir", cache, "--destdir", dest, "pkg2");
        Assert.Equal(1, r.Code);
        Assert.Contains(pkg2.Nevra, r.Err);
        Assert.Contains("checksum mismatch", r.Err);
        Assert.False(File.Exists(Path.Combine(dest, pkg2.FileName)));
        Assert.False(File.Exists(Path.Combine(pkgCache, pkg2.FileName)));
        Assert.Empty(Directory.GetFiles(pkgCache, "*.part"));

        r = Arbor("download", from, "--cachedir", cache, "--destdir", dest, "nosuch");
        Assert.Equal(1, r.Code);
        Assert.Contains("no package matches 'nosuch'", r.Err);
    }
    private string Metalink(string repomdHash, params (string Url, int Preference)[] mirrors) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <metalink version="3.0" xmlns="http://www.metalinker.org/" type="dynamic" generator="mirrormanager" xmlns:mm0="http://fedorahosted.org/mirrormanager">
         <files>
          <file name="repomd.xml">
           <mm0:timestamp>1700000000</mm0:timestamp>
           <size>{new FileInfo(Path.Combine(RepoDir, "repodata", "repomd.xml")).Length}</size>
           <verification>
            <hash type="sha256">{repomdHash}</hash>
           </verification>
           <mm0:alternates>
            <mm0:alternate>
             <mm0:timestamp>1600000000</mm0:timestamp>
             <verification><hash type="sha256">{new string('0', 64)}</hash></verification>
            </mm0:alternate>
           </mm0:alternates>
           <resources maxconnections="1">
        {string.Concat(mirrors.Select(m => $"    <url protocol=\"http\" type=\"http\" location=\"US\" preference=\"{m.Preference}\">{m.Url}repodata/repomd.xml</url>\n"))}    <url protocol="rsync" type="rsync" location="US" preference="100">rsync://127.0.0.1/nothing/repodata/repomd.xml</url>
           </resources>
          </file>
         </files>
        </metalink>
        """;

    private string Dnf(string repoFile, string cache) =>
        Tools.Run("dnf", ["-q", "--releasever=40", $"--setopt=reposdir={Path.GetDirectoryName(repoFile)}", $"--setopt=cachedir={cache}", "repoquery"]);

    [Fact]
    public void MetalinkMirrorsAreTriedByPreferenceAndRepomdIsChecked()
    {
        var repomdHash = RepoMd.HashFile(Path.Combine(RepoDir, "repodata", "repomd.xml"), "sha256");
        string good = $"{Url}/40/{RepoConfig.BaseArch}/", dead = "http://127.0.0.1:1/dead/";
        File.WriteAllText(Path.Combine(Root, "metalink.xml"), Metalink(repomdHash, (good, 50), (dead, 90)));
        File.WriteAllText(Path.Combine(Root, "stale.xml"), Metalink(new string('f', 64), (good, 50)));
        var dir = Path.Combine(_dir, "repos.d");
        Directory.CreateDirectory(dir);
        var repoFile = Path.Combine(dir, "m.repo");
        File.WriteAllText(repoFile, $"""
            [m]
            name=Metalink $releasever
            metalink={Url}/metalink.xml?repo=fedora-$releasever&arch=$basearch
            gpgcheck=0
            """);
        var r = Arbor("repoquery", "--repo-file=" + repoFile, "--releasever=40", "--cachedir", Path.Combine(_dir, "c1"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(Expected(), r.Out);
        // dnf (librepo) reads the same metalink and sees the same packages.
        Assert.Equal(Dnf(repoFile, Path.Combine(_dir, "dnf")).Replace("-0:", "-", StringComparison.Ordinal), r.Out);
        var log = TakeLog();
        Assert.Contains(log, l => l.StartsWith("/metalink.xml", StringComparison.Ordinal));

        // Packages come from the mirrors too (the cached metalink, no new request for it).
        var dest = Path.Combine(_dir, "dest");
        r = Arbor("download", "--repo-file=" + repoFile, "--releasever=40", "--cachedir", Path.Combine(_dir, "c1"), "--destdir", dest, "hello");
        Assert.True(r.Code == 0, r.Err);
        Assert.Single(Directory.GetFiles(dest));
        Assert.DoesNotContain(TakeLog(), l => l.StartsWith("/metalink.xml", StringComparison.Ordinal));

        // A repomd.xml the metalink does not list is refused, mirror by mirror.
        File.WriteAllText(repoFile, $"[m]\nmetalink={Url}/stale.xml\n");
        r = Arbor("repoquery", "--repo-file=" + repoFile, "--cachedir", Path.Combine(_dir, "c2"));
        Assert.Equal(1, r.Code);
        Assert.Contains("repomd.xml from", r.Err, StringComparison.Ordinal);
        Assert.Contains("is not the one the metalink lists", r.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Directory.GetDirectories(Path.Combine(_dir, "c2")).Single(), "repodata", "repomd.xml")));
    }

    [Fact]
    public void MirrorlistGivesBaseUrlsAndBadListsAreNamed()
    {
        File.WriteAllText(Path.Combine(Root, "mirrors.txt"), $"# mirrors for $basearch\n\nhttp://127.0.0.1:1/dead/\n{Url}/40/$basearch/\nrsync://x/y\n");
        File.WriteAllText(Path.Combine(Root, "empty.txt"), "# nothing here\n");
        var repoFile = Path.Combine(_dir, "l.repo");
        File.WriteAllText(repoFile, $"[l]\nmirrorlist={Url}/mirrors.txt\n[e]\nmirrorlist={Url}/empty.txt\nenabled=1\n[x]\nmirrorlist={Url}/missing.txt\n");
        var r = Arbor("repoquery", "--repo-file=" + repoFile, "--repo=l", "--cachedir", Path.Combine(_dir, "c"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(Expected(), r.Out);
        r = Arbor("repoquery", "--repo-file=" + repoFile, "--repo=e", "--cachedir", Path.Combine(_dir, "c"));
        Assert.Equal(1, r.Code);
        Assert.Contains("repository 'e': mirrorlist", r.Err, StringComparison.Ordinal);
        Assert.Contains("lists no usable mirror", r.Err, StringComparison.Ordinal);
        r = Arbor("repoquery", "--repo-file=" + repoFile, "--repo=x", "--cachedir", Path.Combine(_dir, "c"));
        Assert.Equal(1, r.Code);
        Assert.Contains("repository 'x': mirrorlist", r.Err, StringComparison.Ordinal);
        Assert.Contains("404", r.Err, StringComparison.Ordinal);
    }
}
