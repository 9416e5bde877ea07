// ostree builds some commit metadata through a GVariantDict (`commit --bootable` passes the whole
// a{sv} through one), and a GVariantDict serializes its entries in the iteration order of GLib's
// GHashTable keyed by g_str_hash. A commit checksum covers that order, so reproducing ostree's
// commit means reproducing the table: djb2 over signed chars, bucket = hash*11 mod a prime,
// quadratic probing within a power-of-two array, growth when 15/16 full with the in-place
// eviction rehash of GLib ≥ 2.60. Keys go in, the order a GVariantDict would emit comes out.
using System.Text;

namespace Arbor.Ostree.Commits;

/// <summary>The order in which a GLib string-keyed GHashTable iterates its keys.</summary>
internal static class GlibHashOrder
{
    private const int MinShift = 3;
    private static readonly uint[] PrimeMod =
        [1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071, 262139, 524287, 1048573];

    /// <summary>g_str_hash: djb2 over the UTF-8 bytes taken as signed chars; 0 and 1 are reserved, so they become 2.</summary>
    internal static uint StrHash(string key)
    {
        uint h = 5381;
        foreach (var b in Encoding.UTF8.GetBytes(key))
            h = unchecked((h << 5) + h + (uint)(sbyte)b);
        return h < 2 ? 2 : h;
    }

    /// <summary>Inserts <paramref name="keys"/> in order (a repeated key keeps its first slot) and returns the iteration order.</summary>
    public static List<string> Order(IEnumerable<string> keys)
    {
        var t = new Table();
        foreach (var k in keys)
            t.Insert(k);
        var result = new List<string>(t.Count);
        for (int i = 0; i < t.Hashes.Length; i++)
        {
            if (t.Hashes[i] >= 2)
                result.Add(t.Keys[i]!);
        }
        return result;
    }

    private sealed class Table
    {
        public uint[] Hashes = new uint[1 << MinShift];
        public string?[] Keys = new string?[1 << MinShift];
        public int Count;
        private int _occupied;
        private uint _mod = PrimeMod[MinShift];
        private uint _mask = (1 << MinShift) - 1;

        private uint Index(uint hash) => unchecked(hash * 11) % _mod;

        public void Insert(string key)
        {
            uint hash = StrHash(key);
            uint i = Index(hash);
            uint step = 0;
            while (Hashes[i] != 0)
            {
                if (Hashes[i] == hash && Keys[i] == key)
                    return;
                step++;
                i = (i + step) & _mask;
            }
            Hashes[i] = hash;
            Keys[i] = key;
            Count++;
            _occupied++;
            if (Hashes.Length <= _occupied + (_occupied / 16))
                Resize();
        }

        private void Resize()
        {
            int oldSize = Hashes.Length;
            int n = (int)(Count * 1.333), shift = 0;
            while (n != 0)
            {
                n >>= 1;
                shift++;
            }
            shift = Math.Max(shift, MinShift);
            int size = 1 << shift;
            _mod = PrimeMod[shift];
            _mask = (uint)size - 1;
            Array.Resize(ref Hashes, Math.Max(size, oldSize));
            Array.Resize(ref Keys, Math.Max(size, oldSize));
            var placed = new bool[Hashes.Length];
            for (int i = 0; i < oldSize; i++)
            {
                uint nodeHash = Hashes[i];
                if (nodeHash < 2)
                {
                    Hashes[i] = 0;
                    continue;
                }
                if (placed[i])
                    continue;
                Hashes[i] = 0;
                var key = Keys[i];
                Keys[i] = null;
                while (true)
                {
                    uint at = Index(nodeHash), step = 0;
                    while (placed[at])
                    {
                        step++;
                        at = (at + step) & _mask;
                    }
                    placed[at] = true;
                    uint replaced = Hashes[at];
                    Hashes[at] = nodeHash;
                    (Keys[at], key) = (key, Keys[at]);
                    if (replaced < 2)
                        break;
                    nodeHash = replaced;
                }
            }
            if (size < oldSize)
            {
                Array.Resize(ref Hashes, size);
                Array.Resize(ref Keys, size);
            }
        }
    }
}
