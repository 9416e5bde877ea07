// Fuzz campaigns over RPM packages, which come from mirrors and users: the lead, a header blob
// (signature and main: index entries, types, counts, offsets, the data store) read through every
// typed accessor `rpm -qi/-ql/--requires/--scripts/--changelog` would use, whole packages opened
// and verified (a package whose header and payload digests verify must be byte for byte a real
// one), the cpio payload stream, and extraction of a package rebuilt around a mutated cpio archive
// into a sandbox, which must write nothing outside its target.
using Arbor.Fuzzing;
using Arbor.Rpm.Header;
using Arbor.Rpm.Package;
using Xunit.Abstractions;

namespace Arbor.Rpm.Tests.Fuzz;

public class RpmFuzzTests(ITestOutputHelper output)
{
    private static RpmSeeds Seeds => RpmSeeds.Get;

    internal static FuzzCampaign Campaign(ITestOutputHelper output, string parser, int cases) => new(parser, output.WriteLine) { Cases = cases };

    internal static void Expect(bool ok, string what)
    {
        if (!ok)
            throw new FuzzWrongResultException(what);
    }

    private static readonly IReadOnlyList<byte[]> HeaderTokens =
    [
        [0x8E, 0xAD, 0xE8, 0x01], [0xED, 0xAB, 0xEE, 0xDB], [0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF],
        [0, 0, 0, 6], [0, 0, 0, 8], [0, 0, 0, 9], [0, 0, 0x03, 0xE8], [0, 0, 0, 0x3E], [0, 0, 0x04, 0x5C], [0, 0, 0x04, 0x5D],
        "070701"u8.ToArray(), "07070X"u8.ToArray(), "TRAILER!!!"u8.ToArray(), "../"u8.ToArray(), "/etc/passwd"u8.ToArray(), "FFFFFFFF"u8.ToArray(), "00000000"u8.ToArray(),
    ];

    private static MutatorOptions Options => new() { BinaryTokens = HeaderTokens };

    [Fact]
    public void Leads()
    {
        Campaign(output, "rpm lead", 3000).Run(Mutator.Cases(Seeds.Leads, Options), c =>
        {
            var lead = Lead.Parse(c.Data);
            var back = Lead.Parse(lead.ToBytes());
            Expect(back.Major == lead.Major && back.Minor == lead.Minor && back.Type == lead.Type && back.ArchNum == lead.ArchNum
                && back.OsNum == lead.OsNum && back.SignatureType == lead.SignatureType, "lead changes in a round trip");
        });
    }

    [Fact]
    public void Headers()
    {
        Campaign(output, "rpm header", 6000).Run(Mutator.Cases(Seeds.Headers, Options), c =>
        {
            // Read takes what the intro's counts say from a stream (as a package is read), so
            // mutations that change the length still reach the index and the data store.
            var h = RpmHeader.Read(new MemoryStream(c.Data), "fuzzed header", 0);
            var again = RpmHeader.Parse(h.Raw, "fuzzed header");
            Expect(again.Entries.Count == h.Entries.Count, "Read and Parse disagree");
            foreach (var e in h.Entries)
            {
                _ = e.ToString();
                _ = e.AsIntegers();
                _ = e.AsStrings();
            }
            if (h.Has(RpmTag.Name) && h.Has(RpmTag.Version) && h.Has(RpmTag.Release))
                ReadEverything(new PackageInfo(h));
        });
    }

    // What the query verbs read of a package.
    internal static void ReadEverything(PackageInfo info)
    {
        _ = (info.Nevra, info.Evr.ToString(), info.Summary, info.Size, info.BuildTime, info.PayloadCompressor);
        _ = info.Files.Count;
        _ = info.Dependencies.Values.Sum(d => d.Count(x => x.ToString().Length >= 0));
        _ = info.Scripts.Count;
        _ = info.Triggers.Count;
        _ = info.Changelog.Count;
    }

    [Fact]
    public void Packages_opened_and_verified()
    {
        // Everything after the signature header of each real package: what the digests cover.
        var signed = Seeds.Packages.Select(s =>
        {
            using var p = RpmPackage.Open(new MemoryStream(s.Data), leaveOpen: false);
            return s.Data[(int)(p.PayloadOffset - p.Header.Raw.Length)..];
        }).ToList();
        Campaign(output, "rpm package (open + verify)", 4000).Run(Mutator.Cases(Seeds.Packages, Options), c =>
        {
            using var pkg = RpmPackage.Open(new MemoryStream(c.Data), leaveOpen: false);
            ReadEverything(pkg.Info);
            var verified = pkg.VerifyAll();
            if (verified.Contains("sha256") && verified.Contains("payload-sha256"))
            {
                var covered = c.Data.AsSpan((int)(pkg.PayloadOffset - pkg.Header.Raw.Length));
                var ok = false;
                foreach (var s in signed)
                    ok |= covered.SequenceEqual(s);
                Expect(ok, $"digests {string.Join(',', verified)} verified for a header or payload that is not a real package's");
            }
        });
    }

    [Fact]
    public void Cpio_payloads()
    {
        var sizes = Seeds.Packages.ToDictionary(s => s.Name + ":cpio", s => RpmSeeds.FileSizes(s.Data), StringComparer.Ordinal);
        Campaign(output, "rpm cpio", 5000).Run(Mutator.Cases(Seeds.Cpios, Options), c =>
        {
            var files = sizes[c.Seed.Name];
            var cpio = new CpioReader(new MemoryStream(c.Data), i => i >= 0 && i < files.Length ? files[i]
                : throw new RpmFormatException($"payload: stripped cpio file index {i} is outside the file list"));
            var buf = new byte[4096];
            while (cpio.Next() is { } e)
            {
                _ = PayloadExtractor.CheckName(e.Name.Length == 0 ? "./x" : e.Name);
                long total = 0;
                int n;
                while ((n = cpio.ReadData(buf)) > 0)
                    total += n;
                Expect(total == e.Size, $"entry {e.Name} read {total} of {e.Size} bytes");
            }
        });
    }

    [Fact]
    public void Payload_extraction()
    {
        using var box = new Sandbox("rpm-extract");
        var packageOf = Seeds.Packages.ToDictionary(s => s.Name + ":cpio", s => s.Data, StringComparer.Ordinal);
        Campaign(output, "rpm extract", 800).Run(Mutator.Cases(Seeds.Cpios, Options), c =>
        {
            var rpm = RpmSeeds.WithPayload(packageOf[c.Seed.Name], c.Data);
            try
            {
                using var pkg = RpmPackage.Open(new MemoryStream(rpm), leaveOpen: false);
                PayloadExtractor.Extract(pkg, box.Target);
            }
            catch (RpmDigestException)
            {
                // The payload was recompressed, so the header's payload digest (checked after
                // extracting, as rpm2cpio | cpio would) no longer matches: extraction itself went through.
            }
            finally
            {
                box.CheckNothingOutsideTarget();
                box.ResetTarget();
            }
        });
    }
}
