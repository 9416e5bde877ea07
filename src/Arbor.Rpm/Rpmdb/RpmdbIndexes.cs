// The secondary index tables of rpm 4.18's database (lib/rpmdb.c dbiTags, in that order) and the
// keys rpm puts in them for one header (lib/rpmdb.c tag2index, td2key). Each row is (key, hnum,
// idx): idx is the value's position in its tag array, or for file triggers the trigger index. rpm
// skips requires that only matter during install (isTransientReq), adds every trigger name once,
// indexes a missing Group as "Unknown", and for rich dependencies also indexes each package name
// inside them ("!name" for names under a negated condition). String-class tags have TEXT keys,
// the rest (INSTALLTID as a host-order uint32, SIGMD5) BLOB keys (lib/backend/sqlite.c).
using System.Text;
using Arbor.Rpm.Header;
using Arbor.Rpm.Version;

namespace Arbor.Rpm.Rpmdb;

/// <summary>One index table: its name, the tag it indexes, and which sqlite indexes rpm creates on it.</summary>
internal sealed record RpmdbIndex(string Table, int Tag, bool TextKey, bool KeyIndex, bool HnumIndex);

/// <summary>One index row before its header number is known.</summary>
internal readonly record struct IndexKey(byte[] Key, int Idx);

internal static class RpmdbIndexes
{
    private const int TriggerName = 1066, FileTriggerName = 5069, FileTriggerIndex = 5070,
        TransFileTriggerName = 5079, TransFileTriggerIndex = 5080, InstallTid = 1128, SigMd5 = 261, Sha1Header = 269;

    // String tags get a key index; array tags (per-file, per-dependency) also an hnum index.
    public static readonly IReadOnlyList<RpmdbIndex> All =
    [
        new("Name", (int)RpmTag.Name, true, true, false),
        new("Basenames", (int)RpmTag.BaseNames, true, true, true),
        new("Group", (int)RpmTag.Group, true, true, false),
        new("Requirename", (int)RpmTag.RequireName, true, true, true),
        new("Providename", (int)RpmTag.ProvideName, true, true, true),
        new("Conflictname", (int)RpmTag.ConflictName, true, true, true),
        new("Obsoletename", (int)RpmTag.ObsoleteName, true, true, true),
        new("Triggername", TriggerName, true, true, true),
        new("Dirnames", (int)RpmTag.DirNames, true, true, true),
        new("Installtid", InstallTid, false, false, false),
        new("Sigmd5", SigMd5, false, false, false),
        new("Sha1header", Sha1Header, true, true, false),
        new("Filetriggername", FileTriggerName, true, true, true),
        new("Transfiletriggername", TransFileTriggerName, true, true, true),
        new("Recommendname", (int)RpmTag.RecommendName, true, true, true),
        new("Suggestname", (int)RpmTag.SuggestName, true, true, true),
        new("Supplementname", (int)RpmTag.SupplementName, true, true, true),
        new("Enhancename", (int)RpmTag.EnhanceName, true, true, true),
    ];

    private const DependencyFlags InstallOnly = DependencyFlags.ScriptPre | DependencyFlags.ScriptPost | DependencyFlags.RpmLib
        | DependencyFlags.Keyring | DependencyFlags.PreTrans | DependencyFlags.PostTrans;
    private const DependencyFlags EraseOnly = DependencyFlags.ScriptPreUn | DependencyFlags.ScriptPostUn;

    /// <summary>rpm's isTransientReq: needed only while installing, so not worth an index row.</summary>
    public static bool IsTransientRequire(DependencyFlags f) =>
        (f & InstallOnly) != 0 && (f & EraseOnly) == 0 && (f & DependencyFlags.Meta) == 0;

    /// <summary>The rows <paramref name="index"/> gets for <paramref name="h"/> (an installed header).</summary>
    public static List<IndexKey> Keys(RpmdbIndex index, RpmHeader h)
    {
        var rows = new List<IndexKey>();
        var e = h.Get(index.Tag);
        if (e == null)
        {
            if (index.Tag == (int)RpmTag.Group)
                rows.Add(new IndexKey(Encoding.UTF8.GetBytes("Unknown"), 0));
            return rows;
        }
        switch (e.Value)
        {
            case uint[] ints:
                for (int i = 0; i < ints.Length; i++)
                {
                    var k = new byte[4];
                    BitConverter.TryWriteBytes(k, ints[i]); // host order, as rpm's td2key hands the value over
                    rows.Add(new IndexKey(k, i));
                }
                return rows;
            case byte[] bytes when e.Type == HeaderType.Bin:
                rows.Add(new IndexKey(bytes, 0));
                return rows;
            case byte[] bytes:
                for (int i = 0; i < bytes.Length; i++)
                    rows.Add(new IndexKey([bytes[i]], i));
                return rows;
        }
        var names = e.Type == HeaderType.I18nString ? [e.AsString() ?? ""] : e.AsStrings();
        long[] flags = index.Tag == (int)RpmTag.RequireName ? h.GetIntegers(RpmTag.RequireFlags) : [];
        long[] triggerIdx = index.Tag switch
        {
            FileTriggerName => h.GetIntegers((RpmTag)FileTriggerIndex),
            TransFileTriggerName => h.GetIntegers((RpmTag)TransFileTriggerIndex),
            _ => [],
        };
        bool fileTrigger = index.Tag is FileTriggerName or TransFileTriggerName;
        for (int i = 0; i < names.Length; i++)
        {
            int idx = fileTrigger ? (i < triggerIdx.Length ? (int)triggerIdx[i] : 0) : i;
            if (index.Tag == (int)RpmTag.RequireName && i < flags.Length && IsTransientRequire((DependencyFlags)(uint)flags[i]))
                continue;
            if (index.Tag == TriggerName && Array.IndexOf(names, names[i], 0, i) >= 0)
                continue;
            rows.Add(new IndexKey(Encoding.UTF8.GetBytes(names[i]), idx));
            if (names[i].StartsWith('(') && e.Type == HeaderType.StringArray && IsDependencyIndex(index.Tag))
                foreach (var inner in RichNames(names[i]))
                    rows.Add(new IndexKey(Encoding.UTF8.GetBytes(inner), idx));
        }
        return rows;
    }

    private static bool IsDependencyIndex(int tag) =>
        tag is (int)RpmTag.RequireName or (int)RpmTag.ConflictName or (int)RpmTag.SuggestName
            or (int)RpmTag.SupplementName or (int)RpmTag.RecommendName or (int)RpmTag.EnhanceName;

    // lib/rpmdb.c updateRichDep: every simple name in the expression except rpmlib() ones, names under
    // an odd number of if/unless conditions prefixed '!', an else branch repeating its condition
    // un-negated; sorted bytewise with the sign character, duplicates dropped.
    private static List<string> RichNames(string text)
    {
        RichDependency tree;
        try
        {
            tree = RichDependency.Parse(text);
        }
        catch (FormatException)
        {
            return []; // rpm indexes only the whole string when the expression does not parse
        }
        var collected = new List<string>();
        Walk(tree, false, collected);
        collected.Sort(StringComparer.Ordinal);
        var result = new List<string>();
        for (int i = 0; i < collected.Count; i++)
        {
            if (i > 0 && collected[i] == collected[i - 1])
                continue;
            result.Add(collected[i][0] == ' ' ? collected[i][1..] : collected[i]);
        }
        return result;
    }

    private static void Walk(RichDependency d, bool neg, List<string> into)
    {
        if (d.Op == RichOp.Simple)
        {
            string n = d.Leaf!.Name;
            if (n.Length > 0 && !(n.Length > 7 && n.StartsWith("rpmlib(", StringComparison.Ordinal)))
                into.Add((neg ? '!' : ' ') + n);
            return;
        }
        if (d.Op is RichOp.If or RichOp.Unless)
        {
            Walk(d.Operands[0], neg, into);
            Walk(d.Operands[1], !neg, into);
            if (d.Operands.Count > 2)
            {
                Walk(d.Operands[1], neg, into);
                Walk(d.Operands[2], neg, into);
            }
            return;
        }
        foreach (var o in d.Operands)
            Walk(o, neg, into);
    }
}
