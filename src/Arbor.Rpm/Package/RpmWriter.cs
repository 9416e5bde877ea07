// Writing an RPM from a file tree plus metadata. Flow: walk the tree -> cpio (newc, "./" names)
// compressed (zstd, xz or gzip) into a temp file beside the output while hashing it -> main
// header (identity, files as DIRNAMES/BASENAMES/DIRINDEXES, deps incl. rpmlib() features,
// scriptlets, PAYLOADDIGEST) -> signature header (SHA-256/SHA-1 of the header, MD5 and size of
// header+payload) -> lead + signature (padded to 8) + header + payload, fsynced, then renamed
// into place so a reader never sees half a package.
using System.IO.Compression;
using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text;
using Arbor.Native;
using Arbor.Rpm.Header;
using Arbor.Rpm.Version;

namespace Arbor.Rpm.Package;

/// <summary>What to put in a package besides its files.</summary>
public sealed class PackageSpec
{
    /// <summary>Name.</summary>
    public required string Name { get; init; }
    /// <summary>Version.</summary>
    public required string Version { get; init; }
    /// <summary>Release.</summary>
    public string Release { get; init; } = "1";
    /// <summary>Epoch (none when null).</summary>
    public long? Epoch { get; init; }
    /// <summary>Architecture.</summary>
    public string Arch { get; init; } = "noarch";
    /// <summary>One-line summary.</summary>
    public string Summary { get; init; } = "";
    /// <summary>Description.</summary>
    public string Description { get; init; } = "";
    /// <summary>License.</summary>
    public string License { get; init; } = "";
    /// <summary>Group.</summary>
    public string Group { get; init; } = "Unspecified";
    /// <summary>URL.</summary>
    public string? Url { get; init; }
    /// <summary>Build host.</summary>
    public string BuildHost { get; init; } = "localhost";
    /// <summary>Build time; defaults to SOURCE_DATE_EPOCH or now.</summary>
    public long? BuildTime { get; init; }
    /// <summary>Dependencies by kind: requires, provides, conflicts, obsoletes, recommends, suggests, supplements, enhances.</summary>
    public Dictionary<string, List<Dependency>> Dependencies { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Scriptlets by name (pre, post, preun, postun, pretrans, posttrans): body and interpreter.</summary>
    public Dictionary<string, (string Body, string Interpreter)> Scripts { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Per-path file flags (%config, %doc, %license, %ghost …).</summary>
    public Dictionary<string, FileFlags> FileFlags { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Payload compressor: zstd, xz or gzip.</summary>
    public string Compressor { get; init; } = "zstd";
}

/// <summary>Writes RPM files.</summary>
public static class RpmWriter
{
    private static readonly Dictionary<string, (RpmTag Body, RpmTag Prog, RpmTag Flags)> ScriptTagsByName = new(StringComparer.Ordinal)
    {
        ["pre"] = (RpmTag.PreIn, RpmTag.PreInProg, RpmTag.PreInFlags),
        ["post"] = (RpmTag.PostIn, RpmTag.PostInProg, RpmTag.PostInFlags),
        ["preun"] = (RpmTag.PreUn, RpmTag.PreUnProg, RpmTag.PreUnFlags),
        ["postun"] = (RpmTag.PostUn, RpmTag.PostUnProg, RpmTag.PostUnFlags),
        ["pretrans"] = (RpmTag.PreTrans, RpmTag.PreTransProg, RpmTag.PreTransFlags),
        ["posttrans"] = (RpmTag.PostTrans, RpmTag.PostTransProg, RpmTag.PostTransFlags),
    };

    private sealed record TreeFile(string Path, string Source, FileStat Stat, string LinkTo, string Digest);

    /// <summary>Builds a package from the tree under <paramref name="root"/> into <paramref name="outputDir"/>; returns the file written.</summary>
    public static string Write(PackageSpec spec, string root, string outputDir)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"root directory '{root}' does not exist");
        Directory.CreateDirectory(outputDir);
        var files = Walk(root);
        foreach (var (p, f) in spec.FileFlags)
        {
            if ((f & Package.FileFlags.Ghost) == 0 && !files.Any(x => x.Path == p))
                throw new ArgumentException($"file flags given for '{p}', which is not under the root");
        }
        string nevr = $"{spec.Name}-{spec.Version}-{spec.Release}";
        string final = Path.Combine(outputDir, $"{nevr}.{spec.Arch}.rpm");
        string payloadTmp = Path.Combine(outputDir, $".{nevr}.payload.{Environment.ProcessId}.tmp");
        string pkgTmp = Path.Combine(outputDir, $".{nevr}.rpm.{Environment.ProcessId}.tmp");
        try
        {
            long archiveSize;
            using (var pf = new FileStream(payloadTmp, FileMode.Create, FileAccess.Write))
                archiveSize = WritePayload(spec, files, pf);
            byte[] payloadSha256;
            long payloadLength;
            using (var pf = File.OpenRead(payloadTmp))
            {
                payloadSha256 = SHA256.HashData(pf);
                payloadLength = pf.Length;
            }
            var header = HeaderWriter.Build(MainHeader(spec, files, payloadSha256, archiveSize), (int)RpmTag.HeaderImmutable);
            byte[] md5;
            using (var pf = File.OpenRead(payloadTmp))
            using (var h = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
            {
                h.AppendData(header);
                var buf = new byte[1 << 16];
                int n;
                while ((n = pf.Read(buf)) > 0)
                    h.AppendData(buf, 0, n);
                md5 = h.GetHashAndReset();
            }
            long total = header.Length + payloadLength;
#pragma warning disable CA5350 // rpm's legacy SHA-1 header digest, written for compatibility
            var sigEntries = new List<HeaderEntry>
            {
                HeaderEntry.String(SigTag.Sha1, Convert.ToHexStringLower(SHA1.HashData(header))),
                HeaderEntry.String(SigTag.Sha256, Convert.ToHexStringLower(SHA256.HashData(header))),
                HeaderEntry.Bytes(SigTag.Md5, md5),
            };
#pragma warning restore CA5350
            if (total <= uint.MaxValue && archiveSize <= uint.MaxValue)
            {
                sigEntries.Add(HeaderEntry.Int32(SigTag.Size, (uint)total));
                sigEntries.Add(HeaderEntry.Int32(SigTag.PayloadSize, (uint)archiveSize));
            }
            else
            {
                sigEntries.Add(HeaderEntry.Int64(SigTag.LongSize, (ulong)total));
                sigEntries.Add(HeaderEntry.Int64(SigTag.LongArchiveSize, (ulong)archiveSize));
            }
            var sig = HeaderWriter.Build(sigEntries, (int)RpmTag.HeaderSignatures);
            using (var o = new FileStream(pkgTmp, FileMode.Create, FileAccess.Write))
            {
                var lead = new Lead(3, 0, 0, 1, nevr, 1, 5);
                o.Write(lead.ToBytes());
                o.Write(sig);
                int pad = (8 - sig.Length % 8) % 8;
                o.Write(new byte[pad]);
                o.Write(header);
                using (var pf = File.OpenRead(payloadTmp))
                    pf.CopyTo(o);
                o.Flush(flushToDisk: true);
            }
            File.Move(pkgTmp, final, overwrite: true);
            return final;
        }
        finally
        {
            File.Delete(payloadTmp);
            File.Delete(pkgTmp);
        }
    }

    private static void Validate(PackageSpec spec)
    {
        foreach (var (field, value) in new[] { ("name", spec.Name), ("version", spec.Version), ("release", spec.Release), ("arch", spec.Arch) })
        {
            if (string.IsNullOrEmpty(value) || value.Any(c => char.IsWhiteSpace(c) || c == '/'))
                throw new ArgumentException($"manifest: {field} '{value}' must be non-empty without spaces or '/'");
            if (field is "version" or "release" && value.Contains('-', StringComparison.Ordinal))
                throw new ArgumentException($"manifest: {field} '{value}' must not contain '-'");
        }
        foreach (var k in spec.Dependencies.Keys)
        {
            if (!PackageInfo.DependencyTags.Any(t => t.Kind == k))
                throw new ArgumentException($"manifest: unknown dependency kind '{k}'");
        }
        foreach (var k in spec.Scripts.Keys)
        {
            if (!ScriptTagsByName.ContainsKey(k))
                throw new ArgumentException($"manifest: unknown scriptlet '{k}' (pre, post, preun, postun, pretrans, posttrans)");
        }
        if (spec.Compressor is not ("zstd" or "xz" or "gzip"))
            throw new ArgumentException($"manifest: compression '{spec.Compressor}' must be zstd, xz or gzip");
    }

    private static List<TreeFile> Walk(string root)
    {
        var list = new List<TreeFile>();
        // Symlinks are listed, never descended into: a link to a directory is packaged as the link.
        var entries = new FileSystemEnumerable<string>(root, (ref FileSystemEntry e) => e.ToFullPath(),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
        {
            ShouldRecursePredicate = (ref FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
        };
        foreach (var full in entries.Order(StringComparer.Ordinal))
        {
            var st = LibC.LStat(full);
            string path = full[root.Length..];
            string link = st.IsSymlink ? new FileInfo(full).LinkTarget ?? "" : "";
            string digest = "";
            if (st.IsRegular)
            {
                using var fs = File.OpenRead(full);
                digest = Convert.ToHexStringLower(SHA256.HashData(fs));
            }
            else if (!st.IsDirectory && !st.IsSymlink)
            {
                throw new ArgumentException($"'{path}' is a {UnixMode.Describe(st.Mode)}; only files, directories and symlinks can be packaged");
            }
            list.Add(new TreeFile(path, full, st, link, digest));
        }
        return list;
    }

    private static long WritePayload(PackageSpec spec, List<TreeFile> files, Stream output)
    {
        var counter = new CountingStream();
        Stream compressor = spec.Compressor switch
        {
            "xz" => new XzCompressStream(output, 6, leaveOpen: true),
            "gzip" => new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true),
            _ => new ZstdCompressStream(output, 19, leaveOpen: true),
        };
        using (compressor)
        {
            var tee = new TeeStream(compressor, counter);
            var cpio = new CpioWriter(tee);
            uint ino = 1;
            var buf = new byte[1 << 16];
            foreach (var f in files)
            {
                if (spec.FileFlags.TryGetValue(f.Path, out var fl) && (fl & FileFlags.Ghost) != 0)
                    continue;
                long size = f.Stat.IsRegular ? (long)f.Stat.Size : f.Stat.IsSymlink ? Encoding.UTF8.GetByteCount(f.LinkTo) : 0;
                cpio.WriteHeader("." + f.Path, f.Stat.Mode, 0, 0, f.Stat.IsDirectory ? 2u : 1u, MTime(f), size, ino: ino++);
                if (f.Stat.IsRegular)
                {
                    using var fs = File.OpenRead(f.Source);
                    int n;
                    while ((n = fs.Read(buf)) > 0)
                        cpio.WriteData(buf.AsSpan(0, n));
                }
                else if (f.Stat.IsSymlink)
                {
                    cpio.WriteData(Encoding.UTF8.GetBytes(f.LinkTo));
                }
                cpio.EndEntry();
            }
            cpio.WriteTrailer();
        }
        return counter.Length;
    }

    private static long MTime(TreeFile f) => new DateTimeOffset(File.GetLastWriteTimeUtc(f.Source)).ToUnixTimeSeconds();

    private static List<HeaderEntry> MainHeader(PackageSpec spec, List<TreeFile> files, byte[] payloadSha256, long archiveSize)
    {
        long buildTime = spec.BuildTime
            ?? (long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), out var sde) ? sde : DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        string evr = (spec.Epoch is long ep ? $"{ep}:" : "") + $"{spec.Version}-{spec.Release}";
        var e = new List<HeaderEntry>
        {
            HeaderEntry.StringArray((int)RpmTag.HeaderI18nTable, "C"),
            HeaderEntry.String((int)RpmTag.Name, spec.Name),
            HeaderEntry.String((int)RpmTag.Version, spec.Version),
            HeaderEntry.String((int)RpmTag.Release, spec.Release),
            HeaderEntry.I18n((int)RpmTag.Summary, spec.Summary),
            HeaderEntry.I18n((int)RpmTag.Description, spec.Description),
            HeaderEntry.Int32((int)RpmTag.BuildTime, (uint)buildTime),
            HeaderEntry.String((int)RpmTag.BuildHost, spec.BuildHost),
            HeaderEntry.String((int)RpmTag.License, spec.License),
            HeaderEntry.I18n((int)RpmTag.Group, spec.Group),
            HeaderEntry.String((int)RpmTag.Os, "linux"),
            HeaderEntry.String((int)RpmTag.Arch, spec.Arch),
            HeaderEntry.String((int)RpmTag.SourceRpm, $"{spec.Name}-{spec.Version}-{spec.Release}.src.rpm"),
            HeaderEntry.String((int)RpmTag.RpmVersion, "4.18.0"),
            HeaderEntry.String((int)RpmTag.PayloadFormat, "cpio"),
            HeaderEntry.String((int)RpmTag.PayloadCompressor, spec.Compressor),
            HeaderEntry.String((int)RpmTag.PayloadFlags, spec.Compressor switch { "xz" => "6", "gzip" => "9", _ => "19" }),
            HeaderEntry.String((int)RpmTag.Platform, $"{spec.Arch}-unknown-linux"),
            HeaderEntry.StringArray((int)RpmTag.PayloadDigest, Convert.ToHexStringLower(payloadSha256)),
            HeaderEntry.Int32((int)RpmTag.PayloadDigestAlgo, 8),
            HeaderEntry.String((int)RpmTag.Encoding, "utf-8"),
        };
        if (spec.Epoch is long epoch)
            e.Add(HeaderEntry.Int32((int)RpmTag.Epoch, (uint)epoch));
        if (spec.Url != null)
            e.Add(HeaderEntry.String((int)RpmTag.Url, spec.Url));

        long totalSize = files.Where(f => f.Stat.IsRegular).Sum(f => (long)f.Stat.Size);
        if (totalSize <= uint.MaxValue)
            e.Add(HeaderEntry.Int32((int)RpmTag.Size, (uint)totalSize));
        else
            e.Add(HeaderEntry.Int64((int)RpmTag.LongSize, (ulong)totalSize));

        // Files, including %ghost entries that exist only in the header.
        var all = files.Select(f => (f.Path, Mode: f.Stat.Mode, Size: f.Stat.IsRegular ? (long)f.Stat.Size : f.Stat.IsDirectory ? 4096L : f.LinkTo.Length,
            MTime: MTime(f), f.Digest, f.LinkTo)).ToList();
        foreach (var (p, fl) in spec.FileFlags)
        {
            if ((fl & FileFlags.Ghost) != 0 && !all.Any(x => x.Path == p))
                all.Add((p, 0x81A4u, 0L, buildTime, "", ""));
        }
        all.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        if (all.Count > 0)
        {
            var dirs = new List<string>();
            var dirIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var baseNames = new string[all.Count];
            var dirIndexes = new uint[all.Count];
            for (int i = 0; i < all.Count; i++)
            {
                int slash = all[i].Path.LastIndexOf('/');
                string dir = all[i].Path[..(slash + 1)];
                if (!dirIndex.TryGetValue(dir, out int di))
                {
                    di = dirs.Count;
                    dirIndex[dir] = di;
                    dirs.Add(dir);
                }
                dirIndexes[i] = (uint)di;
                baseNames[i] = all[i].Path[(slash + 1)..];
            }
            bool large = all.Any(f => f.Size > int.MaxValue);
            e.Add(large
                ? HeaderEntry.Int64((int)RpmTag.LongFileSizes, all.Select(f => (ulong)f.Size).ToArray())
                : HeaderEntry.Int32((int)RpmTag.FileSizes, all.Select(f => (uint)f.Size).ToArray()));
            e.Add(HeaderEntry.Int16((int)RpmTag.FileModes, all.Select(f => (ushort)f.Mode).ToArray()));
            e.Add(HeaderEntry.Int16((int)RpmTag.FileRdevs, new ushort[all.Count]));
            e.Add(HeaderEntry.Int32((int)RpmTag.FileMtimes, all.Select(f => (uint)f.MTime).ToArray()));
            e.Add(HeaderEntry.StringArray((int)RpmTag.FileDigests, all.Select(f => f.Digest).ToArray()));
            e.Add(HeaderEntry.StringArray((int)RpmTag.FileLinkTos, all.Select(f => f.LinkTo).ToArray()));
            e.Add(HeaderEntry.Int32((int)RpmTag.FileFlags, all.Select(f => (uint)spec.FileFlags.GetValueOrDefault(f.Path)).ToArray()));
            e.Add(HeaderEntry.StringArray((int)RpmTag.FileUserName, all.Select(_ => "root").ToArray()));
            e.Add(HeaderEntry.StringArray((int)RpmTag.FileGroupName, all.Select(_ => "root").ToArray()));
            e.Add(HeaderEntry.Int32((int)RpmTag.FileVerifyFlags, all.Select(_ => uint.MaxValue).ToArray()));
            e.Add(HeaderEntry.Int32((int)RpmTag.FileDevices, all.Select(_ => 1u).ToArray()));
            e.Add(HeaderEntry.Int32((int)RpmTag.FileInodes, Enumerable.Range(1, all.Count).Select(i => (uint)i).ToArray()));
            e.Add(HeaderEntry.StringArray((int)RpmTag.FileLangs, all.Select(_ => "").ToArray()));
            e.Add(HeaderEntry.Int32((int)RpmTag.DirIndexes, dirIndexes));
            e.Add(HeaderEntry.StringArray((int)RpmTag.BaseNames, baseNames));
            e.Add(HeaderEntry.StringArray((int)RpmTag.DirNames, dirs.ToArray()));
            e.Add(HeaderEntry.Int32((int)RpmTag.FileDigestAlgo, 8));
        }

        // Dependencies: the manifest's, the package's own provide, and the rpmlib() features used.
        var deps = spec.Dependencies.ToDictionary(k => k.Key, v => v.Value.ToList(), StringComparer.Ordinal);
        List<Dependency> Kind(string k) => deps.TryGetValue(k, out var l) ? l : deps[k] = [];
        if (!Kind("provides").Any(d => d.Name == spec.Name))
            Kind("provides").Add(new Dependency(spec.Name, DependencyFlags.Equal, evr));
        var rpmlib = DependencyFlags.RpmLib | DependencyFlags.Less | DependencyFlags.Equal;
        var req = Kind("requires");
        req.Add(new Dependency("rpmlib(CompressedFileNames)", rpmlib, "3.0.4-1"));
        req.Add(new Dependency("rpmlib(FileDigests)", rpmlib, "4.6.0-1"));
        req.Add(new Dependency("rpmlib(PayloadFilesHavePrefix)", rpmlib, "4.0-1"));
        if (spec.Compressor == "zstd")
            req.Add(new Dependency("rpmlib(PayloadIsZstd)", rpmlib, "5.4.18-1"));
        if (spec.Compressor == "xz")
            req.Add(new Dependency("rpmlib(PayloadIsXz)", rpmlib, "5.2-1"));
        if (deps.Values.SelectMany(x => x).Any(d => d.IsRich))
            req.Add(new Dependency("rpmlib(RichDependencies)", rpmlib, "4.12.0-1"));
        if ((spec.Version + spec.Release).Contains('~', StringComparison.Ordinal))
            req.Add(new Dependency("rpmlib(TildeInVersions)", rpmlib, "4.10.0-1"));
        if ((spec.Version + spec.Release).Contains('^', StringComparison.Ordinal))
            req.Add(new Dependency("rpmlib(CaretInVersions)", rpmlib, "4.15.0-1"));
        foreach (var (name, (body, interp)) in spec.Scripts)
        {
            var (bt, pt, _) = ScriptTagsByName[name];
            e.Add(HeaderEntry.String((int)bt, body));
            e.Add(HeaderEntry.String((int)pt, interp));
            if (!interp.StartsWith('<'))
                req.Add(new Dependency(interp, DependencyFlags.Interp | name switch
                {
                    "pre" => DependencyFlags.ScriptPre,
                    "post" => DependencyFlags.ScriptPost,
                    "preun" => DependencyFlags.ScriptPreUn,
                    "postun" => DependencyFlags.ScriptPostUn,
                    "pretrans" => DependencyFlags.PreTrans,
                    _ => DependencyFlags.PostTrans,
                }, ""));
        }
        foreach (var (kind, nameTag, versionTag, flagsTag) in PackageInfo.DependencyTags)
        {
            if (!deps.TryGetValue(kind, out var list) || list.Count == 0)
                continue;
            e.Add(HeaderEntry.StringArray((int)nameTag, list.Select(d => d.Name).ToArray()));
            e.Add(HeaderEntry.StringArray((int)versionTag, list.Select(d => d.Version).ToArray()));
            e.Add(HeaderEntry.Int32((int)flagsTag, list.Select(d => (uint)d.Flags).ToArray()));
        }
        return e;
    }

    private sealed class CountingStream : Stream
    {
        private long _length;
        public override long Length => _length;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Position { get => _length; set => throw new NotSupportedException("the stream is read-only and not seekable"); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("the stream is read-only and not seekable");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("the stream is read-only and not seekable");
        public override void SetLength(long value) => throw new NotSupportedException("the stream is read-only and not seekable");
    }

    private sealed class TeeStream(Stream a, Stream b) : Stream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            a.Write(buffer);
            b.Write(buffer);
        }
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException("the stream is read-only and not seekable");
        public override long Position { get => throw new NotSupportedException("the stream is read-only and not seekable"); set => throw new NotSupportedException("the stream is read-only and not seekable"); }
        public override void Flush() => a.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("the stream is read-only and not seekable");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("the stream is read-only and not seekable");
        public override void SetLength(long value) => throw new NotSupportedException("the stream is read-only and not seekable");
    }
}
