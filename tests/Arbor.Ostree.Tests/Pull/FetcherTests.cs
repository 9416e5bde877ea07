// The Fetcher over loopback against a scripted server: bodies of every shape (Content-Length,
// chunked with extensions and trailers, sliced into tiny pieces, ending with the connection) into
// memory, pooled buffers and files; keep-alive reuse within the concurrency limit; a kept-alive
// connection the server closed; 404 as an answer or an error; retries after 5xx, dropped
// connections and cut bodies; a stalled body timing out; answers that are not HTTP; redirects;
// host names, IPv6 and a refused connection; what goes on the wire. Then https with a test CA:
// trusted only through tls-ca-path, the host name checked, a bad CA file named.
using System.Net;
using System.Text;
using Arbor.Ostree.Pull;

namespace Arbor.Ostree.Tests.Pull;

public sealed class FetcherTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-fetcher-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Fetcher NewFetcher(int retries = 0, int concurrency = 8, TimeSpan? timeout = null,
        string? caPath = null, params KeyValuePair<string, string>[] headers) => new(new FetcherOptions
        {
            Retries = retries,
            MaxConcurrency = concurrency,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
            TlsCaPath = caPath,
            Headers = headers,
        });

    private static async Task<string> Bytes(Fetcher f, string url, string path, bool allowMissing = false) =>
        await f.FetchBytesAsync(url, path, allowMissing, 1 << 20, CancellationToken.None) is { } b ? Encoding.ASCII.GetString(b) : "<missing>";

    // Small-or-spill: "mem:BODY" when it came through the pooled buffer, "file:BODY" when it spilled.
    private async Task<string> SmallOrSpill(Fetcher f, string url, string path, long memoryLimit = 1 << 20)
    {
        string? seen = null;
        var spill = Path.Combine(_dir, "spill");
        bool inMemory = await f.FetchSmallOrSpillAsync(url, path, () => spill, memoryLimit,
            segment => seen = Encoding.ASCII.GetString(segment), CancellationToken.None);
        return inMemory ? "mem:" + seen : "file:" + File.ReadAllText(spill);
    }

    private async Task<string> ToFile(Fetcher f, string url, string path, bool allowMissing = false)
    {
        var dest = Path.Combine(_dir, "dest");
        File.Delete(dest);
        return await f.FetchToFileAsync(url, path, dest, allowMissing, CancellationToken.None) ? File.ReadAllText(dest) : "<missing>";
    }

    private const string Chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n";

    [Fact]
    public async Task BodiesOfEveryShapeArriveWholeOverOneKeptAliveConnection()
    {
        using var server = new ScriptedHttpServer((_, path) => path.EndsWith("/chunked", StringComparison.Ordinal)
            ? Reply.Raw(Chunked) with { SliceSize = 3 }
            : Reply.Ok("body of " + path) with { SliceSize = path.EndsWith("/sliced", StringComparison.Ordinal) ? 1 : int.MaxValue });
        using var f = NewFetcher();
        Assert.Equal("body of /repo/config", await Bytes(f, server.Url, "config"));
        Assert.Equal("mem:body of /repo/objects/ab/c.filez", await SmallOrSpill(f, server.Url, "objects/ab/c.filez"));
        Assert.Equal("file:body of /repo/objects/ab/d.filez", await SmallOrSpill(f, server.Url, "objects/ab/d.filez", memoryLimit: 5));
        Assert.Equal("body of /repo/deltas/x/0", await ToFile(f, server.Url, "deltas/x/0"));
        Assert.Equal("body of /repo/sliced", await Bytes(f, server.Url, "sliced"));
        // Chunked bodies carry no length: bytes grow as they come, small-or-spill goes to the file.
        Assert.Equal("hello 0123456789", await Bytes(f, server.Url, "chunked"));
        Assert.Equal("file:hello 0123456789", await SmallOrSpill(f, server.Url, "chunked"));
        Assert.Equal("hello 0123456789", await ToFile(f, server.Url, "chunked"));
        Assert.Equal("body of /repo/after", await Bytes(f, server.Url, "after"));
        Assert.Equal(1, server.Connections);
        Assert.Equal(9, f.Requests);
        string[] bodies = ["body of /repo/config", "body of /repo/objects/ab/c.filez", "body of /repo/objects/ab/d.filez",
            "body of /repo/deltas/x/0", "body of /repo/sliced", "hello 0123456789", "hello 0123456789", "hello 0123456789", "body of /repo/after"];
        Assert.Equal(bodies.Sum(b => b.Length), f.BytesTransferred);
    }

    [Fact]
    public async Task ABodyWithoutLengthEndsWithTheConnection()
    {
        using var server = new ScriptedHttpServer((_, _) => Reply.Raw("HTTP/1.0 200 OK\r\n\r\nuntil close", close: true));
        using var f = NewFetcher();
        Assert.Equal("until close", await Bytes(f, server.Url, "a"));
        Assert.Equal("until close", await Bytes(f, server.Url, "b"));
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task ParallelRequestsShareAtMostConcurrencyConnections()
    {
        using var server = new ScriptedHttpServer((_, path) => Reply.Ok(path) with { SliceSize = 4 });
        using var f = NewFetcher(concurrency: 3);
        var bodies = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Bytes(f, server.Url, $"objects/{i}")));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"/repo/objects/{i}"), bodies);
        Assert.InRange(server.Connections, 1, 3);
        Assert.Equal(40, server.Requests.Count);
    }

    [Fact]
    public async Task AKeptAliveConnectionTheServerClosedIsReplacedWithoutARetry()
    {
        // Every answer promises keep-alive, then the server closes the connection.
        using var server = new ScriptedHttpServer((_, path) => Reply.Ok(path) with { Close = true });
        using var f = NewFetcher(retries: 0);
        for (int i = 0; i < 3; i++)
        {
            await Task.Delay(50);
            Assert.Equal($"/repo/{i}", await Bytes(f, server.Url, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        Assert.Equal(3, server.Connections);
    }

    [Fact]
    public async Task NotFoundIsAnAnswerWhereAllowedAndAnErrorElsewhere()
    {
        using var server = new ScriptedHttpServer((_, path) => path == "/repo/there" ? Reply.Ok("yes") : Reply.Status(404, "Not Found"));
        using var f = NewFetcher(retries: 3);
        Assert.Equal("<missing>", await Bytes(f, server.Url, "summary.sig", allowMissing: true));
        Assert.Equal("<missing>", await ToFile(f, server.Url, "deltas/x", allowMissing: true));
        var e = await Assert.ThrowsAsync<OstreeException>(() => Bytes(f, server.Url, "objects/ab/cd.dirtree"));
        Assert.Equal($"Server returned HTTP 404 for {server.Url}/objects/ab/cd.dirtree", e.Message);
        await Assert.ThrowsAsync<OstreeException>(() => SmallOrSpill(f, server.Url, "objects/ab/cd.filez"));
        Assert.Equal("yes", await Bytes(f, server.Url, "there"));
        // 404s are not retried, and the connection stays usable after them.
        Assert.Equal(5, server.Requests.Count);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task ServerErrorsDroppedConnectionsAndCutBodiesAreRetried()
    {
        using var server = new ScriptedHttpServer((i, _) => i switch
        {
            0 => Reply.Raw("", close: true),
            1 => Reply.Status(500, "Internal Server Error"),
            2 => Reply.Status(503, "Service Unavailable"),
            3 => Reply.Raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", close: true),
            4 => Reply.Status(429, "Too Many Requests"),
            _ => Reply.Ok("at last"),
        });
        using var f = NewFetcher(retries: 5);
        Assert.Equal("mem:at last", await SmallOrSpill(f, server.Url, "objects/ab/cd.filez"));
        // Whether the stack itself resends after the dropped connection or the fetcher retries, the
        // server sees each answer asked for once.
        Assert.Equal(6, server.Requests.Count);
    }

    [Fact]
    public async Task APersistentFailureNamesTheUrlAndTheAttempts()
    {
        using var server = new ScriptedHttpServer((_, _) => Reply.Status(503, "Service Unavailable"));
        using var f = NewFetcher(retries: 2);
        var e = await Assert.ThrowsAsync<OstreeException>(() => Bytes(f, server.Url, "summary"));
        Assert.Equal($"Fetching {server.Url}/summary failed after 3 attempts: HTTP 503", e.Message);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task OtherClientErrorsAreNotRetried()
    {
        using var server = new ScriptedHttpServer((_, _) => Reply.Status(403, "Forbidden"));
        using var f = NewFetcher(retries: 5);
        var e = await Assert.ThrowsAsync<OstreeException>(() => Bytes(f, server.Url, "summary"));
        Assert.Equal($"Server returned HTTP 403 for {server.Url}/summary", e.Message);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task AStalledBodyTimesOut()
    {
        using var server = new ScriptedHttpServer((_, _) => Reply.Raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nthe start") with { Hang = true });
        using var f = NewFetcher(retries: 0, timeout: TimeSpan.FromMilliseconds(300));
        var e = await Assert.ThrowsAsync<OstreeException>(() => ToFile(f, server.Url, "objects/ab/cd.filez"));
        Assert.Equal($"Fetching {server.Url}/objects/ab/cd.filez failed after 1 attempts: timed out", e.Message);
    }

    [Fact]
    public async Task ABodyLargerThanTheLimitIsRefused()
    {
        using var server = new ScriptedHttpServer((_, _) => Reply.Ok(new string('x', 100)));
        using var f = NewFetcher(retries: 3);
        var e = await Assert.ThrowsAsync<OstreeException>(() => f.FetchBytesAsync(server.Url, "summary", false, 99, CancellationToken.None));
        Assert.Equal($"{server.Url}/summary: response of 100 bytes exceeds the limit of 99", e.Message);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    public async Task AnswersThatAreNotHttpFailNamingTheUrl(string answer)
    {
        using var server = new ScriptedHttpServer((_, _) => Reply.Raw(answer, close: true));
        using var f = NewFetcher(retries: 1);
        var e = await Assert.ThrowsAsync<OstreeException>(() => Bytes(f, server.Url, "summary"));
        Assert.StartsWith($"Fetching {server.Url}/summary failed after 2 attempts: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostNamesAndIPv6AddressesAreReached()
    {
        using var server = new ScriptedHttpServer((_, path) => Reply.Ok("ok " + path));
        using var f = NewFetcher();
        var byName = server.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        Assert.Equal("ok /repo/x", await Bytes(f, byName, "x"));
        Assert.Contains($"Host: {new Uri(byName).Authority}", server.Requests[0].Split("\r\n"));

        // The IPv6 half needs a host with an IPv6 loopback (this machine and its CI have one).
        if (!System.Net.Sockets.Socket.OSSupportsIPv6)
            return;
        using var v6 = new System.Net.Sockets.TcpListener(IPAddress.IPv6Loopback, 0);
        v6.Start();
        var url = $"http://[::1]:{((IPEndPoint)v6.LocalEndpoint).Port}/repo";
        var get = Bytes(f, url, "y");
        using var peer = await v6.AcceptSocketAsync();
        var buf = new byte[1024];
        int n = await peer.ReceiveAsync(buf, System.Net.Sockets.SocketFlags.None);
        Assert.StartsWith("GET /repo/y HTTP/1.1\r\nHost: [::1]:", Encoding.ASCII.GetString(buf, 0, n), StringComparison.Ordinal);
        await peer.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nsix"), System.Net.Sockets.SocketFlags.None);
        Assert.Equal("six", await get);
    }

    [Fact]
    public async Task ARefusedConnectionFailsNamingTheUrl()
    {
        int port;
        using (var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        using var f = NewFetcher(retries: 1);
        var e = await Assert.ThrowsAsync<OstreeException>(() => Bytes(f, $"http://127.0.0.1:{port}/repo", "config"));
        Assert.StartsWith($"Fetching http://127.0.0.1:{port}/repo/config failed after 2 attempts: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("Connection refused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedirectsAreFollowed()
    {
        using var server = new ScriptedHttpServer((_, path) => path == "/repo/summary"
            ? Reply.Raw("HTTP/1.1 302 Found\r\nLocation: /mirror/summary\r\nContent-Length: 0\r\n\r\n")
            : Reply.Ok("from " + path));
        using var f = NewFetcher();
        Assert.Equal("from /mirror/summary", await Bytes(f, server.Url, "summary"));
    }

    [Fact]
    public async Task RequestsAreHttp11GetsWithEscapedPathsAndTheConfiguredHeaders()
    {
        using var server = new ScriptedHttpServer((_, _) => Reply.Status(204, "No Content"));
        using var f = NewFetcher(headers: new KeyValuePair<string, string>("X-Token", "secret"));
        await Bytes(f, server.Url, "refs/heads/ä b%");
        var lines = server.Requests[0].Split("\r\n");
        Assert.Equal("GET /repo/refs/heads/%C3%A4%20b%25 HTTP/1.1", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("Host: 127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains("User-Agent: arbor/0.1 libostree-compatible", lines);
        Assert.Contains("X-Token: secret", lines);
        // Bodies are stored as served: nothing asks for a compressed transfer, no cookies.
        Assert.DoesNotContain(lines, l => l.StartsWith("Accept-Encoding", StringComparison.OrdinalIgnoreCase) || l.StartsWith("Cookie", StringComparison.OrdinalIgnoreCase));
    }

    // --- https ----------------------------------------------------------------------------------

    [Fact]
    public async Task HttpsIsTrustedThroughTlsCaPathAndKeepsItsConnection()
    {
        using var ca = new TestCa("Arbor test CA");
        using var cert = ca.Issue([IPAddress.Loopback], "localhost");
        using var server = new ScriptedHttpServer((_, path) => path.EndsWith("/chunked", StringComparison.Ordinal) ? Reply.Raw(Chunked) : Reply.Ok("secure " + path), cert);
        using var f = NewFetcher(caPath: ca.WritePem(Path.Combine(_dir, "ca.pem")));
        Assert.Equal("secure /repo/config", await Bytes(f, server.Url, "config"));
        Assert.Equal("mem:secure /repo/objects/ab/c.filez", await SmallOrSpill(f, server.Url, "objects/ab/c.filez"));
        Assert.Equal("hello 0123456789", await ToFile(f, server.Url, "chunked"));
        Assert.Equal(1, server.Connections);

        // localhost is in the certificate too.
        var byName = server.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        Assert.Equal("secure /repo/summary", await Bytes(f, byName, "summary"));
    }

    [Fact]
    public async Task HttpsWithoutTheCaIsRefused()
    {
        using var ca = new TestCa("Arbor test CA");
        using var cert = ca.Issue([IPAddress.Loopback]);
        using var server = new ScriptedHttpServer((_, _) => Reply.Ok("secret"), cert);
        using var f = NewFetcher(retries: 5);
        var e = await Assert.ThrowsAsync<OstreeException>(() => Bytes(f, server.Url, "config"));
        Assert.StartsWith($"Fetching {server.Url}/config: The SSL connection could not be established: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("errors in the certificate chain", e.Message, StringComparison.Ordinal);
        // A refused certificate is not retried.
        Assert.Equal(1, server.Connections);
        Assert.Equal(1, f.Requests);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task TlsCaPathReplacesTheTrustAnchorsInsteadOfAddingToThem()
    {
        using var ca = new TestCa("Arbor test CA");
        using var other = new TestCa("Some other CA");
        using var cert = ca.Issue([IPAddress.Loopback]);
        using var server = new ScriptedHttpServer((_, _) => Reply.Ok("secret"), cert);
        using var f = NewFetcher(caPath: other.WritePem(Path.Combine(_dir, "other.pem")));
        var e = await Assert.ThrowsAsync<OstreeException>(() => Bytes(f, server.Url, "config"));
        Assert.Contains("The SSL connection could not be established", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task ACertificateForAnotherHostIsRefusedEvenFromTheTrustedCa()
    {
        using var ca = new TestCa("Arbor test CA");
        using var cert = ca.Issue([IPAddress.Parse("192.0.2.7")], "mirror.example");
        using var server = new ScriptedHttpServer((_, _) => Reply.Ok("secret"), cert);
        using var f = NewFetcher(caPath: ca.WritePem(Path.Combine(_dir, "ca.pem")));
        var e = await Assert.ThrowsAsync<OstreeException>(() => Bytes(f, server.Url, "config"));
        Assert.Contains("RemoteCertificateNameMismatch", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void ATlsCaPathWithoutACertificateIsNamed()
    {
        var empty = Path.Combine(_dir, "empty.pem");
        File.WriteAllText(empty, "not a certificate\n");
        var e = Assert.Throws<OstreeException>(() => NewFetcher(caPath: empty));
        Assert.Equal($"tls-ca-path {empty}: no PEM certificate in the file", e.Message);
        var missing = Path.Combine(_dir, "missing.pem");
        e = Assert.Throws<OstreeException>(() => NewFetcher(caPath: missing));
        Assert.StartsWith($"tls-ca-path {missing}: ", e.Message, StringComparison.Ordinal);
    }
}
