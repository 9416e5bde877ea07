// Fetching over HTTP from a loopback Kestrel server that serves a createrepo_c repository and
// counts requests: repoquery lists the packages, a second run is served from the cache without
// any request, an expired cache asks only for repomd.xml, a partial package download is resumed
// with a Range request, a lost metadata file alone is fetched again, and a corrupted package is
// refused with an error naming it and nothing left behind.
using System.Collections.Concurrent;
using Arbor.Cli.Rpm;
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
        int code = RpmCommands.Run(args, o, e);
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
}
