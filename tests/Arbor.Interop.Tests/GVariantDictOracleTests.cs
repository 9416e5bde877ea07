// GVariantDict replays glib's GHashTable to predict the entry order of the a{sv} dictionaries
// ostree writes. The oracle is the real libglib-2.0 (the one ostree links): the same keys are
// inserted into a g_str_hash table and its iteration order must match ours exactly, across table
// growth, shrinking, replaced values and removals.
using System.Runtime.InteropServices;
using Arbor.Ostree.GVariant;

namespace Arbor.Interop.Tests;

public sealed unsafe partial class GVariantDictOracleTests
{
    private const string Glib = "libglib-2.0.so.0";

    [LibraryImport(Glib)]
    private static partial nint g_hash_table_new(nint hash, nint equal);

    [LibraryImport(Glib)]
    private static partial int g_hash_table_insert(nint table, nint key, nint value);

    [LibraryImport(Glib)]
    private static partial int g_hash_table_remove(nint table, nint key);

    [LibraryImport(Glib)]
    private static partial void g_hash_table_iter_init(void* iter, nint table);

    [LibraryImport(Glib)]
    private static partial int g_hash_table_iter_next(void* iter, nint* key, nint* value);

    [LibraryImport(Glib)]
    private static partial void g_hash_table_unref(nint table);

    private sealed class RealTable : IDisposable
    {
        private readonly nint _table;
        private readonly Dictionary<string, nint> _strings = new(StringComparer.Ordinal);

        public RealTable()
        {
            var lib = NativeLibrary.Load(Glib);
            _table = g_hash_table_new(NativeLibrary.GetExport(lib, "g_str_hash"), NativeLibrary.GetExport(lib, "g_str_equal"));
        }

        private nint Str(string s)
        {
            if (!_strings.TryGetValue(s, out var p))
                _strings[s] = p = Marshal.StringToCoTaskMemUTF8(s);
            return p;
        }

        public void Insert(string key) => g_hash_table_insert(_table, Str(key), 1);

        public void Remove(string key) => g_hash_table_remove(_table, Str(key));

        public List<string> Keys()
        {
            var iter = stackalloc byte[128];
            g_hash_table_iter_init(iter, _table);
            var keys = new List<string>();
            nint k, v;
            while (g_hash_table_iter_next(iter, &k, &v) != 0)
                keys.Add(Marshal.PtrToStringUTF8(k)!);
            return keys;
        }

        public void Dispose()
        {
            g_hash_table_unref(_table);
            foreach (var p in _strings.Values)
                Marshal.FreeCoTaskMem(p);
        }
    }

    private static string RandomKey(Random rnd) => rnd.Next(4) switch
    {
        0 => Convert.ToHexStringLower(rnd.GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 32)),
        1 => $"{Convert.ToHexStringLower(rnd.GetItems<byte>([1, 2, 3, 200], 32))}-{Convert.ToHexStringLower(rnd.GetItems<byte>([7, 9, 11], 32))}",
        2 => "ostree." + new string(rnd.GetItems("abcdefghijklmnopqrstuvwxyz.-".ToCharArray(), rnd.Next(1, 24))),
        _ => string.Concat(rnd.GetItems<string>(["x", "y", "z", "ä", "ö", "€", "😀"], rnd.Next(1, 6))),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void EntryOrderMatchesGlibAcrossGrowthShrinkAndRemoval(int seed)
    {
        var rnd = new Random(seed);
        for (int round = 0; round < 60; round++)
        {
            using var real = new RealTable();
            var mine = new GVariantDict();
            var keys = new List<string>();
            int operations = rnd.Next(1, round < 30 ? 12 : 300);
            for (int op = 0; op < operations; op++)
            {
                if (keys.Count > 0 && rnd.Next(5) == 0)
                {
                    var key = keys[rnd.Next(keys.Count)];
                    real.Remove(key);
                    mine.Remove(key);
                }
                else
                {
                    var key = keys.Count > 0 && rnd.Next(6) == 0 ? keys[rnd.Next(keys.Count)] : RandomKey(rnd);
                    keys.Add(key);
                    real.Insert(key);
                    mine.Insert(key, GVariantValue.Str(key));
                }
                if (op % 7 == 0 || op == operations - 1)
                    Assert.Equal(real.Keys(), mine.End().Select(e => e.Key));
            }
        }
    }
}
