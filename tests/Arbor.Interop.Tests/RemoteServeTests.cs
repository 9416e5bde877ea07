// The pieces around pull, each compared with the real ostree: `remote add|list|show-url|delete`
// with --if-not-exists, --if-exists and --set leave the same config and print the same; `remote
// refs` and `remote summary` over HTTP print what ostree prints; `summary -u --add-metadata` and
// `summary --view` agree with ostree's view of the same file. And `arbor serve`'s HTTP contract:
// ranges, content type, caching headers, what it refuses.
using System.Net;
using System.Net.Http.Headers;

namespace Arbor.Interop.Tests;

[Collection("pull")]
public class RemoteServeTests(PullFixture fx)
{
    private static ProcessResult[] Both(string ostreeRepo, string arborRepo, params string[] args) =>
    [
        Tools.OstreeRun(["--repo=" + ostreeRepo, .. args]),
        Tools.Arbor(["ostree", "--repo=" + arborRepo, .. args]),
    ];

    private static void AssertSame(ProcessResult[] r)
    {
        Assert.True(r[0].ExitCode == r[1].ExitCode, $"exit codes differ:\n{r[0]}\n{r[1]}");
        Assert.Equal(r[0].Stdout, r[1].Stdout);
        Assert.Equal(r[0].StderrLines.Count, r[1].StderrLines.Count);
    }

    [Fact]
    public void Remote_add_list_show_url_delete_match_ostree()
    {
        var o = fx.OstreeInit("archive", "remotes-o");
        var a = fx.OstreeInit("archive", "remotes-a");
        string[][] steps =
        [
            ["remote", "add", "--set=tls-permissive=true", "--no-gpg-verify", "a", "http://x/", "main", "dev"],
            ["remote", "add", "--if-not-exists", "a", "http://other"],
            ["remote", "add", "b", "http://y"],
            ["remote", "add", "a", "http://z"],
            ["remote", "list"],
            ["remote", "list", "-u"],
            ["remote", "show-url", "a"],
            ["remote", "show-url", "nosuch"],
            ["remote", "delete", "b"],
            ["remote", "delete", "--if-exists", "b"],
            ["remote", "delete", "b"],
            ["remote", "list"],
        ];
        foreach (var step in steps)
            AssertSame(Both(o, a, step));
        Assert.Equal(File.ReadAllText(Path.Combine(o, "config")), File.ReadAllText(Path.Combine(a, "config")));
        // And each reads the other's remotes.
        Assert.Equal("http://x/\n", Tools.ArborOk("ostree", "--repo=" + o, "remote", "show-url", "a").Stdout);
        Assert.Equal("http://x/\n", Tools.OstreeOk("--repo=" + a, "remote", "show-url", "a").Stdout);
    }

    [Fact]
    public void Remote_refs_and_summary_over_http_match_ostree()
    {
        var o = fx.OstreeInit("archive", "rs-o");
        var a = fx.OstreeInit("archive", "rs-a");
        foreach (var repo in new[] { o, a })
            Tools.OstreeOk("--repo=" + repo, "remote", "add", "--no-gpg-verify", "origin", fx.Nginx.Url);
        AssertSame(Both(o, a, "remote", "refs", "origin"));
        AssertSame(Both(o, a, "remote", "summary", "origin"));
        Assert.Contains("* main", Tools.ArborOk("ostree", "--repo=" + a, "remote", "summary", "origin").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_update_with_metadata_and_view_match_ostree()
    {
        // A copy of arbor's repository, so the shared one keeps its summary.
        var repo = fx.ArborInit("archive", "summary");
        Tools.ArborOk("ostree", "--repo=" + repo, "pull-local", "--depth=-1", fx.ArborRepo);
        Tools.ArborOk("ostree", "--repo=" + repo, "summary", "-u", "--add-metadata=foo='bar'", "--add-metadata=n=uint32 7");
        var ostreeView = Tools.OstreeOk("--repo=" + repo, "summary", "--view").Stdout;
        Assert.Contains("foo: 'bar'", ostreeView, StringComparison.Ordinal);
        Assert.Equal(ostreeView, Tools.ArborOk("ostree", "--repo=" + repo, "summary", "--view").Stdout);

        // ostree's own summary of the same refs, viewed by both.
        Tools.OstreeOk("--repo=" + repo, "summary", "-u", "-m", "foo='baz'");
        Assert.Equal(Tools.OstreeOk("--repo=" + repo, "summary", "--view").Stdout, Tools.ArborOk("ostree", "--repo=" + repo, "summary", "--view").Stdout);
    }

    private static readonly HttpClient Http = new();

    private static string ObjectPath(string checksum, string ext) => $"/objects/{checksum[..2]}/{checksum[2..]}.{ext}";

    [Fact]
    public async Task Serve_answers_ranges_with_the_right_bytes_and_headers()
    {
        var big = Directory.EnumerateFiles(Path.Combine(fx.ArborRepo, "objects"), "*.filez", SearchOption.AllDirectories)
            .MaxBy(f => new FileInfo(f).Length)!;
        var rel = Path.GetRelativePath(fx.ArborRepo, big);
        var bytes = await File.ReadAllBytesAsync(big);

        using var req = new HttpRequestMessage(HttpMethod.Get, $"{fx.Serve.Url}/{rel}");
        req.Headers.Range = new RangeHeaderValue(1000, 1999);
        using var resp = await Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.PartialContent, resp.StatusCode);
        Assert.Equal(bytes[1000..2000], await resp.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/octet-stream", resp.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"bytes 1000-1999/{bytes.Length}", resp.Content.Headers.ContentRange?.ToString());

        using var whole = await Http.GetAsync($"{fx.Serve.Url}/{rel}");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(bytes, await whole.Content.ReadAsByteArrayAsync());
        Assert.Contains("immutable", whole.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Equal("application/octet-stream", whole.Content.Headers.ContentType?.MediaType);

        var commit = await Http.GetAsync(fx.Serve.Url + ObjectPath(fx.Main, "commit"));
        Assert.Contains("immutable", commit.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);

        foreach (var mutable in new[] { "/summary", "/refs/heads/main", "/config" })
        {
            using var r = await Http.GetAsync(fx.Serve.Url + mutable);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.True(r.Headers.CacheControl?.NoCache == true, $"{mutable}: Cache-Control {r.Headers.CacheControl}");
            Assert.Equal("application/octet-stream", r.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Serve_refuses_tmp_lock_files_and_writes()
    {
        var tmpFile = Path.Combine(fx.ArborRepo, "tmp", "probe");
        await File.WriteAllTextAsync(tmpFile, "scratch");
        await File.WriteAllTextAsync(Path.Combine(fx.ArborRepo, ".lock"), "");
        try
        {
            foreach (var path in new[] { "/tmp/probe", "/.lock", "/nosuch" })
            {
                using var r = await Http.GetAsync(fx.Serve.Url + path);
                Assert.True(r.StatusCode == HttpStatusCode.NotFound, $"{path}: {r.StatusCode}");
            }
            using var post = await Http.PostAsync(fx.Serve.Url + "/summary", new ByteArrayContent([1, 2, 3]));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
            using var put = await Http.PutAsync(fx.Serve.Url + "/refs/heads/main", new ByteArrayContent([1]));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
            using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, fx.Serve.Url + "/summary"));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }
        finally
        {
            File.Delete(tmpFile);
        }
    }
}
