// Fixed vectors taken from libglib-2.0 2.74 (g_str_hash and a g_str_hash GHashTable filled in this
// order); the interop suite compares against the live library on random inputs.
using Arbor.Ostree.GVariant;

namespace Arbor.Ostree.Tests.GVariant;

public sealed class GVariantDictTests
{
    [Theory]
    [InlineData("ostree.static-deltas", 2510837495u)]
    [InlineData("é€", 58647617u)]
    [InlineData("", 5381u)]
    public void StrHashIsGlibs(string key, uint expected) => Assert.Equal(expected, GVariantDict.StrHash(key));

    [Fact]
    public void EntriesComeOutInGlibBucketOrderAfterGrowth()
    {
        string[] inserted =
        [
            "ostree.summary.last-modified", "ostree.summary.mode", "ostree.summary.tombstone-commits",
            "ostree.summary.indexed-deltas", "ostree.static-deltas", "a", "b", "c", "d", "e",
        ];
        var dict = new GVariantDict();
        foreach (var k in inserted)
            dict.Insert(k, GVariantValue.Str(k));
        string[] glib =
        [
            "ostree.summary.tombstone-commits", "b", "a", "ostree.summary.indexed-deltas", "ostree.static-deltas",
            "ostree.summary.last-modified", "ostree.summary.mode", "e", "d", "c",
        ];
        Assert.Equal(glib, dict.End().Select(e => e.Key));
    }

    [Fact]
    public void ReplacingKeepsThePositionAndRemovingDropsTheEntry()
    {
        var dict = new GVariantDict([new("x", GVariantValue.Str("1")), new("y", GVariantValue.Str("2"))]);
        var order = dict.End().Select(e => e.Key).ToList();
        dict.Insert("x", GVariantValue.Str("3"));
        Assert.Equal(order, dict.End().Select(e => e.Key));
        Assert.True(dict.TryGetValue("x", out var v));
        Assert.Equal(GVariantValue.Str("3"), v);
        Assert.True(dict.Remove("y"));
        Assert.False(dict.Remove("y"));
        Assert.False(dict.TryGetValue("y", out _));
        Assert.Equal(["x"], dict.End().Select(e => e.Key));
        Assert.Equal(1, dict.Count);
    }
}
