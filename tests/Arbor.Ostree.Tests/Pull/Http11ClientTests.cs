// The plain-http client against a scripted loopback server that answers each request with raw
// bytes chosen by the test: Content-Length bodies on a kept-alive connection (one connection for
// many requests), chunked bodies with extensions and trailers, close-delimited bodies, answers
// split into single bytes, a stale kept-alive connection the server closed, a body cut short,
// and heads that are not HTTP. Also the request line: escaping and the configured headers.
using System.Net;
using System.Net.Sockets;
using System.Text;
using Arbor.Ostree.Pull;

namespace Arbor.Ostree.Tests.Pull;

public sealed class Http11ClientTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<string> _requests = [];
    private int _connections;

    public Http11ClientTests() => _listener.Start();

    public void Dispose() => _listener.Stop();

    private Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/repo/");

    // Serves connections until the test ends; answer(requestIndex) gives the raw bytes to send and
    // whether to close the connection afterwards.
    private void Serve(Func<int, (byte[] Bytes, bool Close)> answer, int chunkSize = int.MaxValue)
    {
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket s;
                try
                {
                    s = await _listener.AcceptSocketAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                Interlocked.Increment(ref _connections);
                _ = Task.Run(async () =>
                {
                    using var sock = s;
                    var buf = new byte[8192];
                    var pending = new StringBuilder();
                    while (true)
                    {
                        int n = await sock.ReceiveAsync(buf, SocketFlags.None);
                        if (n == 0)
                            return;
                        pending.Append(Encoding.UTF8.GetString(buf, 0, n));
                        int end;
                        while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                        {
                            var request = pending.ToString(0, end);
                            pending.Remove(0, end + 4);
                            int index;
                            lock (_requests)
                            {
                                _requests.Add(request);
                                index = _requests.Count - 1;
                            }
                            var (bytes, close) = answer(index);
                            for (int off = 0; off < bytes.Length; off += chunkSize)
                            {
                                await sock.SendAsync(bytes.AsMemory(off, Math.Min(chunkSize, bytes.Length - off)), SocketFlags.None);
                                if (chunkSize < bytes.Length)
                                    await Task.Delay(1);
                            }
                            if (close)
                            {
                                sock.Shutdown(SocketShutdown.Both);
                                return;
                            }
                        }
                    }
                });
            }
        });
    }

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static async Task<(int Status, string Body)> Get(Http11Client client, string path)
    {
        using var r = await client.GetAsync(path, CancellationToken.None);
        var body = new MemoryStream();
        var buf = new byte[7];
        int n;
        while ((n = await r.ReadAsync(buf, CancellationToken.None)) > 0)
            body.Write(buf, 0, n);
        return (r.StatusCode, Encoding.ASCII.GetString(body.ToArray()));
    }

    private Http11Client Client(params KeyValuePair<string, string>[] headers) =>
        new(BaseUri, "arbor-test", headers, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task ContentLengthBodiesShareOneKeptAliveConnection()
    {
        Serve(i => (Ascii($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: {5 + i.ToString().Length}\r\n\r\nbody-{i}"), false));
        using var client = Client();
        for (int i = 0; i < 20; i++)
        {
            var (status, body) = await Get(client, $"objects/{i}");
            Assert.Equal(200, status);
            Assert.Equal($"body-{i}", body);
        }
        Assert.Equal(1, Volatile.Read(ref _connections));
        Assert.StartsWith("GET /repo/objects/0 HTTP/1.1\r\nHost: 127.0.0.1:", _requests[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnswersSplitIntoSingleBytesAreReassembled()
    {
        Serve(i => (Ascii("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"), false), chunkSize: 1);
        using var client = Client();
        Assert.Equal((200, "hello world"), await Get(client, "a"));
        Assert.Equal((200, "hello world"), await Get(client, "b"));
        Assert.Equal(1, Volatile.Read(ref _connections));
    }

    [Fact]
    public async Task ChunkedBodiesWithExtensionsAndTrailersKeepTheConnection()
    {
        Serve(i => (Ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n"), false), chunkSize: 3);
        using var client = Client();
        using (var r = await client.GetAsync("c", CancellationToken.None))
            Assert.Null(r.ContentLength);
        Assert.Equal((200, "hello 0123456789"), await Get(client, "c"));
        Assert.Equal((200, "hello 0123456789"), await Get(client, "c"));
        // The first response was not read to its end, so its connection was closed, not reused.
        Assert.Equal(2, Volatile.Read(ref _connections));
    }

    [Fact]
    public async Task ABodyWithoutLengthEndsWithTheConnection()
    {
        Serve(i => (Ascii("HTTP/1.0 200 OK\r\n\r\nuntil close"), true));
        using var client = Client();
        Assert.Equal((200, "until close"), await Get(client, "x"));
        Assert.Equal((200, "until close"), await Get(client, "y"));
        Assert.Equal(2, Volatile.Read(ref _connections));
    }

    [Fact]
    public async Task AStaleKeptAliveConnectionIsReplacedOnce()
    {
        // The server answers and then closes every connection although it promised keep-alive.
        Serve(i => (Ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), true));
        using var client = Client();
        for (int i = 0; i < 3; i++)
        {
            await Task.Delay(50);
            Assert.Equal((404, ""), await Get(client, "missing"));
        }
        Assert.Equal(3, _requests.Count);
    }

    [Fact]
    public async Task ABodyCutShortIsAnIOError()
    {
        Serve(i => (Ascii("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"), true));
        using var client = Client();
        var e = await Assert.ThrowsAsync<IOException>(() => Get(client, "short"));
        Assert.Contains("91 bytes short", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n", "Not an HTTP/1.x status line")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "Invalid Content-Length: 'ten'")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "Unsupported Transfer-Encoding: 'gzip'")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "Malformed HTTP header line: 'no colon here'")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk size 'zz'")]
    public async Task ResponsesThatAreNotHttpNameWhatIsWrong(string answer, string message)
    {
        Serve(i => (Ascii(answer), true));
        using var client = Client();
        var e = await Assert.ThrowsAsync<IOException>(() => Get(client, "x"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestPathsAreEscapedAndCarryTheConfiguredHeaders()
    {
        Serve(i => (Ascii("HTTP/1.1 204 No Content\r\n\r\n"), false));
        using var client = Client(new KeyValuePair<string, string>("X-Token", "secret"));
        Assert.Equal((204, ""), await Get(client, "refs/heads/ä b%"));
        var lines = _requests[0].Split("\r\n");
        Assert.Equal("GET /repo/refs/heads/%C3%A4%20b%25 HTTP/1.1", lines[0]);
        Assert.Contains("User-Agent: arbor-test", lines);
        Assert.Contains("X-Token: secret", lines);
        Assert.Throws<ArgumentException>(() => Client(new KeyValuePair<string, string>("X-Bad", "a\r\nInjected: 1")));
    }

    [Fact]
    public async Task HostNamesAndIPv6AddressesAreReached()
    {
        Serve(i => (Ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), false));
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        using (var byName = new Http11Client(new Uri($"http://localhost:{port}/"), "arbor-test", [], TimeSpan.FromSeconds(5)))
            Assert.Equal((200, "ok"), await Get(byName, "x"));
        Assert.StartsWith($"GET /x HTTP/1.1\r\nHost: localhost:{port}\r\n", _requests[0], StringComparison.Ordinal);

        // The IPv6 half needs a host with an IPv6 loopback (this machine and its CI have one).
        if (!Socket.OSSupportsIPv6)
            return;
        using var v6 = new TcpListener(IPAddress.IPv6Loopback, 0);
        v6.Start();
        var accepted = v6.AcceptSocketAsync();
        using var client = new Http11Client(new Uri($"http://[::1]:{((IPEndPoint)v6.LocalEndpoint).Port}/"), "arbor-test", [], TimeSpan.FromSeconds(5));
        var get = Get(client, "y");
        using var peer = await accepted;
        var buf = new byte[1024];
        int n = await peer.ReceiveAsync(buf, SocketFlags.None);
        Assert.StartsWith("GET /y HTTP/1.1\r\nHost: [::1]:", Encoding.ASCII.GetString(buf, 0, n), StringComparison.Ordinal);
        await peer.SendAsync(Ascii("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nsix"), SocketFlags.None);
        Assert.Equal((200, "six"), await get);
    }

    [Fact]
    public async Task ARefusedConnectionIsAnIOErrorNamingTheHost()
    {
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _listener.Stop();
        using var client = new Http11Client(new Uri($"http://127.0.0.1:{port}/"), "arbor-test", [], TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<IOException>(() => Get(client, "x"));
        Assert.Contains($"Connecting to 127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }
}
