// The real samples the rpm fuzz campaigns mutate, made once per test run: packages built by
// rpmbuild (gzip, xz and zstd payloads; every file kind, dependency kind, scriptlets, triggers,
// changelog) and by Arbor's RpmWriter, their leads, signature and main headers, and their cpio
// payloads as rpm2cpio gives them; and rpm-md metadata written by createrepo_c and by Arbor over
// those packages, decompressed. The helpers rebuild a package around a mutated cpio archive.
using System.IO.Compression;
using Arbor.Fuzzing;
using Arbor.Native;
using Arbor.Rpm.Package;
using Arbor.Rpm.Repodata;

namespace Arbor.Rpm.Tests.Fuzz;

internal sealed class RpmSeeds
{
    private static readonly Lazy<RpmSeeds> Instance = new(() => new RpmSeeds(), LazyThreadSafetyMode.ExecutionAndPublication);

    public static RpmSeeds Get => Instance.Value;

    public string Dir { get; }
    public List<FuzzSeed> Packages { get; } = [];
    public List<FuzzSeed> Leads { get; } = [];
    public List<FuzzSeed> Headers { get; } = [];
    public List<FuzzSeed> Cpios { get; } = [];
    public List<FuzzSeed> RepoMds { get; } = [];

    /// <summary>primary/filelists/other XML by repository ("createrepo_c", "arbor") and kind.</summary>
    public Dictionary<(string Repo, string Kind), byte[]> Metadata { get; } = [];

    /// <summary>Metadata seeds named "REPO:KIND".</summary>
    public List<FuzzSeed> MetadataSeeds { get; } = [];

    private RpmSeeds()
    {
        Dir = Tools.TempDir("fuzz-seeds");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(Dir, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        var pkgDir = Path.Combine(Dir, "packages");
        Directory.CreateDirectory(pkgDir);
        RepoFixture.MakePackages(pkgDir, 3);
        // MakePackages adds the full rpmbuild package (300 kB of random data); the campaigns copy
        // each input several times, so they use the same package with a 3 kB file instead.
        File.Delete(Path.Combine(pkgDir, "hello.rpm"));
        File.Copy(Tools.BuildRpm("w19.zstdio", smallBlob: true), Path.Combine(pkgDir, "hello-w19.zstdio.rpm"));
        foreach (var payload in new[] { "w9.gzdio", "w6.xzdio" })
            File.Copy(Tools.BuildRpm(payload, smallBlob: true), Path.Combine(pkgDir, $"hello-{payload}.rpm"));
        foreach (var rpm in Directory.EnumerateFiles(pkgDir, "*.rpm").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(rpm);
            var bytes = File.ReadAllBytes(rpm);
            Packages.Add(new FuzzSeed(name, bytes));
            Leads.Add(new FuzzSeed(name + ":lead", bytes[..Lead.Size]));
            using (var pkg = RpmPackage.Open(rpm))
            {
                Headers.Add(new FuzzSeed(name + ":signature", pkg.Signature.Raw));
                Headers.Add(new FuzzSeed(name + ":main", pkg.Header.Raw));
            }
            Cpios.Add(new FuzzSeed(name + ":cpio", RunBytes("rpm2cpio", rpm)));
        }
        BuildRepos(pkgDir);
    }

    private void BuildRepos(string pkgDir)
    {
        var c = Path.Combine(Dir, "createrepo_c");
        var a = Path.Combine(Dir, "arbor");
        foreach (var d in new[] { c, a })
        {
            Directory.CreateDirectory(d);
            foreach (var f in Directory.EnumerateFiles(pkgDir, "*.rpm"))
                File.Copy(f, Path.Combine(d, Path.GetFileName(f)));
        }
        Tools.Run("createrepo_c", ["--quiet", c]);
        RepoWriter.Create(a, timestamp: 1_700_000_000);
        foreach (var (name, dir) in new[] { ("createrepo_c", c), ("arbor", a) })
        {
            var repomd = File.ReadAllBytes(Path.Combine(dir, "repodata", "repomd.xml"));
            RepoMds.Add(new FuzzSeed($"{name}:repomd", repomd));
            var md = RepoMd.Parse(new MemoryStream(repomd), name);
            foreach (var kind in new[] { "primary", "filelists", "other" })
            {
                using var s = RepoMd.OpenDecompressed(Path.Combine(dir, md.Require(kind, name).Location));
                var ms = new MemoryStream();
                s.CopyTo(ms);
                Metadata[(name, kind)] = ms.ToArray();
                MetadataSeeds.Add(new FuzzSeed($"{name}:{kind}", ms.ToArray()));
            }
        }
    }

    /// <summary>The package <paramref name="seed"/> (a whole-package seed) with its payload replaced by <paramref name="cpio"/>, compressed as its header says.</summary>
    public static byte[] WithPayload(byte[] seed, byte[] cpio)
    {
        using var pkg = RpmPackage.Open(new MemoryStream(seed), leaveOpen: false);
        var ms = new MemoryStream();
        ms.Write(seed, 0, (int)pkg.PayloadOffset);
        using (Stream z = pkg.Info.PayloadCompressor switch
        {
            "xz" or "lzma" => new XzCompressStream(ms, preset: 0, leaveOpen: true),
            "zstd" => new ZstdCompressStream(ms, level: 1, leaveOpen: true),
            _ => new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true),
        })
        {
            z.Write(cpio);
        }
        return ms.ToArray();
    }

    /// <summary>Size of each file of a package's header (for rpm's stripped cpio entries).</summary>
    public static long[] FileSizes(byte[] package)
    {
        using var pkg = RpmPackage.Open(new MemoryStream(package), leaveOpen: false);
        return pkg.Info.Files.Select(f => f.Size).ToArray();
    }

    private static byte[] RunBytes(string tool, string arg)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(arg);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {arg} exited {p.ExitCode}: {err.Result}");
        return ms.ToArray();
    }
}
