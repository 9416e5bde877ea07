using Arbor.Ostree.GVariant;
using FsCheck;
using FsCheck.Fluent;

namespace Arbor.Ostree.Tests.GVariant;

public class GVariantPropertyTests
{
    private static Config Quick(int tests) => Config.QuickThrowOnFailure.WithMaxTest(tests).WithQuietOnSuccess(true);

    private static void Check(Arbitrary<GVariantValue> arb, int tests, Action<GVariantValue> body) =>
        Prop.ForAll(arb, v =>
        {
            try
            {
                body(v);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"failed for {GVariantGen.Describe(v)}: {e.Message}", e);
            }
        }).Check(Quick(tests));

    [Fact]
    public void Serialize_then_read_gives_back_the_same_value()
    {
        Check(GVariantGen.Arb(depth: 4, size: 8), 400, v =>
        {
            var data = v.Serialize();
            var view = new GVariantView(v.Type, data);
            var back = view.ToValue();
            Assert.Equal(v, back);
            Assert.Equal(data, back.Serialize());
        });
    }

    [Fact]
    public void Fixed_size_types_serialize_to_exactly_their_size()
    {
        var arb = GVariantGen.Type(3).Where(t => t.IsFixedSize).SelectMany(t => GVariantGen.Value(t, 4)).ToArbitrary();
        Check(arb, 200, v =>
        {
            Assert.Equal(v.Type.FixedSize, v.Serialize().Length);
            Assert.Equal(0, v.Type.FixedSize % v.Type.Alignment);
        });
    }

    [Fact]
    public void Values_survive_boxing_and_misaligned_embedding()
    {
        // A leading byte shifts the value off its natural alignment inside the tuple, so padding
        // and offsets are exercised relative to the container, not the buffer.
        Check(GVariantGen.Arb(depth: 3, size: 6), 300, v =>
        {
            var boxed = GVariantValue.Tuple(new GVNumber('y', 0x7a), GVariantValue.Box(v), v, new GVNumber('y', 0x7b));
            var data = boxed.Serialize();
            var view = new GVariantView(boxed.Type, data);
            Assert.Equal(boxed, view.ToValue());
            Assert.Equal(v, view[1].GetVariant().ToValue());
            Assert.Equal(v.Type, view[1].GetVariant().Type);
            Assert.Equal(v, view[2].ToValue());
            Assert.Equal(0x7b, view[3].GetByte());
        });
    }

    [Fact]
    public void Children_of_arrays_and_tuples_are_addressable_one_by_one()
    {
        var arb = GVariantGen.Type(3).Where(t => t.Kind is 'a' or '(').SelectMany(t => GVariantGen.Value(t, 8)).ToArbitrary();
        Check(arb, 200, v =>
        {
            var view = new GVariantView(v.Type, v.Serialize());
            IReadOnlyList<GVariantValue> items = v switch
            {
                GVArray a => a.Items,
                GVTuple t => t.Members,
                GVBytes b => [.. b.Value.ToArray().Select(x => (GVariantValue)new GVNumber('y', x))],
                _ => throw new InvalidOperationException(),
            };
            Assert.Equal(items.Count, view.ChildCount);
            for (int i = 0; i < items.Count; i++)
                Assert.Equal(items[i], view[i].ToValue());
            Assert.Equal(items.Count, view.Children().Count());
        });
    }

    [Fact]
    public void Large_containers_use_wide_framing_offsets_and_read_back()
    {
        // Arrays of tuples and dictionaries big enough that their framing offsets need 2 bytes,
        // sometimes 4 (bodies above 64 KiB from large byte-string payloads).
        var entry = GVariantGen.Text(300).SelectMany(k =>
            Gen.Frequency(
                (8, Gen.Choose(0, 400)),
                (1, Gen.Choose(60_000, 70_000))).Select(n =>
                    (GVariantValue)new GVDictEntry(GVariantValue.Str(k), GVariantValue.Box(GVariantValue.Bytes(new byte[n])))));
        var dict = Gen.Choose(1, 60).SelectMany(n => Gen.ListOf(entry, n))
            .Select(es => (GVariantValue)new GVArray(GVariantType.Parse("{sv}"), [.. es]));
        var tuples = Gen.Choose(100, 600).SelectMany(n => Gen.ListOf(
                GVariantGen.Value(GVariantType.Parse("(say(tu)as)"), 6), n))
            .Select(ts => (GVariantValue)new GVArray(GVariantType.Parse("(say(tu)as)"), [.. ts]));
        // A dictionary of one short entry is small enough for 1-byte offsets; those are covered
        // elsewhere, so only values past the 1-byte limit are kept.
        var arb = Gen.OneOf(dict, tuples).Where(v => v.Serialize().Length > byte.MaxValue).ToArbitrary();
        Check(arb, 25, v =>
        {
            var data = v.Serialize();
            Assert.True(data.Length > byte.MaxValue);
            Assert.Equal(v, new GVariantView(v.Type, data).ToValue());
        });
    }

    [Fact]
    public void Truncated_data_raises_GVariantFormatException_or_reads_cleanly()
    {
        var arb = GVariantGen.AnyValue(3, 6).SelectMany(v =>
        {
            var data = v.Serialize();
            return Gen.Choose(0, Math.Max(0, data.Length - 1)).Select(cut => (v, data.AsMemory(0, cut)));
        }).ToArbitrary();
        Prop.ForAll(arb, c => ReadEverything(c.v.Type, c.Item2, c.v)).Check(Quick(400));
    }

    [Fact]
    public void Corrupted_data_raises_GVariantFormatException_or_reads_cleanly()
    {
        var arb = GVariantGen.AnyValue(3, 6).Where(v => v.Serialize().Length > 0).SelectMany(v =>
        {
            var data = v.Serialize();
            return Gen.Three(Gen.Choose(0, data.Length - 1)).SelectMany(pos =>
                Gen.Three(Gen.Choose(0, 255)).Select(val =>
                {
                    var copy = (byte[])data.Clone();
                    copy[pos.Item1] = (byte)val.Item1;
                    copy[pos.Item2] = (byte)val.Item2;
                    // Framing offsets live at the end; hit them more often.
                    copy[data.Length - 1 - (pos.Item3 % Math.Min(4, data.Length))] = (byte)val.Item3;
                    return (v, copy);
                }));
        }).ToArbitrary();
        Prop.ForAll(arb, c => ReadEverything(c.v.Type, c.copy, c.v)).Check(Quick(600));
    }

    private static void ReadEverything(GVariantType type, ReadOnlyMemory<byte> data, GVariantValue original)
    {
        try
        {
            var view = new GVariantView(type, data);
            view.ToValue();
            if (type.Kind is 'a' or '(' or '{' or 'm')
            {
                foreach (var child in view.Children())
                    child.ToValue();
            }
        }
        catch (GVariantFormatException)
        {
            // the expected way to fail
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"{e.GetType().Name} instead of GVariantFormatException reading {type.Signature} " +
                $"from {Convert.ToHexStringLower(data.Span)} (original {GVariantGen.Describe(original)}): {e.Message}", e);
        }
    }
}
