// Fetching files of a remote repository over HTTP(S) or file://. One HttpClient per pull, at
// most N requests in flight (ostree's default is 8), and each request retried with exponential
// backoff on connection errors, timeouts and 5xx/408/429 answers (default 5 retries, like
// ostree's n-network-retries). A 404 is an answer, not an error, where the caller allows it.
// Bodies are counted for the final "N KiB transferred" line.
using System.Net;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Arbor.Ostree.Repo;

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
    private readonly HttpClient? _http;
    private readonly SemaphoreSlim _slots;
    private readonly FetcherOptions _options;
    private long _bytes;
    private int _requests;

    /// <summary>Creates a fetcher.</summary>
    public Fetcher(FetcherOptions options)
    {
        _options = options;
        _slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrency));
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, options.MaxConcurrency),
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
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
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(ca);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
            {
                if (cert is null)
                    return false;
                if (errors == SslPolicyErrors.None)
                    return true;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(cert));
            };
        }
        if (options.TlsClientCert is { } cc)
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(cc.Cert, cc.Key)];
        _http = new HttpClient(handler) { Timeout = options.Timeout };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("arbor/0.1 libostree-compatible");
        foreach (var (k, v) in options.Headers)
            _http.DefaultRequestHeaders.TryAddWithoutValidation(k, v);
    }

    /// <summary>Bytes of response bodies received.</summary>
    public long BytesTransferred => Interlocked.Read(ref _bytes);

    /// <summary>HTTP requests sent (including retries).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Joins a base URL and a repository-relative path.</summary>
    public static Uri Combine(string baseUrl, string relative) => new(baseUrl.TrimEnd('/') + "/" + relative);

    /// <summary>Fetches a file into memory; null for 404 when <paramref name="allowMissing"/>.</summary>
    /// <exception cref="RepoException">The server failed after all retries, or answered 404 when not allowed.</exception>
    public async Task<byte[]?> FetchBytesAsync(string baseUrl, string relative, bool allowMissing, long maxSize, CancellationToken ct)
    {
        var uri = Combine(baseUrl, relative);
        if (uri.IsFile)
            return ReadLocal(uri.LocalPath, allowMissing, maxSize);
        return await WithRetries(uri, allowMissing, async response =>
        {
            var len = response.Content.Headers.ContentLength;
            if (len > maxSize)
                throw new RepoException($"{uri}: response of {len} bytes exceeds the limit of {maxSize}");
            var data = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (data.Length > maxSize)
                throw new RepoException($"{uri}: response of {data.Length} bytes exceeds the limit of {maxSize}");
            Interlocked.Add(ref _bytes, data.Length);
            return data;
        }, ct).ConfigureAwait(false);
    }

    /// <summary>Fetches a file to <paramref name="destination"/>; false for 404 when <paramref name="allowMissing"/>.</summary>
    public async Task<bool> FetchToFileAsync(string baseUrl, string relative, string destination, bool allowMissing, CancellationToken ct)
    {
        var uri = Combine(baseUrl, relative);
        if (uri.IsFile)
        {
            if (!File.Exists(uri.LocalPath))
                return allowMissing ? false : throw new RepoException($"Couldn't find file {uri.LocalPath}");
            File.Copy(uri.LocalPath, destination, overwrite: true);
            return true;
        }
        var ok = await WithRetries<object>(uri, allowMissing, async response =>
        {
            await using var fs = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 1 << 16, FileOptions.Asynchronous);
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var buf = new byte[1 << 16];
            int n;
            while ((n = await body.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
            {
                await fs.WriteAsync(buf.AsMemory(0, n), ct).ConfigureAwait(false);
                Interlocked.Add(ref _bytes, n);
            }
            return this;
        }, ct).ConfigureAwait(false);
        return ok is not null;
    }

    /// <summary>Fetches a file that is usually small: into memory when the server announces at most
    /// <paramref name="memoryLimit"/> bytes, otherwise into <paramref name="spillPath"/>.</summary>
    /// <returns>The bytes, or null when the body went to <paramref name="spillPath"/>.</returns>
    public async Task<byte[]?> FetchSmallOrSpillAsync(string baseUrl, string relative, string spillPath, long memoryLimit, CancellationToken ct)
    {
        var uri = Combine(baseUrl, relative);
        if (uri.IsFile)
        {
            var fi = new FileInfo(uri.LocalPath);
            if (!fi.Exists)
                throw new RepoException($"Couldn't find file {uri.LocalPath}");
            if (fi.Length <= memoryLimit)
                return File.ReadAllBytes(uri.LocalPath);
            File.Copy(uri.LocalPath, spillPath, overwrite: true);
            return null;
        }
        var box = await WithRetries(uri, allowMissing: false, async response =>
        {
            var len = response.Content.Headers.ContentLength;
            if (len is { } l && l <= memoryLimit)
            {
                var data = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                Interlocked.Add(ref _bytes, data.Length);
                return new StrongBox<byte[]?>(data);
            }
            await using var fs = new FileStream(spillPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 1 << 16, FileOptions.Asynchronous);
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var buf = new byte[1 << 16];
            int n;
            while ((n = await body.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
            {
                await fs.WriteAsync(buf.AsMemory(0, n), ct).ConfigureAwait(false);
                Interlocked.Add(ref _bytes, n);
            }
            return new StrongBox<byte[]?>(null);
        }, ct).ConfigureAwait(false);
        return box!.Value;
    }

    private static byte[]? ReadLocal(string path, bool allowMissing, long maxSize)
    {
        var fi = new FileInfo(path);
        if (!fi.Exists)
            return allowMissing ? null : throw new RepoException($"Couldn't find file {path}");
        if (fi.Length > maxSize)
            throw new RepoException($"{path}: {fi.Length} bytes exceeds the limit of {maxSize}");
        return File.ReadAllBytes(path);
    }

    private async Task<T?> WithRetries<T>(Uri uri, bool allowMissing, Func<HttpResponseMessage, Task<T>> read, CancellationToken ct) where T : class
    {
        for (int attempt = 0; ; attempt++)
        {
            await _slots.WaitAsync(ct).ConfigureAwait(false);
            string failure;
            try
            {
                Interlocked.Increment(ref _requests);
                using var response = await _http!.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    if (allowMissing)
                        return null;
                    throw new RepoException($"Server returned HTTP 404 for {uri}");
                }
                int code = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                    return await read(response).ConfigureAwait(false);
                if (code is not (>= 500 or 408 or 429))
                    throw new RepoException($"Server returned HTTP {code} for {uri}");
                failure = $"HTTP {code}";
            }
            catch (HttpRequestException e)
            {
                failure = e.Message;
            }
            catch (IOException e)
            {
                failure = e.Message;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = "timed out";
            }
            finally
            {
                _slots.Release();
            }
            if (attempt >= _options.Retries)
                throw new RepoException($"Fetching {uri} failed after {attempt + 1} attempts: {failure}");
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * (1 << attempt), 5000)), ct).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http?.Dispose();
        _slots.Dispose();
    }
}
