// A directory of RPMs for the rpm-md tests: the rpmbuild-made hello package (many file kinds,
// every dependency kind, scriptlets, changelog) plus a handful written by Arbor's RpmWriter with
// versioned, epoch'd and pre-requires, so metadata readers see varied input in well under a second.
using Arbor.Rpm.Package;
using Arbor.Rpm.Version;

namespace Arbor.Rpm.Tests;

internal static class RepoFixture
{
    /// <summary>Fills <paramref name="dir"/> with RPMs; returns it.</summary>
    public static string MakePackages(string dir, int count = 5)
    {
        File.Copy(Tools.BuildRpm("w19.zstdio"), Path.Combine(dir, "hello.rpm"));
        var root = Path.Combine(dir, ".root");
        for (int i = 0; i < count; i++)
        {
            if (Directory.Exists(root))
                Directory.Delete(root, true);
            Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
            Directory.CreateDirectory(Path.Combine(root, $"usr/share/pkg{i}"));
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            File.WriteAllText(Path.Combine(root, $"usr/bin/tool{i}"), $"#!/bin/sh\necho {i}\n");
            File.WriteAllText(Path.Combine(root, $"etc/pkg{i}.conf"), "x=1\n");
            File.WriteAllText(Path.Combine(root, $"usr/share/pkg{i}/data"), new string('d', 100 * i));
            var spec = new PackageSpec
            {
                Name = $"pkg{i}",
                Version = $"1.{i}",
                Release = $"{i + 1}.fc40",
                Epoch = i % 2 == 0 ? null : i,
                Arch = i % 3 == 0 ? "x86_64" : "noarch",
                Summary = $"Package number {i} & friends <test>",
                Description = $"Line one of {i}.\nLine two.",
                License = "MIT",
                Url = "https://example.org/pkg",
                BuildTime = 1_700_000_000 + i,
                Dependencies = new(StringComparer.Ordinal)
                {
                    ["requires"] = [Dependency.Parse("bash >= 4.0"), Dependency.Parse($"pkg{(i + 1) % count} = {(i + 1) % count}:1.0-1"), Dependency.Parse("/bin/sh")],
                    ["provides"] = [Dependency.Parse($"virtual{i} = 2.{i}"), Dependency.Parse("common-virtual")],
                    ["conflicts"] = [Dependency.Parse($"oldpkg{i} < 1")],
                    ["obsoletes"] = [Dependency.Parse($"pkg{i}-legacy <= 0.9")],
                    ["recommends"] = [Dependency.Parse("helper")],
                },
                Scripts = new(StringComparer.Ordinal) { ["post"] = ("echo hi", "/bin/sh") },
                FileFlags = new(StringComparer.Ordinal) { [$"/etc/pkg{i}.conf"] = FileFlags.Config | FileFlags.NoReplace },
                Compressor = "zstd",
            };
            RpmWriter.Write(spec, root, dir);
        }
        Directory.Delete(root, true);
        return dir;
    }
}

internal static class RepoRecompress
{
    /// <summary>
    /// Rewrites a createrepo_c repository's gzip metadata as zstd (createrepo_c 0.17 cannot write
    /// zstd): each file recompressed with the zstd tool, repomd.xml updated with the new names,
    /// checksums and sizes.
    /// </summary>
    public static void ToZstd(string dir)
    {
        var repomdPath = Path.Combine(dir, "repodata", "repomd.xml");
        var text = File.ReadAllText(repomdPath);
        foreach (var rec in Arbor.Rpm.Repodata.RepoMd.Load(repomdPath).Records)
        {
            if (!rec.Location.EndsWith(".gz", StringComparison.Ordinal))
                continue;
            var gz = Path.Combine(dir, rec.Location);
            using var inflated = new MemoryStream();
            using (var g = new System.IO.Compression.GZipStream(File.OpenRead(gz), System.IO.Compression.CompressionMode.Decompress))
                g.CopyTo(inflated);
            var tmpOpen = gz[..^3];
            File.WriteAllBytes(tmpOpen, inflated.ToArray());
            Tools.Run("zstd", ["-q", "-f", "--rm", tmpOpen, "-o", tmpOpen + ".zst"]);
            var zst = tmpOpen + ".zst";
            File.Delete(gz);
            var sum = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(zst)));
            var href = $"repodata/{sum}-{rec.Type}.xml.zst";
            File.Move(zst, Path.Combine(dir, href));
            zst = Path.Combine(dir, href);
            text = text.Replace(rec.Location, href, StringComparison.Ordinal)
                .Replace(rec.Checksum, sum, StringComparison.Ordinal)
                .Replace($"<size>{rec.Size}</size>", $"<size>{new FileInfo(zst).Length}</size>", StringComparison.Ordinal);
        }
        File.WriteAllText(repomdPath, text);
    }
}
