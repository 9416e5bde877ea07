// Fetching an rpm-md repository into a local cache: CACHE/<id>-<hash of baseurls>/ holds
// repodata/repomd.xml, the metadata files it lists, and packages/. repomd.xml younger than the
// repository's metadata_expire is used without asking the network; otherwise it is fetched again
// and only metadata files missing or not matching it are downloaded. Every download goes to a
// `.part` file in the target directory (resumed with an HTTP Range request when one is already
// there), is hashed as it arrives, checked against the checksum repomd.xml (metadata) or
// primary.xml (packages) gives, then fsynced and renamed into place; a mismatch deletes the part
// and raises an error naming the file. Base URLs — from baseurl, or from the mirrorlist/metalink
// (cached beside repomd.xml and refreshed with it; see Mirrors.cs) — are mirrors tried in order; package downloads
// run in parallel up to a bound. With gpgcheck=1 the repository's gpgkey= files are fetched into
// a keyring and every package must carry a good signature by one of them, or it is deleted from
// the cache and the download fails naming it.
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Arbor.Rpm.Header;
using Arbor.Rpm.Package;

namespace Arbor.Rpm.Repodata;

/// <summary>A downloaded file does not match its checksum, or no mirror could serve it.</summary>
public sealed class RepoFetchException(string message) : IOException(message);

/// <summary>Fetches repositories and packages into a cache directory.</summary>
public sealed class RepoFetcher
{
    private readonly HttpClient _http;
    private readonly string _cacheRoot;

    /// <summary>Creates a fetcher over <paramref name="http"/> caching under <paramref name="cacheRoot"/>.</summary>
    public RepoFetcher(HttpClient http, string cacheRoot)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _cacheRoot = Path.GetFullPath(cacheRoot ?? throw new ArgumentNullException(nameof(cacheRoot)));
    }

    /// <summary>Maximum parallel package downloads (dnf's max_parallel_downloads; default 4).</summary>
    public int MaxParallel { get; init; } = 4;

    /// <summary>Ignores metadata_expire and asks for repomd.xml again.</summary>
    public bool ForceRefresh { get; init; }

    /// <summary>The default cache root: /var/cache/arbor/rpm-md as root, else $XDG_CACHE_HOME (or ~/.cache)/arbor/rpm-md.</summary>
    public static string DefaultCacheRoot()
    {
        if (Environment.UserName == "root")
            return "/var/cache/arbor/rpm-md";
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var baseDir = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
        return Path.Combine(baseDir, "arbor", "rpm-md");
    }

    /// <summary>The cache directory of a repository.</summary>
    public string CacheDir(RepoConfig repo)
    {
        ArgumentNullException.ThrowIfNull(repo);
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', repo.BaseUrls.Append(repo.MirrorList ?? "").Append(repo.Metalink ?? ""))));
        return Path.Combine(_cacheRoot, $"{repo.Id}-{Convert.ToHexStringLower(h)[..16]}");
    }

    /// <summary>Brings the repository's metadata up to date in the cache and reads it.</summary>
    public Task<RepoMetadata> LoadAsync(RepoConfig repo, RepoParts parts = RepoParts.Primary, CancellationToken ct = default) =>
        LoadAsync(repo, parts, parts, ct);

    /// <summary>
    /// Brings <paramref name="parts"/> of the repository's metadata up to date in the cache and reads
    /// only <paramref name="read"/> of them (a caller handing the files to libsolv needs them on disk,
    /// not parsed twice).
    /// </summary>
    public async Task<RepoMetadata> LoadAsync(RepoConfig repo, RepoParts parts, RepoParts read, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(repo);
        var dir = CacheDir(repo);
        var repodata = Path.Combine(dir, "repodata");
        Directory.CreateDirectory(repodata);
        var repomdPath = Path.Combine(repodata, "repomd.xml");
        bool fresh = !ForceRefresh && File.Exists(repomdPath) &&
            (repo.MetadataExpire is not TimeSpan exp || DateTime.UtcNow - File.GetLastWriteTimeUtc(repomdPath) < exp);
        var mirrors = await MirrorsAsync(repo, refresh: !fresh, ct).ConfigureAwait(false);
        if (!fresh)
        {
            await DownloadAsync(repo, mirrors.BaseUrls, "repodata/repomd.xml", repomdPath, null, null, ct, accept: mirrors.Accepts).ConfigureAwait(false);
            File.SetLastWriteTimeUtc(repomdPath, DateTime.UtcNow);
        }
        var md = RepoMd.Load(repomdPath);
        var wanted = new List<RepoMdRecord> { md.Require("primary", repo.Id) };
        if ((parts & RepoParts.Filelists) != 0 && md.Get("filelists") is { } fl)
            wanted.Add(fl);
        if ((parts & RepoParts.Other) != 0 && md.Get("other") is { } ot)
            wanted.Add(ot);
        foreach (var rec in wanted)
        {
            var local = LocalPath(dir, rec.Location, repo.Id);
            if (File.Exists(local) && Matches(local, rec.ChecksumType, rec.Checksum))
                continue;
            await DownloadAsync(repo, mirrors.BaseUrls, rec.Location, local, rec.ChecksumType, rec.Checksum, ct).ConfigureAwait(false);
        }
        return RepoReader.Read(md, dir, read);
    }

    /// <summary>Downloads packages into the cache (parallel, bounded), verifying each; returns their cached paths in order.</summary>
    /// <param name="repo">The repository.</param>
    /// <param name="packages">Its packages to fetch.</param>
    /// <param name="fetched">Called from any thread with each package once it is in place, and its size.</param>
    /// <param name="ct">Stops the downloads.</param>
    public async Task<IReadOnlyList<string>> DownloadPackagesAsync(RepoConfig repo, IReadOnlyList<RepoPackage> packages,
        Action<RepoPackage, long>? fetched = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(packages);
        var dir = Path.Combine(CacheDir(repo), "packages");
        Directory.CreateDirectory(dir);
        var paths = new string[packages.Count];
        var keyring = repo.GpgCheck ? await KeyringAsync(repo, ct).ConfigureAwait(false) : null;
        var mirrors = await MirrorsAsync(repo, refresh: false, ct).ConfigureAwait(false);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, MaxParallel), CancellationToken = ct };
        await Parallel.ForEachAsync(Enumerable.Range(0, packages.Count), options, async (i, token) =>
        {
            var p = packages[i];
            var local = Path.Combine(dir, p.FileName);
            paths[i] = local;
            try
            {
                if (!File.Exists(local) || !Matches(local, p.ChecksumType, p.Checksum))
                    await DownloadAsync(repo, mirrors.BaseUrls, p.Location, local, p.ChecksumType, p.Checksum, token, p.LocationBase).ConfigureAwait(false);
                if (keyring != null)
                    CheckSignature(local, keyring);
                fetched?.Invoke(p, new FileInfo(local).Length);
            }
            catch (RepoFetchException e)
            {
                throw new RepoFetchException($"package {p.Nevra}: {e.Message}");
            }
        }).ConfigureAwait(false);
        return paths;
    }

    private static void CheckSignature(string local, string keyring)
    {
        try
        {
            using var pkg = RpmPackage.Open(local);
            RpmSignatures.Verify(pkg, local, keyring);
        }
        catch (Exception e) when (e is RpmSignatureException or RpmFormatException)
        {
            File.Delete(local);
            throw new RepoFetchException($"gpgcheck failed: {e.Message}");
        }
    }

    /// <summary>Fetches the repository's gpgkey= files and builds the keyring its packages are checked against.</summary>
    private async Task<string> KeyringAsync(RepoConfig repo, CancellationToken ct)
    {
        if (repo.GpgKeys.Count == 0)
            throw new RepoFetchException($"repository '{repo.Id}' has gpgcheck=1 but no gpgkey");
        var dir = Path.Combine(CacheDir(repo), "gpgkeys");
        Directory.CreateDirectory(dir);
        var keys = new List<(string, byte[])>();
        for (int i = 0; i < repo.GpgKeys.Count; i++)
        {
            var url = repo.GpgKeys[i];
            var local = Path.Combine(dir, $"key{i}.asc");
            try
            {
                await DownloadOneAsync(AbsoluteUri(url), local, null, null, ct).ConfigureAwait(false);
                keys.Add((url, await File.ReadAllBytesAsync(local, ct).ConfigureAwait(false)));
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                throw new RepoFetchException($"repository '{repo.Id}': gpgkey {url}: {e.Message}");
            }
        }
        var keyring = Path.Combine(dir, "keyring.gpg");
        try
        {
            RpmSignatures.WriteKeyring(keyring, keys);
        }
        catch (FormatException e)
        {
            throw new RepoFetchException($"repository '{repo.Id}': {e.Message}");
        }
        return keyring;
    }

    private static Uri AbsoluteUri(string url) =>
        url.Contains("://", StringComparison.Ordinal) ? new Uri(url) : new Uri(Path.GetFullPath(url));

    private static string LocalPath(string dir, string location, string repoId)
    {
        var full = Path.GetFullPath(Path.Combine(dir, location));
        if (!full.StartsWith(dir + "/", StringComparison.Ordinal))
            throw new RepoMetadataException($"repository '{repoId}': location '{location}' escapes the cache directory");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return full;
    }

    private static bool Matches(string path, string type, string sum) => RepoMd.HashFile(path, type) == sum;

    private static Uri Join(string baseUrl, string rel)
    {
        if (!baseUrl.Contains("://", StringComparison.Ordinal))
            baseUrl = new Uri(Path.GetFullPath(baseUrl)).AbsoluteUri;
        return new Uri(new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/"), rel);
    }

    /// <summary>
    /// The repository's mirrors: its baseurls, or the list its mirrorlist/metalink gives (the cached
    /// copy unless <paramref name="refresh"/> or there is none).
    /// </summary>
    private async Task<MirrorSet> MirrorsAsync(RepoConfig repo, bool refresh, CancellationToken ct)
    {
        if (repo.BaseUrls.Count > 0)
            return new MirrorSet(repo.BaseUrls, []);
        var (url, key) = repo.Metalink is { } ml ? (ml, "metalink") : repo.MirrorList is { } mr ? (mr, "mirrorlist")
            : throw new RepoFetchException($"repository '{repo.Id}' has no baseurl, mirrorlist or metalink");
        var cached = Path.Combine(CacheDir(repo), key);
        if (refresh || !File.Exists(cached))
        {
            try
            {
                await DownloadOneAsync(AbsoluteUri(url), cached, null, null, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !ct.IsCancellationRequested)
            {
                throw new RepoFetchException($"repository '{repo.Id}': {key} {url}: {e.Message}");
            }
        }
        try
        {
            return MirrorSet.Parse(await File.ReadAllTextAsync(cached, ct).ConfigureAwait(false), $"repository '{repo.Id}': {key} {url}", repo.UrlVariables);
        }
        catch (RepoMetadataException)
        {
            File.Delete(cached);
            throw;
        }
    }

    private async Task DownloadAsync(RepoConfig repo, IReadOnlyList<string> mirrors, string rel, string dest, string? sumType, string? sum,
        CancellationToken ct, string? locationBase = null, Func<string, bool>? accept = null)
    {
        var errors = new List<string>();
        var bases = locationBase != null ? [locationBase] : mirrors;
        foreach (var b in bases)
        {
            var url = Join(b, rel);
            try
            {
                await DownloadOneAsync(url, dest, sumType, sum, ct, accept).ConfigureAwait(false);
                return;
            }
            catch (RepoFetchException) when (sum != null)
            {
                throw; // a checksum mismatch is not a mirror problem worth hiding
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                errors.Add($"{url}: {e.Message}");
            }
        }
        throw new RepoFetchException($"repository '{repo.Id}': {rel}: no mirror could serve it ({string.Join("; ", errors)})");
    }

    private async Task DownloadOneAsync(Uri url, string dest, string? sumType, string? sum, CancellationToken ct, Func<string, bool>? accept = null)
    {
        var part = dest + ".part";
        using var hash = sumType != null ? RepoMd.CreateHash(sumType, url.ToString()) : null;
        if (url.IsFile)
        {
            await using (var src = new FileStream(url.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
                await WritePartAsync(src, part, append: false, hash, ct).ConfigureAwait(false);
        }
        else
        {
            long have = sum != null && File.Exists(part) ? new FileInfo(part).Length : 0;
            using var req = new HttpRequestMessage(HttpMethod.Get, url);
            if (have > 0)
                req.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(have, null);
            using var resp = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (resp.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                File.Delete(part);
                await DownloadOneAsync(url, dest, sumType, sum, ct, accept).ConfigureAwait(false);
                return;
            }
            if (!resp.IsSuccessStatusCode)
                throw new HttpRequestException($"HTTP {(int)resp.StatusCode} {resp.ReasonPhrase}");
            bool append = have > 0 && resp.StatusCode == HttpStatusCode.PartialContent;
            if (append && hash != null)
                HashExisting(part, hash);
            await using var body = await resp.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await WritePartAsync(body, part, append, hash, ct).ConfigureAwait(false);
        }
        if (hash != null)
        {
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != sum)
            {
                File.Delete(part);
                throw new RepoFetchException($"{Path.GetFileName(dest)}: checksum mismatch: expected {sumType} {sum}, downloaded {actual} from {url}");
            }
        }
        if (accept != null && !accept(part))
        {
            File.Delete(part);
            throw new RepoFetchException($"{Path.GetFileName(dest)} from {url} is not the one the metalink lists (stale or altered mirror)");
        }
        File.Move(part, dest, overwrite: true);
    }

    private static void HashExisting(string part, IncrementalHash hash)
    {
        using var fs = File.OpenRead(part);
        var buf = new byte[1 << 16];
        int n;
        while ((n = fs.Read(buf)) > 0)
            hash.AppendData(buf, 0, n);
    }

    private static async Task WritePartAsync(Stream src, string part, bool append, IncrementalHash? hash, CancellationToken ct)
    {
        await using var fs = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buf = new byte[1 << 16];
        int n;
        while ((n = await src.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
        {
            hash?.AppendData(buf, 0, n);
            await fs.WriteAsync(buf.AsMemory(0, n), ct).ConfigureAwait(false);
        }
        await fs.FlushAsync(ct).ConfigureAwait(false);
        fs.Flush(flushToDisk: true);
    }
}
