// Mutation fuzzing over real samples: an FsCheck generator that picks a seed (bytes Arbor or a
// real tool wrote) and applies a short stack of mutations to it — bit flips, byte sets,
// truncations, integer fields set to extremes (0, all ones, negative, the input length and just
// past it), splices of two seeds, duplicated and removed chunks, and format tokens from a
// dictionary. Each mutation draws its positions as raw random numbers and maps them onto the
// length the data has when it is applied, so a case is fully described by its seed and the
// printed mutation list and replays byte for byte.
using System.Buffers.Binary;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Arbor.Fuzzing;

/// <summary>A real sample to mutate.</summary>
/// <param name="Name">Where it came from (for reports).</param>
/// <param name="Data">Its bytes.</param>
public sealed record FuzzSeed(string Name, byte[] Data);

/// <summary>One generated input.</summary>
/// <param name="Seed">The seed it was derived from.</param>
/// <param name="Data">The mutated bytes.</param>
/// <param name="Mutations">The mutations applied, in order ("none" for an untouched seed).</param>
public sealed record FuzzCase(FuzzSeed Seed, byte[] Data, string Mutations)
{
    /// <summary>True when no mutation was applied (the parser must then succeed).</summary>
    public bool Unmutated => Mutations == "none";
}

/// <summary>One mutation with its random draws; <see cref="Apply"/> maps them onto the data.</summary>
public sealed record Mutation(string Kind, ulong A, ulong B, ulong C, ulong D)
{
    internal Func<Mutation, byte[], IReadOnlyList<FuzzSeed>, IReadOnlyList<byte[]>, (byte[] Data, string Text)> Impl { get; init; } = null!;

    /// <summary>Applies the mutation to <paramref name="data"/>, returning the new bytes and a description.</summary>
    public (byte[] Data, string Text) Apply(byte[] data, IReadOnlyList<FuzzSeed> seeds, IReadOnlyList<byte[]> tokens) => Impl(this, data, seeds, tokens);
}

/// <summary>What to mutate with, beyond the byte-level operations.</summary>
public sealed record MutatorOptions
{
    /// <summary>Format tokens to overwrite, insert and swap (XML names, key file keys…), UTF-8 encoded.</summary>
    public IReadOnlyList<string> Tokens { get; init; } = [];

    /// <summary>Binary tokens (opcodes, magic numbers, varints) used like <see cref="Tokens"/>.</summary>
    public IReadOnlyList<byte[]> BinaryTokens { get; init; } = [];

    /// <summary>How many mutations at most are stacked on one case.</summary>
    public int MaxStack { get; init; } = 4;

    /// <summary>Per mille of cases left unmutated (a sanity baseline: those must parse).</summary>
    public int UnmutatedPerMille { get; init; } = 10;

    /// <summary>Relative weight of the integer-field mutation (raise it for binary formats with length fields).</summary>
    public int IntegerWeight { get; init; } = 6;

    /// <summary>Relative weight of the token mutations (when tokens are given).</summary>
    public int TokenWeight { get; init; } = 5;

    /// <summary>Fraction (per mille) of positional mutations aimed at the last 64 bytes, where GVariant keeps framing offsets.</summary>
    public int TailBiasPerMille { get; init; } = 250;
}

/// <summary>Builds mutation generators over seeds.</summary>
public static class Mutator
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x2F, 0x2E, 0x0A, 0x3C, 0x3D];

    private static Gen<ulong> Raw => Gen.Two(Gen.Choose(int.MinValue, int.MaxValue)).Select(p => ((ulong)(uint)p.Item1 << 32) | (uint)p.Item2);

    /// <summary>The generator of cases over <paramref name="seeds"/>.</summary>
    public static Gen<FuzzCase> Cases(IReadOnlyList<FuzzSeed> seeds, MutatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0)
            throw new ArgumentException("a fuzz campaign needs at least one seed", nameof(seeds));
        var opt = options ?? new MutatorOptions();
        var tokens = opt.Tokens.Select(t => Encoding.UTF8.GetBytes(t)).Concat(opt.BinaryTokens).ToArray();
        var one = OneMutation(opt, tokens.Length > 0);
        var stack = Gen.Frequency(
                (8, Gen.Constant(1)),
                (5, Gen.Constant(2)),
                (3, Gen.Choose(3, Math.Max(3, opt.MaxStack))))
            .SelectMany(n => Gen.ListOf(one, n));
        return Gen.Choose(0, seeds.Count - 1).SelectMany(si => Gen.Choose(0, 999).SelectMany(untouched =>
        {
            var seed = seeds[si];
            if (untouched < opt.UnmutatedPerMille)
                return Gen.Constant(new FuzzCase(seed, (byte[])seed.Data.Clone(), "none"));
            return stack.Select(ms =>
            {
                var data = seed.Data;
                var text = new StringBuilder();
                foreach (var m in ms)
                {
                    var (d, t) = m.Apply(data, seeds, tokens);
                    data = d;
                    if (text.Length > 0)
                        text.Append("; ");
                    text.Append(t);
                }
                return new FuzzCase(seed, data, text.ToString());
            });
        }));
    }

    /// <summary>Samples case <paramref name="index"/> of the campaign seeded with <paramref name="seed"/> (each case has its own random stream, so it replays alone).</summary>
    public static T Sample<T>(Gen<T> gen, ulong seed, int index)
    {
        ulong s = seed ^ ((ulong)(uint)index * 0x9E3779B97F4A7C15UL);
        return gen.Sample(30, new Rnd(s), 1)[0];
    }

    private static Gen<Mutation> Make(string kind, Func<Mutation, byte[], IReadOnlyList<FuzzSeed>, IReadOnlyList<byte[]>, (byte[], string)> impl) =>
        Gen.Four(Raw).Select(r => new Mutation(kind, r.Item1, r.Item2, r.Item3, r.Item4) { Impl = impl });

    private static Gen<Mutation> OneMutation(MutatorOptions opt, bool hasTokens)
    {
        var list = new List<(int, Gen<Mutation>)>
        {
            (6, Make("bitflip", BitFlip)),
            (5, Make("setbyte", SetByte)),
            (3, Make("truncate", Truncate)),
            (opt.IntegerWeight, Make("setint", (m, d, s, t) => SetInt(m, d, opt.TailBiasPerMille))),
            (2, Make("splice", Splice)),
            (2, Make("dup", Duplicate)),
            (2, Make("remove", Remove)),
            (1, Make("insert", InsertJunk)),
        };
        if (hasTokens)
        {
            list.Add((opt.TokenWeight, Make("token", TokenOverwrite)));
            list.Add((opt.TokenWeight, Make("swaptoken", TokenSwap)));
        }
        return Gen.Frequency(list.ToArray());
    }

    // A position in [0, len): uniform, or near the end where framing offsets and trailers live.
    private static int Pos(ulong r, ulong bias, int len, int tailBiasPerMille = 250)
    {
        if (len <= 0)
            return 0;
        if ((int)(bias % 1000) < tailBiasPerMille)
            return len - 1 - (int)(r % (ulong)Math.Min(len, 64));
        return (int)(r % (ulong)len);
    }

    private static (byte[], string) BitFlip(Mutation m, byte[] d, IReadOnlyList<FuzzSeed> s, IReadOnlyList<byte[]> t)
    {
        if (d.Length == 0)
            return (d, "bitflip on empty");
        var c = (byte[])d.Clone();
        int p = Pos(m.A, m.C, c.Length);
        int bit = (int)(m.B % 8);
        c[p] ^= (byte)(1 << bit);
        return (c, $"bitflip @{p} bit {bit}");
    }

    private static (byte[], string) SetByte(Mutation m, byte[] d, IReadOnlyList<FuzzSeed> s, IReadOnlyList<byte[]> t)
    {
        if (d.Length == 0)
            return (new[] { (byte)m.B }, $"setbyte empty -> {(byte)m.B:x2}");
        var c = (byte[])d.Clone();
        int p = Pos(m.A, m.C, c.Length);
        byte v = m.D % 3 == 0 ? (byte)m.B : InterestingBytes[(int)(m.B % (ulong)InterestingBytes.Length)];
        c[p] = v;
        return (c, $"setbyte @{p} = {v:x2}");
    }

    private static (byte[], string) Truncate(Mutation m, byte[] d, IReadOnlyList<FuzzSeed> s, IReadOnlyList<byte[]> t)
    {
        if (d.Length == 0)
            return (d, "truncate empty");
        // Mostly near the end (a short read), sometimes anywhere.
        int at = m.C % 2 == 0 ? d.Length - 1 - (int)(m.A % (ulong)Math.Min(d.Length, 16)) : (int)(m.A % (ulong)d.Length);
        return (d[..at], $"truncate to {at}");
    }

    private static ulong Extreme(ulong pick, ulong random, int len, int pos, int width)
    {
        ulong all = width == 8 ? ulong.MaxValue : (1UL << (width * 8)) - 1;
        ulong v = (pick % 16) switch
        {
            0 => 0,
            1 => 1,
            2 => all,                           // 0xFF.., also -1
            3 => all >> 1,                      // INT_MAX of the width
            4 => (all >> 1) + 1,                // INT_MIN of the width
            5 => (ulong)len,                    // the input length
            6 => (ulong)len + 1,                // just past the end
            7 => (ulong)(len - pos),            // what remains from here
            8 => (ulong)(len - pos) + 1,
            9 => 0xFFFFFFFFUL,
            10 => 0x7FFFFFFFUL,
            11 => (ulong)len - 1,
            12 => 0x100000000UL,
            13 => 0x0FFFFFFFUL,                 // large but allocatable: what a missing guard would allocate
            14 => 0x3FFFFFF0UL,
            _ => random,
        };
        return v & all;
    }

    private static (byte[], string) SetInt(Mutation m, byte[] d, int tailBias)
    {
        int width = (int)(m.B % 4) switch { 0 => 1, 1 => 2, 2 => 4, _ => 8 };
        if (d.Length < width)
            return (d, $"setint{width * 8} skipped (input {d.Length} bytes)");
        var c = (byte[])d.Clone();
        int p = Pos(m.A, m.C, c.Length - width + 1, tailBias);
        if ((m.C >> 20) % 2 == 0)
            p -= p % width; // aligned, as most length fields are
        bool be = (m.D >> 40) % 2 == 0;
        ulong v = Extreme(m.D, m.A ^ m.B, d.Length, p, width);
        var span = c.AsSpan(p, width);
        switch (width)
        {
            case 1: span[0] = (byte)v; break;
            case 2: if (be) BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)v); else BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)v); break;
            case 4: if (be) BinaryPrimitives.WriteUInt32BigEndian(span, (uint)v); else BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)v); break;
            default: if (be) BinaryPrimitives.WriteUInt64BigEndian(span, v); else BinaryPrimitives.WriteUInt64LittleEndian(span, v); break;
        }
        return (c, $"setint{width * 8}{(be ? "be" : "le")} @{p} = 0x{v:x}");
    }

    private static (byte[], string) Splice(Mutation m, byte[] d, IReadOnlyList<FuzzSeed> seeds, IReadOnlyList<byte[]> t)
    {
        var other = seeds[(int)(m.A % (ulong)seeds.Count)];
        int cutA = d.Length == 0 ? 0 : (int)(m.B % (ulong)(d.Length + 1));
        int cutB = other.Data.Length == 0 ? 0 : (int)(m.C % (ulong)(other.Data.Length + 1));
        var c = new byte[cutA + other.Data.Length - cutB];
        d.AsSpan(0, cutA).CopyTo(c);
        other.Data.AsSpan(cutB).CopyTo(c.AsSpan(cutA));
        return (c, $"splice [0,{cutA}) + {other.Name}[{cutB},..)");
    }

    private static (int Start, int Len) Chunk(Mutation m, int length)
    {
        int start = (int)(m.A % (ulong)length);
        int max = Math.Min(length - start, (m.C % 4) == 0 ? 4096 : 64);
        int len = 1 + (int)(m.B % (ulong)max);
        return (start, len);
    }

    private static (byte[], string) Duplicate(Mutation m, byte[] d, IReadOnlyList<FuzzSeed> s, IReadOnlyList<byte[]> t)
    {
        if (d.Length == 0)
            return (d, "dup on empty");
        var (start, len) = Chunk(m, d.Length);
        int at = (int)(m.D % (ulong)(d.Length + 1));
        var c = new byte[d.Length + len];
        d.AsSpan(0, at).CopyTo(c);
        d.AsSpan(start, len).CopyTo(c.AsSpan(at));
        d.AsSpan(at).CopyTo(c.AsSpan(at + len));
        return (c, $"dup [{start},+{len}) at {at}");
    }

    private static (byte[], string) Remove(Mutation m, byte[] d, IReadOnlyList<FuzzSeed> s, IReadOnlyList<byte[]> t)
    {
        if (d.Length == 0)
            return (d, "remove on empty");
        var (start, len) = Chunk(m, d.Length);
        var c = new byte[d.Length - len];
        d.AsSpan(0, start).CopyTo(c);
        d.AsSpan(start + len).CopyTo(c.AsSpan(start));
        return (c, $"remove [{start},+{len})");
    }

    private static (byte[], string) InsertJunk(Mutation m, byte[] d, IReadOnlyList<FuzzSeed> s, IReadOnlyList<byte[]> t)
    {
        int at = (int)(m.A % (ulong)(d.Length + 1));
        int len = 1 + (int)(m.B % 16);
        var junk = new byte[len];
        var r = new System.Random((int)m.C);
        r.NextBytes(junk);
        var c = new byte[d.Length + len];
        d.AsSpan(0, at).CopyTo(c);
        junk.CopyTo(c, at);
        d.AsSpan(at).CopyTo(c.AsSpan(at + len));
        return (c, $"insert {len} random bytes (seed {(int)m.C}) at {at}");
    }

    private static (byte[], string) TokenOverwrite(Mutation m, byte[] d, IReadOnlyList<FuzzSeed> s, IReadOnlyList<byte[]> tokens)
    {
        var tok = tokens[(int)(m.A % (ulong)tokens.Count)];
        int at = (int)(m.B % (ulong)(d.Length + 1));
        bool insert = m.C % 2 == 0;
        var c = new byte[insert ? d.Length + tok.Length : Math.Max(d.Length, at + tok.Length)];
        d.AsSpan(0, at).CopyTo(c);
        tok.CopyTo(c, at);
        if (insert)
            d.AsSpan(at).CopyTo(c.AsSpan(at + tok.Length));
        else if (at + tok.Length < d.Length)
            d.AsSpan(at + tok.Length).CopyTo(c.AsSpan(at + tok.Length));
        return (c, $"{(insert ? "insert" : "overwrite")} token '{Printable(tok)}' at {at}");
    }

    // Replaces one occurrence of a token already in the data by another token: keeps the rest of
    // the structure intact, which byte noise rarely does for text formats.
    private static (byte[], string) TokenSwap(Mutation m, byte[] d, IReadOnlyList<FuzzSeed> s, IReadOnlyList<byte[]> tokens)
    {
        // The first token (from a random start) that occurs in the data; one of its first
        // occurrences is replaced.
        for (int t = 0; t < tokens.Count; t++)
        {
            var old = tokens[(int)((m.C + (ulong)t) % (ulong)tokens.Count)];
            if (old.Length == 0)
                continue;
            var hits = new List<int>();
            int from = 0, found;
            while (hits.Count < 256 && (found = d.AsSpan(from).IndexOf(old)) >= 0)
            {
                hits.Add(from + found);
                from += found + old.Length;
            }
            if (hits.Count == 0)
                continue;
            int at = hits[(int)(m.A % (ulong)hits.Count)];
            var repl = tokens[(int)(m.B % (ulong)tokens.Count)];
            var c = new byte[d.Length - old.Length + repl.Length];
            d.AsSpan(0, at).CopyTo(c);
            repl.CopyTo(c, at);
            d.AsSpan(at + old.Length).CopyTo(c.AsSpan(at + repl.Length));
            return (c, $"swap token '{Printable(old)}' at {at} -> '{Printable(repl)}'");
        }
        return TokenOverwrite(m, d, s, tokens);
    }

    private static string Printable(byte[] tok)
    {
        var sb = new StringBuilder();
        foreach (var b in tok.Take(40))
            sb.Append(b is >= 0x20 and < 0x7F and not (byte)'\'' ? (char)b : $"\\x{b:x2}");
        return sb.ToString();
    }
}
