// ostree builds several a{sv} dictionaries through glib's GVariantDict: the summary's metadata and
// its per-ref metadata, the "ostree.static-deltas" maps in summaries and delta indexes, and detached
// metadata whenever a signature is appended or removed. A GVariantDict is a GHashTable keyed with
// g_str_hash, and g_variant_dict_end emits the entries in bucket order — neither insertion nor
// sorted order, and it changes with the keys (commit checksums). To write the same bytes as ostree
// this type replays the table: the same string hash, bucket index (hash * 11 mod a prime),
// quadratic probing, tombstones, growth/shrink thresholds and the in-place rehash that glib 2.74
// uses. It is checked entry for entry against the real libglib in the interop tests.
using System.Text;

namespace Arbor.Ostree.GVariant;

/// <summary>An <c>a{sv}</c> under construction whose entries come out in the order glib's GVariantDict emits them.</summary>
public sealed class GVariantDict
{
    private const int MinShift = 3;
    private const uint Unused = 0, Tombstone = 1;

    // glib's prime_mod table: the modulus used for a table of 1 << shift buckets.
    private static readonly int[] PrimeMod =
    [
        1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071, 262139,
        524287, 1048573, 2097143, 4194301, 8388593, 16777213, 33554393, 67108859, 134217689, 268435399,
        536870909, 1073741789, 2147483647,
    ];

    private uint[] _hashes;
    private string?[] _keys;
    private GVariantValue?[] _values;
    private int _size, _mod;
    private uint _mask;
    private int _nodes, _occupied;

    /// <summary>An empty dictionary (<c>g_variant_dict_init (dict, NULL)</c>).</summary>
    public GVariantDict()
    {
        SetShift(MinShift);
        _hashes = new uint[_size];
        _keys = new string?[_size];
        _values = new GVariantValue?[_size];
    }

    /// <summary>A dictionary filled from existing entries in their order (<c>g_variant_dict_init (dict, asv)</c>).</summary>
    public GVariantDict(IEnumerable<KeyValuePair<string, GVariantValue>> entries)
        : this()
    {
        foreach (var (k, v) in entries)
            Insert(k, v);
    }

    /// <summary>Number of entries.</summary>
    public int Count => _nodes;

    /// <summary>glib's <c>g_str_hash</c> (djb2 over the UTF-8 bytes as signed chars).</summary>
    public static uint StrHash(string key)
    {
        uint h = 5381;
        Span<byte> buffer = key.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        int n = Encoding.UTF8.GetBytes(key, buffer);
        foreach (var b in buffer[..n])
            h = (h << 5) + h + (uint)(sbyte)b;
        return h;
    }

    /// <summary>Sets <paramref name="key"/>, replacing the value (but not the position) of an existing entry.</summary>
    public void Insert(string key, GVariantValue value)
    {
        uint hash = RealHash(key);
        int index = LookupForInsertion(key, hash);
        uint old = _hashes[index];
        if (old > Tombstone)
        {
            _values[index] = value;
            return;
        }
        _hashes[index] = hash;
        _keys[index] = key;
        _values[index] = value;
        _nodes++;
        if (old == Unused)
        {
            _occupied++;
            MaybeResize();
        }
    }

    /// <summary>Removes <paramref name="key"/>; false when it was not there.</summary>
    public bool Remove(string key)
    {
        int index = Lookup(key, RealHash(key));
        if (_hashes[index] <= Tombstone)
            return false;
        _hashes[index] = Tombstone;
        _keys[index] = null;
        _values[index] = null;
        _nodes--;
        MaybeResize();
        return true;
    }

    /// <summary>The value under <paramref name="key"/>.</summary>
    public bool TryGetValue(string key, out GVariantValue value)
    {
        int index = Lookup(key, RealHash(key));
        value = _hashes[index] > Tombstone ? _values[index]! : null!;
        return _hashes[index] > Tombstone;
    }

    /// <summary>The entries in the order <c>g_variant_dict_end</c> emits them.</summary>
    public List<KeyValuePair<string, GVariantValue>> End()
    {
        var list = new List<KeyValuePair<string, GVariantValue>>(_nodes);
        for (int i = 0; i < _size; i++)
        {
            if (_hashes[i] > Tombstone)
                list.Add(new(_keys[i]!, _values[i]!));
        }
        return list;
    }

    /// <summary>The <c>a{sv}</c> value <c>g_variant_dict_end</c> returns.</summary>
    public GVArray ToValue() =>
        new(GVariantType.Parse("{sv}"), End().Select(e => (GVariantValue)new GVDictEntry(GVariantValue.Str(e.Key), new GVVariant(e.Value))).ToArray());

    private static uint RealHash(string key)
    {
        uint h = StrHash(key);
        return h <= Tombstone ? 2 : h;
    }

    private uint HashToIndex(uint hash) => unchecked(hash * 11) % (uint)_mod;

    private int Lookup(string key, uint hash)
    {
        uint index = HashToIndex(hash);
        uint step = 0;
        while (_hashes[index] != Unused)
        {
            if (_hashes[index] == hash && string.Equals(_keys[index], key, StringComparison.Ordinal))
                return (int)index;
            step++;
            index = (index + step) & _mask;
        }
        return (int)index;
    }

    private int LookupForInsertion(string key, uint hash)
    {
        uint index = HashToIndex(hash);
        uint step = 0;
        int firstTombstone = -1;
        while (_hashes[index] != Unused)
        {
            if (_hashes[index] == hash && string.Equals(_keys[index], key, StringComparison.Ordinal))
                return (int)index;
            if (_hashes[index] == Tombstone && firstTombstone < 0)
                firstTombstone = (int)index;
            step++;
            index = (index + step) & _mask;
        }
        return firstTombstone >= 0 ? firstTombstone : (int)index;
    }

    private void SetShift(int shift)
    {
        _size = 1 << shift;
        _mod = PrimeMod[shift];
        _mask = (uint)_size - 1;
    }

    private void MaybeResize()
    {
        if ((_size > _nodes * 4 && _size > 1 << MinShift) || _size <= _occupied + (_occupied / 16))
            Resize();
    }

    private void Resize()
    {
        int oldSize = _size;
        int target = (int)(_nodes * 1.333);
        int shift = 0;
        for (int n = target; n != 0; n >>= 1)
            shift++;
        SetShift(Math.Max(shift, MinShift));
        if (_size > oldSize)
        {
            Array.Resize(ref _hashes, _size);
            Array.Resize(ref _keys, _size);
            Array.Resize(ref _values, _size);
        }
        var relocated = new bool[Math.Max(_size, oldSize)];
        // In-place rehash: each live entry moves to the first bucket of its probe sequence not yet
        // claimed in this pass, evicting whatever sat there, which then continues the chain.
        for (int i = 0; i < oldSize; i++)
        {
            uint nodeHash = _hashes[i];
            if (nodeHash <= Tombstone)
            {
                _hashes[i] = Unused;
                continue;
            }
            if (relocated[i])
                continue;
            _hashes[i] = Unused;
            var key = _keys[i];
            var value = _values[i];
            _keys[i] = null;
            _values[i] = null;
            while (true)
            {
                uint index = HashToIndex(nodeHash);
                uint step = 0;
                while (relocated[index])
                {
                    step++;
                    index = (index + step) & _mask;
                }
                relocated[index] = true;
                uint replaced = _hashes[index];
                _hashes[index] = nodeHash;
                if (replaced <= Tombstone)
                {
                    _keys[index] = key;
                    _values[index] = value;
                    break;
                }
                nodeHash = replaced;
                (_keys[index], key) = (key, _keys[index]);
                (_values[index], value) = (value, _values[index]);
            }
        }
        if (_size < oldSize)
        {
            Array.Resize(ref _hashes, _size);
            Array.Resize(ref _keys, _size);
            Array.Resize(ref _values, _size);
        }
        _occupied = _nodes;
    }
}
