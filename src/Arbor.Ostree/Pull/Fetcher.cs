// Fetching files of a remote repository over HTTP(S) or file://. One HTTP client per pull, at
// most N requests in flight (ostree's default is 8), and each request retried with exponential
// backoff on connection errors, timeouts and 5xx/408/429 answers (default 5 retries, like
// ostree's n-network-retries); a refused server certificate is not retried. A 404 is an answer,
// not an error, where the caller allows it. Bodies are read by the caller straight from the
// connection into its own (pooled) buffer or file, and counted for the final "N KiB transferred"
// line.
//
// The HTTP stack is a SocketsHttpHandler behind an HttpMessageInvoker, tuned for a pull's many
// small GETs: as many pooled keep-alive connections per server as requests in flight, no
// automatic decompression, no cookies, exactly HTTP/1.1, one small request message per GET, and
// the answer handed over once its headers are read; one timeout covers the request and the
// reading of its body. The same stack serves http, https (tls-ca-path as the only trust anchors,
// with the host name checked), proxies and redirects. (A hand-written HTTP/1.1 client for plain
// http once ran beside it: it spent 10-20 us less CPU per request, some 0.1 s of the 1.2 s a
// minbase pull costs, and no wall-time difference stood out from run-to-run noise in
// bench/http.sh, so one stack does everything.)
using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Arbor.Ostree.Pull;

/// <summary>Settings of a <see cref="Fetcher"/>.</summary>
public sealed record FetcherOptions
{
    /// <summary>Maximum requests in flight.</summary>
    public int MaxConcurrency { get; init; } = 8;

    /// <summary>Retries per request after the first attempt.</summary>
    public int Retries { get; init; } = 5;

    /// <summary>Accept any server certificate (<c>tls-permissive</c>).</summary>
    public bool TlsPermissive { get; init; }

    /// <summary>CA bundle to trust instead of the system store (<c>tls-ca-path</c>).</summary>
    public string? TlsCaPath { get; init; }

    /// <summary>Client certificate and key, PEM (<c>tls-client-cert-path</c>, <c>tls-client-key-path</c>).</summary>
    public (string Cert, string Key)? TlsClientCert { get; init; }

    /// <summary>HTTP proxy URL (<c>proxy</c>).</summary>
    public string? Proxy { get; init; }

    /// <summary>Extra request headers (<c>--http-header</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Timeout of one request.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Settings taken from a remote's configuration.</summary>
    public static FetcherOptions FromRemote(Remote remote) => new()
    {
        TlsPermissive = remote.GetBool("tls-permissive", false),
        TlsCaPath = remote.Get("tls-ca-path"),
        TlsClientCert = remote.Get("tls-client-cert-path") is { } c && remote.Get("tls-client-key-path") is { } k ? (c, k) : null,
        Proxy = remote.Get("proxy"),
    };
}

/// <summary>Downloads files relative to a base URL.</summary>
public sealed class Fetcher : IDisposable
{
    private readonly HttpMessageInvoker _http;
    private readonly SemaphoreSlim _slots;
    private readonly FetcherOptions _options;
    private const string UserAgent = "arbor/0.1 libostree-compatible";
    private long _bytes;
    private int _requests;

    /// <summary>Creates a fetcher.</summary>
    /// <exception cref="OstreeException">The CA bundle or client certificate cannot be read.</exception>
    public Fetcher(FetcherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _http = new HttpMessageInvoker(CreateHandler(options), disposeHandler: true);
        _slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrency));
    }

    // Connections: one per request in flight, recycled after 5 minutes (a
    // changed DNS answer is seen) and closed after 30 s idle (before servers' usual keep-alive
    // limits of 60-75 s close them under us).
    private static SocketsHttpHandler CreateHandler(FetcherOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, options.MaxConcurrency),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            UseProxy = options.Proxy is not null,
            Proxy = options.Proxy is null ? null : new WebProxy(options.Proxy),
        };
        if (options.TlsPermissive)
        {
            // tls-permissive=true is the remote owner's explicit choice, as in ostree.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (options.TlsCaPath is { } ca)
        {
            // The bundle replaces the system's trust anchors, as ostree's tls-ca-path does; the
            // TLS layer still checks the host name and validity against it.
            var roots = new X509Certificate2Collection();
            try
            {
                roots.ImportFromPemFile(ca);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new OstreeException($"tls-ca-path {ca}: {e.Message}");
            }
            if (roots.Count == 0)
                throw new OstreeException($"tls-ca-path {ca}: no PEM certificate in the file");
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(roots);
            handler.SslOptions.CertificateChainPolicy = policy;
        }
        if (options.TlsClientCert is { } cc)
        {
            try
            {
                handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(cc.Cert, cc.Key)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new OstreeException($"tls-client-cert-path {cc.Cert}: {e.Message}");
            }
        }
        return handler;
    }

    /// <summary>Bytes of response bodies received.</summary>
    public long BytesTransferred => Interlocked.Read(ref _bytes);

    /// <summary>HTTP requests sent (including retries).</summary>
    public int Requests => Volatile.Read(ref _requests);

    // The file a file:// URL names, or null for other URLs (checked without parsing a Uri: this
    // runs for every object of a pull).
    private static string? LocalPath(string baseUrl, string relative) =>
        baseUrl.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? Combine(baseUrl, relative).LocalPath : null;

    /// <summary>Joins a base URL and a repository-relative path.</summary>
    public static Uri Combine(string baseUrl, string relative) => new(baseUrl.TrimEnd('/') + "/" + relative);

    /// <summary>Fetches a file into memory; null for 404 when <paramref name="allowMissing"/>.</summary>
    /// <exception cref="OstreeException">The server failed after all retries, or answered 404 when not allowed.</exception>
    public async Task<byte[]?> FetchBytesAsync(string baseUrl, string relative, bool allowMissing, long maxSize, CancellationToken ct)
    {
        if (LocalPath(baseUrl, relative) is { } local)
            return ReadLocal(local, allowMissing, maxSize);
        return await WithRetries(baseUrl, relative, allowMissing, async body =>
        {
            if (body.Length > maxSize)
                throw new OstreeException($"{Combine(baseUrl, relative)}: response of {body.Length} bytes exceeds the limit of {maxSize}");
            byte[] data;
            if (body.Length is { } len)
            {
                data = new byte[len];
                await body.ReadExactlyAsync(data).ConfigureAwait(false);
            }
            else
            {
                using var ms = new MemoryStream();
                var buf = new byte[1 << 16];
                int n;
                while ((n = await body.ReadAsync(buf).ConfigureAwait(false)) > 0)
                {
                    if (ms.Length + n > maxSize)
                        throw new OstreeException($"{Combine(baseUrl, relative)}: response exceeds the limit of {maxSize} bytes");
                    ms.Write(buf, 0, n);
                }
                data = ms.ToArray();
            }
            Interlocked.Add(ref _bytes, data.Length);
            return data;
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Fetches a file to <paramref name="destination"/>; false for 404 when <paramref name="allowMissing"/>.</summary>
    public async Task<bool> FetchToFileAsync(string baseUrl, string relative, string destination, bool allowMissing, CancellationToken ct)
    {
        if (LocalPath(baseUrl, relative) is { } local)
        {
            if (!File.Exists(local))
                return allowMissing ? false : throw new OstreeException($"Couldn't find file {local}");
            File.Copy(local, destination, overwrite: true);
            return true;
        }
        var ok = await WithRetries<object>(baseUrl, relative, allowMissing, async body =>
        {
            await CopyToFileAsync(body, destination, ct).ConfigureAwait(false);
            return this;
        }, ct).ConfigureAwait(false);
        return ok is not null;
    }

    /// <summary>
    /// Fetches a file that is usually small. When it has at most <paramref name="memoryLimit"/>
    /// bytes (as the server announces it), the body is read into a pooled buffer and handed to
    /// <paramref name="consume"/>, valid only during that call; otherwise it goes to the file
    /// <paramref name="spillPath"/> names (asked for only then).
    /// </summary>
    /// <returns>True when the body went to <paramref name="consume"/>, false when it is in the spill file.</returns>
    public async Task<bool> FetchSmallOrSpillAsync(string baseUrl, string relative, Func<string> spillPath, long memoryLimit,
        Action<ArraySegment<byte>> consume, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(consume);
        if (LocalPath(baseUrl, relative) is { } local)
        {
            var fi = new FileInfo(local);
            if (!fi.Exists)
                throw new OstreeException($"Couldn't find file {local}");
            if (fi.Length > memoryLimit)
            {
                File.Copy(local, spillPath(), overwrite: true);
                return false;
            }
            consume(File.ReadAllBytes(local));
            return true;
        }
        var box = await WithRetries(baseUrl, relative, allowMissing: false, async body =>
        {
            if (body.Length is not { } len || len > memoryLimit)
            {
                await CopyToFileAsync(body, spillPath(), ct).ConfigureAwait(false);
                return new StrongBox<ArraySegment<byte>>(default);
            }
            var rented = ArrayPool<byte>.Shared.Rent((int)Math.Max(len, 1));
            try
            {
                await body.ReadExactlyAsync(rented.AsMemory(0, (int)len)).ConfigureAwait(false);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(rented);
                throw;
            }
            Interlocked.Add(ref _bytes, len);
            return new StrongBox<ArraySegment<byte>>(new ArraySegment<byte>(rented, 0, (int)len));
        }, ct).ConfigureAwait(false);
        var segment = box!.Value;
        if (segment.Array is null)
            return false;
        try
        {
            consume(segment);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(segment.Array);
        }
    }

    private async Task CopyToFileAsync(Body body, string destination, CancellationToken ct)
    {
        await using var fs = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
        var buf = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int n;
            while ((n = await body.ReadAsync(buf).ConfigureAwait(false)) > 0)
            {
                await fs.WriteAsync(buf.AsMemory(0, n), ct).ConfigureAwait(false);
                Interlocked.Add(ref _bytes, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private static byte[]? ReadLocal(string path, bool allowMissing, long maxSize)
    {
        var fi = new FileInfo(path);
        if (!fi.Exists)
            return allowMissing ? null : throw new OstreeException($"Couldn't find file {path}");
        if (fi.Length > maxSize)
            throw new OstreeException($"{path}: {fi.Length} bytes exceeds the limit of {maxSize}");
        return File.ReadAllBytes(path);
    }

    private HttpRequestMessage NewRequest(Uri uri)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation("User-Agent", UserAgent);
        foreach (var (k, v) in _options.Headers)
            headers.TryAddWithoutValidation(k, v);
        return request;
    }

    private async Task<T?> WithRetries<T>(string baseUrl, string relative, bool allowMissing, Func<Body, Task<T>> read, CancellationToken ct) where T : class
    {
        for (int attempt = 0; ; attempt++)
        {
            await _slots.WaitAsync(ct).ConfigureAwait(false);
            string failure;
            try
            {
                Interlocked.Increment(ref _requests);
                // One timeout for sending, the headers and the body (an HttpClient's Timeout
                // would stop at the headers and let a stalled body hang).
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(_options.Timeout);
                using var request = NewRequest(Combine(baseUrl, relative));
                using var message = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                int code = (int)message.StatusCode;
                if (Answer(code, baseUrl, relative, allowMissing) is not { } httpFailure)
                {
                    if (code == 404)
                        return null;
                    var content = message.Content;
                    await using var stream = content.ReadAsStream(timeout.Token);
                    return await read(new Body(stream, content.Headers.ContentLength, timeout.Token)).ConfigureAwait(false);
                }
                failure = httpFailure;
            }
            catch (HttpRequestException e) when (e.InnerException is AuthenticationException)
            {
                // A certificate refused (or a TLS version no side has) stays refused: no retries, as in ostree.
                throw new OstreeException($"Fetching {Combine(baseUrl, relative)}: {Describe(e)}");
            }
            catch (HttpRequestException e)
            {
                failure = Describe(e);
            }
            catch (IOException e)
            {
                failure = e.Message;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = "timed out";
            }
            finally
            {
                _slots.Release();
            }
            if (attempt >= _options.Retries)
                throw new OstreeException($"Fetching {Combine(baseUrl, relative)} failed after {attempt + 1} attempts: {failure}");
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * (1 << attempt), 5000)), ct).ConfigureAwait(false);
        }
    }

    // "The SSL connection could not be established: The remote certificate is invalid because ..."
    private static string Describe(HttpRequestException e)
    {
        if (e.InnerException is not { } inner || e.Message.Contains(inner.Message, StringComparison.Ordinal))
            return e.Message;
        var outer = e.Message.Replace(", see inner exception", "", StringComparison.Ordinal).TrimEnd('.');
        return $"{outer}: {inner.Message}";
    }

    // Null when the status code is an answer to read (success, or an allowed 404); the failure to
    // retry on for 5xx/408/429; throws for a 404 that is not allowed and for other codes.
    private static string? Answer(int code, string baseUrl, string relative, bool allowMissing)
    {
        if (code == 404)
            return allowMissing ? null : throw new OstreeException($"Server returned HTTP 404 for {Combine(baseUrl, relative)}");
        if (code is >= 200 and < 300)
            return null;
        if (code is not (>= 500 or 408 or 429))
            throw new OstreeException($"Server returned HTTP {code} for {Combine(baseUrl, relative)}");
        return $"HTTP {code}";
    }

    // A response body being read: straight from the connection into the caller's buffer, each
    // read bounded by the request's timeout (linked to the caller's token).
    private sealed class Body(Stream stream, long? length, CancellationToken timeout)
    {
        // The announced length, when there is one.
        public long? Length => length;

        // Reads body bytes; 0 at the end.
        public ValueTask<int> ReadAsync(Memory<byte> into) => stream.ReadAsync(into, timeout);

        // Reads exactly into.Length bytes; an IOException when the body ends early.
        public async ValueTask ReadExactlyAsync(Memory<byte> into)
        {
            while (!into.IsEmpty)
            {
                int n = await ReadAsync(into).ConfigureAwait(false);
                if (n == 0)
                    throw new IOException($"The response body ended {into.Length} bytes early");
                into = into[n..];
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _slots.Dispose();
    }
}
