// A lean HTTP/1.1 GET client for plain-http remotes. A pull fetches thousands of small objects,
// and a general-purpose HttpClient spends more CPU on each of them (request and header objects,
// linked cancellation sources, content streams, fresh byte arrays) than inflating and writing the
// object costs. This client keeps up to N keep-alive connections to one host; a request writes
// one GET (ASCII, precomputed headers) and reads the status line and headers into the
// connection's pooled buffer; the body (Content-Length, chunked, or up to connection close) is
// then read by the caller straight into its own buffer or file through Http11Response.ReadAsync.
// A connection goes back to the pool only when its response body was read to the end.
// TLS, proxies and redirects are not handled here: the Fetcher uses HttpClient for those.
using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Arbor.Ostree.Pull;

/// <summary>Keep-alive HTTP/1.1 connections to one plain-http host.</summary>
internal sealed class Http11Client : IDisposable
{
    private const int BufferSize = 16 * 1024;
    private readonly EndPoint _endpoint;
    private readonly string _hostPort;
    private readonly byte[] _pathPrefix;
    private readonly byte[] _requestTail;
    private readonly TimeSpan _timeout;
    private readonly Stack<Connection> _idle = new();
    private bool _disposed;

    /// <summary>Creates a client for the http:// <paramref name="baseUri"/>; request paths are relative to it.</summary>
    public Http11Client(Uri baseUri, string userAgent, IReadOnlyList<KeyValuePair<string, string>> headers, TimeSpan timeout)
    {
        if (baseUri.Scheme != Uri.UriSchemeHttp)
            throw new ArgumentException($"{baseUri} is not an http:// URL", nameof(baseUri));
        var host = baseUri.IdnHost.Trim('[', ']');
        _endpoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, baseUri.Port) : new DnsEndPoint(host, baseUri.Port);
        _hostPort = baseUri.Authority;
        _timeout = timeout;
        var basePath = baseUri.AbsolutePath.TrimEnd('/') + "/";
        _pathPrefix = Encoding.ASCII.GetBytes("GET " + basePath);
        var tail = new StringBuilder(" HTTP/1.1\r\nHost: ").Append(baseUri.Authority).Append("\r\nUser-Agent: ").Append(userAgent)
            .Append("\r\nAccept: */*\r\n");
        foreach (var (name, value) in headers)
        {
            if (name.AsSpan().IndexOfAny("\r\n:") >= 0 || value.AsSpan().IndexOfAny('\r', '\n') >= 0)
                throw new ArgumentException($"HTTP header '{name}' contains a line break or colon", nameof(headers));
            tail.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        _requestTail = Encoding.UTF8.GetBytes(tail.Append("\r\n").ToString());
    }

    /// <summary>
    /// Sends <c>GET base/<paramref name="relative"/></c> and reads the response head. The caller
    /// reads the body from the returned response and disposes it.
    /// </summary>
    /// <exception cref="IOException">The connection failed, closed early, or the response is not HTTP/1.x.</exception>
    public async ValueTask<Http11Response> GetAsync(string relative, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var request = BuildRequest(relative, out int requestLength);
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                var (conn, reused) = await RentAsync(fresh: attempt > 0, ct).ConfigureAwait(false);
                conn.StartTimeout(_timeout);
                Exception? failure;
                try
                {
                    await conn.Socket.SendAsync(request.AsMemory(0, requestLength), SocketFlags.None, conn.Token).ConfigureAwait(false);
                    if (await conn.ReadHeadAsync(ct).ConfigureAwait(false) is { } response)
                        return response;
                    failure = null;
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
                {
                    failure = e;
                }
                catch
                {
                    conn.Dispose();
                    throw;
                }
                conn.Dispose();
                ct.ThrowIfCancellationRequested();
                // A kept-alive connection may have been closed by the server while idle; a GET is
                // safe to send again, once, on a new connection.
                if (reused && attempt == 0 && failure is not OperationCanceledException)
                    continue;
                throw failure switch
                {
                    null => new IOException($"{_hostPort} closed the connection before answering"),
                    OperationCanceledException => new IOException("timed out", failure),
                    IOException io => io,
                    _ => new IOException(failure.Message, failure),
                };
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(request);
        }
    }

    private byte[] BuildRequest(string relative, out int length)
    {
        int max = _pathPrefix.Length + relative.Length * 9 + _requestTail.Length;
        var buf = ArrayPool<byte>.Shared.Rent(max);
        _pathPrefix.CopyTo(buf, 0);
        int n = _pathPrefix.Length;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in relative.TrimStart('/').EnumerateRunes())
        {
            if (rune.Value < 0x80 && (char.IsAsciiLetterOrDigit((char)rune.Value) || "-._~/!$&'()*+,;=:@".Contains((char)rune.Value, StringComparison.Ordinal)))
            {
                buf[n++] = (byte)rune.Value;
                continue;
            }
            int len = rune.EncodeToUtf8(utf8);
            for (int i = 0; i < len; i++)
            {
                buf[n++] = (byte)'%';
                buf[n++] = (byte)"0123456789ABCDEF"[utf8[i] >> 4];
                buf[n++] = (byte)"0123456789ABCDEF"[utf8[i] & 15];
            }
        }
        _requestTail.CopyTo(buf, n);
        length = n + _requestTail.Length;
        return buf;
    }

    private async ValueTask<(Connection, bool Reused)> RentAsync(bool fresh, CancellationToken ct)
    {
        if (!fresh)
        {
            lock (_idle)
            {
                if (_idle.TryPop(out var idle))
                    return (idle, true);
            }
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_timeout);
            await socket.ConnectAsync(_endpoint, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            ct.ThrowIfCancellationRequested();
            throw new IOException($"Connecting to {_hostPort}: {(e is OperationCanceledException ? "timed out" : e.Message)}", e);
        }
        return (new Connection(this, socket), false);
    }

    private void Return(Connection conn)
    {
        lock (_idle)
        {
            if (!_disposed)
            {
                _idle.Push(conn);
                return;
            }
        }
        conn.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_idle)
        {
            _disposed = true;
            while (_idle.TryPop(out var c))
                c.Dispose();
        }
    }

    /// <summary>One keep-alive connection and its receive buffer.</summary>
    internal sealed class Connection : IDisposable
    {
        private readonly Http11Client _owner;
        private CancellationTokenSource _timeout = new();
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        private int _start, _end;

        public Connection(Http11Client owner, Socket socket)
        {
            _owner = owner;
            Socket = socket;
        }

        public Socket Socket { get; }

        public CancellationToken Token => _timeout.Token;

        public void StartTimeout(TimeSpan timeout)
        {
            if (!_timeout.TryReset())
            {
                _timeout.Dispose();
                _timeout = new CancellationTokenSource();
            }
            _timeout.CancelAfter(timeout);
        }

        /// <summary>Reads the status line and headers; null when the peer closed before sending anything.</summary>
        public async ValueTask<Http11Response?> ReadHeadAsync(CancellationToken ct)
        {
            while (true)
            {
                int headEnd;
                while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
                {
                    if (_end - _start == BufferSize)
                        throw new IOException($"HTTP response headers from {_owner._hostPort} exceed {BufferSize} bytes");
                    if (await FillAsync().ConfigureAwait(false) == 0)
                    {
                        if (_end == _start)
                            return null;
                        throw new IOException($"{_owner._hostPort} closed the connection in the middle of the response headers");
                    }
                }
                var head = _buffer.AsSpan(_start, headEnd + 2);
                _start += headEnd + 4;
                var response = Http11Response.Parse(this, head);
                // 1xx answers precede the real one.
                if (response.StatusCode is >= 100 and < 200)
                    continue;
                ct.ThrowIfCancellationRequested();
                return response;
            }
        }

        /// <summary>Reads more bytes into the buffer (compacting it first); 0 at end of stream.</summary>
        public async ValueTask<int> FillAsync()
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer!, _start, _buffer!, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            int n = await Socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, Token).ConfigureAwait(false);
            _end += n;
            return n;
        }

        /// <summary>Bytes received and not yet consumed.</summary>
        public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

        public void Consume(int count) => _start += count;

        /// <summary>Reads body bytes: buffered ones first, then straight from the socket.</summary>
        public async ValueTask<int> ReadAsync(Memory<byte> into)
        {
            if (_end > _start)
            {
                int n = Math.Min(into.Length, _end - _start);
                _buffer.AsSpan(_start, n).CopyTo(into.Span);
                _start += n;
                return n;
            }
            return await Socket.ReceiveAsync(into, SocketFlags.None, Token).ConfigureAwait(false);
        }

        public void Release(bool reusable)
        {
            if (reusable && _start == _end)
            {
                _start = _end = 0;
                _owner.Return(this);
            }
            else
            {
                Dispose();
            }
        }

        public void Dispose()
        {
            Socket.Dispose();
            _timeout.Dispose();
            if (Interlocked.Exchange(ref _buffer, null) is { } b)
                ArrayPool<byte>.Shared.Return(b);
        }
    }
}

/// <summary>The head of an HTTP/1.1 response and a reader of its body.</summary>
internal sealed class Http11Response : Fetcher.IHttpBody, IDisposable
{
    private readonly Http11Client.Connection _conn;
    private readonly bool _chunked;
    private readonly bool _keepAlive;
    private long _remaining;   // of the body (Content-Length) or of the current chunk
    private bool _done;
    private bool _released;

    private Http11Response(Http11Client.Connection conn, int status, long? length, bool chunked, bool keepAlive)
    {
        _conn = conn;
        StatusCode = status;
        ContentLength = chunked ? null : length;
        _chunked = chunked;
        _keepAlive = keepAlive && (chunked || length is not null);
        _remaining = chunked ? 0 : length ?? long.MaxValue;
        // No body: 204, 304, or a zero Content-Length.
        _done = status is 204 or 304 || (!chunked && length == 0);
    }

    /// <summary>The status code.</summary>
    public int StatusCode { get; }

    /// <summary>The Content-Length, when the body has one.</summary>
    public long? ContentLength { get; }

    long? Fetcher.IHttpBody.Length => ContentLength;

    internal static Http11Response Parse(Http11Client.Connection conn, ReadOnlySpan<byte> head)
    {
        int eol = head.IndexOf("\r\n"u8);
        var status = head[..eol];
        if (status.Length < 12 || !status.StartsWith("HTTP/1."u8) || status[8] != ' '
            || !Utf8Parser.TryParse(status.Slice(9, 3), out int code, out int used) || used != 3)
            throw new IOException($"Not an HTTP/1.x status line: '{Encoding.ASCII.GetString(status[..Math.Min(status.Length, 80)])}'");
        bool keepAlive = status[7] == '1';
        long? length = null;
        bool chunked = false;
        var rest = head[(eol + 2)..];
        while (!rest.IsEmpty)
        {
            eol = rest.IndexOf("\r\n"u8);
            var line = eol < 0 ? rest : rest[..eol];
            rest = eol < 0 ? default : rest[(eol + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
                throw new IOException($"Malformed HTTP header line: '{Encoding.ASCII.GetString(line[..Math.Min(line.Length, 80)])}'");
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long l, out int n) || n != value.Length || l < 0)
                    throw new IOException($"Invalid Content-Length: '{Encoding.ASCII.GetString(value)}'");
                length = l;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                chunked = value.Length >= 7 && Ascii.EqualsIgnoreCase(value[^7..], "chunked"u8);
                if (!chunked)
                    throw new IOException($"Unsupported Transfer-Encoding: '{Encoding.ASCII.GetString(value)}'");
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                if (Ascii.EqualsIgnoreCase(value, "close"u8))
                    keepAlive = false;
                else if (Ascii.EqualsIgnoreCase(value, "keep-alive"u8))
                    keepAlive = true;
            }
        }
        return new Http11Response(conn, code, length, chunked, keepAlive);
    }

    /// <summary>Reads body bytes into <paramref name="into"/>; 0 at the end of the body.</summary>
    /// <exception cref="IOException">The connection closed before the body ended, or the chunk framing is broken.</exception>
    public async ValueTask<int> ReadAsync(Memory<byte> into, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (_done || into.IsEmpty)
            return 0;
        if (_chunked && _remaining == 0 && !await NextChunkAsync().ConfigureAwait(false))
            return 0;
        int want = (int)Math.Min(into.Length, _remaining);
        int n;
        try
        {
            n = await _conn.ReadAsync(into[..want]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            throw new IOException(e is OperationCanceledException ? "timed out" : e.Message, e);
        }
        if (n == 0)
        {
            if (ContentLength is null && !_chunked)
            {
                _done = true;   // the body ends with the connection
                return 0;
            }
            throw new IOException($"The connection closed with {(_chunked ? "a chunk" : "the body")} {_remaining} bytes short");
        }
        _remaining -= n;
        if (!_chunked && _remaining == 0)
            _done = true;
        return n;
    }

    // Reads the CRLF after the previous chunk (if any) and the next chunk-size line; false at the last chunk.
    private async ValueTask<bool> NextChunkAsync()
    {
        bool afterChunk = _started;
        _started = true;
        while (true)
        {
            var buffered = _conn.Buffered;
            int eol = buffered.IndexOf("\r\n"u8);
            if (eol >= 0)
            {
                if (afterChunk)
                {
                    if (eol != 0)
                        throw new IOException("Chunked body: chunk data is not followed by CRLF");
                    _conn.Consume(2);
                    afterChunk = false;
                    continue;
                }
                var line = buffered[..eol];
                int ext = line.IndexOf((byte)';');
                var hex = (ext < 0 ? line : line[..ext]).Trim(" \t"u8);
                if (!Utf8Parser.TryParse(hex, out ulong size, out int used, 'X') || used != hex.Length || size > long.MaxValue)
                    throw new IOException($"Chunked body: invalid chunk size '{Encoding.ASCII.GetString(line[..Math.Min(line.Length, 40)])}'");
                _conn.Consume(eol + 2);
                if (size > 0)
                {
                    _remaining = (long)size;
                    return true;
                }
                await SkipTrailersAsync().ConfigureAwait(false);
                _done = true;
                return false;
            }
            if (buffered.Length > 4096)
                throw new IOException("Chunked body: chunk-size line too long");
            if (await _conn.FillAsync().ConfigureAwait(false) == 0)
                throw new IOException("The connection closed in the middle of a chunked body");
        }
    }

    private bool _started;

    private async ValueTask SkipTrailersAsync()
    {
        while (true)
        {
            var buffered = _conn.Buffered;
            int eol = buffered.IndexOf("\r\n"u8);
            if (eol == 0)
            {
                _conn.Consume(2);
                return;
            }
            if (eol > 0)
            {
                _conn.Consume(eol + 2);
                continue;
            }
            if (await _conn.FillAsync().ConfigureAwait(false) == 0)
                throw new IOException("The connection closed in the middle of the chunked trailers");
        }
    }

    /// <summary>Returns the connection to the pool when the body was read to the end, else closes it.</summary>
    public void Dispose()
    {
        if (_released)
            return;
        _released = true;
        _conn.Release(_done && _keepAlive);
    }
}
