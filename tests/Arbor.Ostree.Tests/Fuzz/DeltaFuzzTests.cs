// Fuzz campaigns over static deltas, which arrive from a server or a USB stick: the superblock
// (plain and signed form), part files as stored (the compression byte and the xz stream), the
// decompressed part payload replayed into a repository (modes, xattr sets, the data blob and the
// operation stream), and `static-delta apply-offline` over a whole delta directory with one file
// mutated. Part checksums in the superblock are recomputed for most apply cases, so mutated parts
// get past the checksum and into the interpreter. Whatever a case writes must be sound objects,
// inside the target repository and nowhere else.
using System.Globalization;
using Arbor.Fuzzing;
using Arbor.Ostree.Deltas;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using FsCheck.Fluent;
using Xunit.Abstractions;
using static Arbor.Ostree.Tests.Fuzz.FuzzSupport;

namespace Arbor.Ostree.Tests.Fuzz;

public class DeltaFuzzTests(ITestOutputHelper output)
{
    private static OstreeSeeds Seeds => OstreeSeeds.Get;

    [Fact]
    public void Superblocks()
    {
        Campaign(output, "delta superblock", 4000).Run(Mutator.Cases(Seeds.Superblocks), c =>
        {
            var sb = DeltaSuperblock.Parse(c.Data);
            // What `static-delta show` prints of it.
            _ = sb.Parts.Aggregate(0UL, (a, p) => unchecked(a + p.CompressedSize + p.UncompressedSize));
            for (int i = 0; i < sb.Parts.Count; i++)
            {
                if (sb.InlinePartFile(i) is { } inline)
                    DeltaApplier.CountOps(sb.Parts[i].Objects, DeltaPartPayload.DecodePartFile(inline));
            }
            if (!sb.Signed)
            {
                Commit.Parse(sb.CommitBytes);
                var back = DeltaSuperblock.Parse(sb.Serialize());
                Expect(back.From == sb.From && back.To == sb.To && back.Timestamp == sb.Timestamp && back.BigEndian == sb.BigEndian
                    && back.Parts.Count == sb.Parts.Count && back.Fallbacks.SequenceEqual(sb.Fallbacks)
                    && back.Parts.Zip(sb.Parts).All(p => p.First.Checksum == p.Second.Checksum && p.First.CompressedSize == p.Second.CompressedSize
                        && p.First.UncompressedSize == p.Second.UncompressedSize && p.First.Objects.SequenceEqual(p.Second.Objects)),
                    "superblock changes in a round trip");
            }
        });
    }

    [Fact]
    public void Part_files_as_stored()
    {
        // Byte noise on the compressed form: the xz container, its checks, and payloads it decodes to.
        Campaign(output, "delta part file (xz)", 1500).Run(Mutator.Cases(Seeds.PartFiles), c =>
        {
            var header = Seeds.PartHeaders[c.Seed.Name].Header;
            var payload = DeltaPartPayload.DecodePartFile(c.Data, c.Data.Length % 2 == 0 ? header.UncompressedSize : null);
            DeltaApplier.CountOps(header.Objects, payload);
            var back = DeltaPartPayload.Parse(payload.Serialize());
            Expect(back.Modes.SequenceEqual(payload.Modes) && back.Payload.Span.SequenceEqual(payload.Payload.Span)
                && back.Operations.Span.SequenceEqual(payload.Operations.Span) && back.XattrSets.Count == payload.XattrSets.Count,
                "part payload changes in a round trip");
        });
    }

    [Fact]
    public void Part_payloads_executed()
    {
        using var box = new Sandbox("delta-part");
        var bases = BaseRepos(box.Target);
        // Half the cases mutate the serialized payload; half mutate only its operation stream and
        // serialize the payload again, which keeps the GVariant framing valid and reaches the interpreter.
        var bySeed = Seeds.PartPayloads.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var opsSeeds = Seeds.PartPayloads.Select(s => new FuzzSeed(s.Name, DeltaPartPayload.Parse(s.Data).Operations.ToArray())).ToList();
        var opsCases = Mutator.Cases(opsSeeds, new MutatorOptions { BinaryTokens = OpTokens, UnmutatedPerMille = 0 }).Select(c =>
        {
            var seed = bySeed[c.Seed.Name];
            var payload = DeltaPartPayload.Parse(seed.Data) with { Operations = c.Data };
            return new FuzzCase(seed, payload.Serialize(), "operations: " + c.Mutations);
        });
        var gen = Gen.OneOf(Mutator.Cases(Seeds.PartPayloads, new MutatorOptions { BinaryTokens = OpTokens }), opsCases);
        Campaign(output, "delta part payload + ops", 2000).Run(gen, c =>
        {
            var (header, source) = Seeds.PartHeaders[c.Seed.Name];
            var (repo, keep) = bases[source];
            try
            {
                // Wrapped as a part file, compressed or not, as it would arrive.
                // (xz at preset 8 is slow to encode; the xz stream has a campaign of its own.)
                var file = DeltaPartPayload.EncodePartFile(c.Data, compress: c.Data.Length % 16 == 0);
                var payload = DeltaPartPayload.DecodePartFile(file, header.UncompressedSize);
                DeltaApplier.CountOps(header.Objects, payload);
                DeltaApplier.ExecutePart(repo, header.Objects, payload);
                VerifyNewObjects(repo, keep, "delta part");
            }
            finally
            {
                box.CheckNothingOutsideTarget();
                ResetTo(repo, keep);
            }
        });
    }

    [Fact]
    public void Apply_offline()
    {
        using var box = new Sandbox("delta-apply");
        using var inputs = new TempDir();
        var bases = BaseRepos(box.Target);
        var seeds = new List<FuzzSeed>();
        var deltaOf = new Dictionary<string, (string Name, string Dir, Checksum? From, Checksum To, string Repo)>(StringComparer.Ordinal);
        foreach (var d in Seeds.Deltas)
        {
            foreach (var f in Directory.EnumerateFiles(d.Dir).Order(StringComparer.Ordinal))
            {
                var name = $"{d.Name}/{Path.GetFileName(f)}";
                seeds.Add(new FuzzSeed(name, File.ReadAllBytes(f)));
                deltaOf[name] = d;
            }
        }
        var empty = ScratchRepo(Path.Combine(box.Target, "empty"), RepoMode.BareUser);
        var emptyKeep = ObjectFiles(empty);
        int n = 0;
        Campaign(output, "delta apply-offline", 500).Run(Mutator.Cases(seeds, new MutatorOptions { BinaryTokens = OpTokens }), c =>
        {
            var d = deltaOf[c.Seed.Name];
            var file = Path.GetFileName(c.Seed.Name);
            var dir = Path.Combine(inputs.Path, (n++).ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            foreach (var f in Directory.EnumerateFiles(d.Dir))
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            File.WriteAllBytes(Path.Combine(dir, file), c.Data);
            if (file != "superblock" && c.Data.Length % 4 != 0)
                FixPartChecksum(dir, int.Parse(file, CultureInfo.InvariantCulture), c.Data);
            var (repo, keep) = d.From is null ? (empty, emptyKeep) : bases[d.Repo];
            try
            {
                DeltaApplier.ApplyOffline(repo, dir);
                VerifyNewObjects(repo, keep, "delta apply");
            }
            finally
            {
                box.CheckNothingOutsideTarget();
                ResetTo(repo, keep);
                Directory.Delete(dir, recursive: true);
            }
        });
    }

    // The opcodes and small varints, so mutations of the ops stream keep speaking its language.
    private static readonly IReadOnlyList<byte[]> OpTokens =
    [
        "S"u8.ToArray(), "o"u8.ToArray(), "w"u8.ToArray(), "r"u8.ToArray(), "R"u8.ToArray(), "c"u8.ToArray(), "B"u8.ToArray(),
        [0], [0x7F], [0x80, 0x01], [0xFF, 0xFF, 0xFF, 0xFF, 0x07], [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        [(byte)'o', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07], [(byte)'w', 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0],
    ];

    // Recomputes a part's checksum in an (unsigned) superblock so that the mutated part is executed.
    private static void FixPartChecksum(string dir, int index, byte[] part)
    {
        var path = Path.Combine(dir, "superblock");
        var bytes = File.ReadAllBytes(path);
        if (DeltaSignatures.IsSigned(bytes))
            return;
        var sb = DeltaSuperblock.Parse(bytes);
        if (index >= sb.Parts.Count || sb.InlinePartFile(index) is not null)
            return;
        var parts = sb.Parts.ToList();
        parts[index] = parts[index] with { Checksum = Checksum.Of(part), CompressedSize = (ulong)part.Length };
        File.WriteAllBytes(path, (sb with { Parts = parts }).Serialize());
    }

    // Per seed repository, a bare-user repository holding its first commit (the delta source):
    // built by applying the from-scratch delta, then remembered so every case starts from it.
    private static Dictionary<string, (Repository Repo, HashSet<string> Keep)> BaseRepos(string under)
    {
        var bases = new Dictionary<string, (Repository, HashSet<string>)>(StringComparer.Ordinal);
        foreach (var d in Seeds.Deltas.Where(x => x.From is null).GroupBy(x => x.Repo).Select(g => g.First()))
        {
            var repo = ScratchRepo(Path.Combine(under, "base-" + bases.Count.ToString(CultureInfo.InvariantCulture)), RepoMode.BareUser);
            DeltaApplier.ApplyOffline(repo, d.Dir);
            bases[d.Repo] = (repo, ObjectFiles(repo));
        }
        return bases;
    }
}
