// glibc's strverscmp, which libostree uses to order BLS entries by their "version" key: digit
// runs compare as numbers, runs with leading zeros as fractions. A faithful port of the state
// machine so that ordering matches for every input, not only plain integers.
using System.Text;

namespace Arbor.Ostree.Sysroot;

/// <summary>Version string comparison.</summary>
public static class VersionCompare
{
    private const int SN = 0, SI = 3, SF = 6, SZ = 9, Cmp = 2, Len = 3;

    private static readonly int[] NextState =
    [
        SN, SI, SZ,
        SN, SI, SI,
        SN, SF, SF,
        SN, SF, SZ,
    ];

    private static readonly int[] ResultType =
    [
        Cmp, Cmp, Cmp, Cmp, Len, Cmp, Cmp, Cmp, Cmp,
        Cmp, -1, -1, +1, Len, Len, +1, Len, Len,
        Cmp, Cmp, Cmp, Cmp, Cmp, Cmp, Cmp, Cmp, Cmp,
        Cmp, +1, +1, -1, Cmp, Cmp, -1, Cmp, Cmp,
    ];

    /// <summary>Compares like <c>strverscmp(3)</c>: negative, zero or positive.</summary>
    public static int StrVersCmp(string a, string b)
    {
        var p1 = Encoding.UTF8.GetBytes(a + "\0");
        var p2 = Encoding.UTF8.GetBytes(b + "\0");
        int i1 = 0, i2 = 0;
        int c1 = p1[i1++], c2 = p2[i2++];
        int state = SN + Class(c1);
        int diff;
        while ((diff = c1 - c2) == 0)
        {
            if (c1 == 0)
                return 0;
            state = NextState[state];
            c1 = p1[i1++];
            c2 = p2[i2++];
            state += Class(c1);
        }
        state = ResultType[state * 3 + Class(c2)];
        switch (state)
        {
            case Cmp:
                return diff;
            case Len:
                while (IsDigit(p1[i1++]))
                {
                    if (!IsDigit(p2[i2++]))
                        return 1;
                }
                return IsDigit(p2[i2]) ? -1 : diff;
            default:
                return state;
        }
    }

    private static bool IsDigit(int c) => c is >= '0' and <= '9';

    private static int Class(int c) => (c == '0' ? 1 : 0) + (IsDigit(c) ? 1 : 0);
}
