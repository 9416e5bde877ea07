// bsdiff/bspatch in the stream form ostree embeds in delta parts (the library form of the bsdiff
// ostree vendors, without the "ENDSLEY/BSDIFF43" file header and without bzip2): a sequence of
// records, each 24 bytes of control (three 8-byte sign-magnitude little-endian integers: diff
// length, extra length, old-position adjustment) followed by `diff` bytes (new minus old,
// bytewise) and `extra` bytes (new data). The patch ends when the new file is complete.
// Diff builds a suffix array of the old file (Larsson–Sadakane qsufsort) and greedily extends
// approximate matches, as Colin Percival's bsdiff does; Patch is the inverse.
using System.Buffers.Binary;

namespace Arbor.Ostree.Deltas;

/// <summary>Binary diff and patch in ostree's embedded bsdiff stream format.</summary>
public static class Bsdiff
{
    /// <summary>Computes a patch turning <paramref name="old"/> into <paramref name="new"/>.</summary>
    public static byte[] Diff(ReadOnlySpan<byte> old, ReadOnlySpan<byte> @new)
    {
        var output = new MemoryStream(@new.Length / 4 + 64);
        int oldsize = old.Length, newsize = @new.Length;
        var I = SuffixArray(old);
        int scan = 0, len = 0, pos = 0, lastscan = 0, lastpos = 0, lastoffset = 0;
        Span<byte> ctrl = stackalloc byte[24];
        byte[] buffer = new byte[Math.Max(newsize, 1)];
        while (scan < newsize)
        {
            int oldscore = 0;
            int scsc;
            for (scsc = scan += len; scan < newsize; scan++)
            {
                len = Search(I, old, @new[scan..], 0, oldsize, out pos);
                for (; scsc < scan + len; scsc++)
                    if (scsc + lastoffset < oldsize && old[scsc + lastoffset] == @new[scsc])
                        oldscore++;
                if ((len == oldscore && len != 0) || len > oldscore + 8)
                    break;
                if (scan + lastoffset < oldsize && old[scan + lastoffset] == @new[scan])
                    oldscore--;
            }
            if (len != oldscore || scan == newsize)
            {
                int s = 0, sf = 0, lenf = 0;
                for (int i = 0; lastscan + i < scan && lastpos + i < oldsize;)
                {
                    if (old[lastpos + i] == @new[lastscan + i])
                        s++;
                    i++;
                    if (s * 2 - i > sf * 2 - lenf)
                    {
                        sf = s;
                        lenf = i;
                    }
                }
                int lenb = 0;
                if (scan < newsize)
                {
                    s = 0;
                    int sb = 0;
                    for (int i = 1; scan >= lastscan + i && pos >= i; i++)
                    {
                        if (old[pos - i] == @new[scan - i])
                            s++;
                        if (s * 2 - i > sb * 2 - lenb)
                        {
                            sb = s;
                            lenb = i;
                        }
                    }
                }
                if (lastscan + lenf > scan - lenb)
                {
                    int overlap = lastscan + lenf - (scan - lenb);
                    s = 0;
                    int ss = 0, lens = 0;
                    for (int i = 0; i < overlap; i++)
                    {
                        if (@new[lastscan + lenf - overlap + i] == old[lastpos + lenf - overlap + i])
                            s++;
                        if (@new[scan - lenb + i] == old[pos - lenb + i])
                            s--;
                        if (s > ss)
                        {
                            ss = s;
                            lens = i + 1;
                        }
                    }
                    lenf += lens - overlap;
                    lenb -= lens;
                }
                int extra = scan - lenb - (lastscan + lenf);
                WriteOff(ctrl, lenf);
                WriteOff(ctrl[8..], extra);
                WriteOff(ctrl[16..], pos - lenb - (lastpos + lenf));
                output.Write(ctrl);
                for (int i = 0; i < lenf; i++)
                    buffer[i] = (byte)(@new[lastscan + i] - old[lastpos + i]);
                output.Write(buffer, 0, lenf);
                output.Write(@new.Slice(lastscan + lenf, extra));
                lastscan = scan - lenb;
                lastpos = pos - lenb;
                lastoffset = pos - scan;
            }
        }
        return output.ToArray();
    }

    /// <summary>Applies <paramref name="patch"/> to <paramref name="old"/>, producing exactly <paramref name="newSize"/> bytes.</summary>
    /// <exception cref="InvalidDataException">The patch is malformed or too short.</exception>
    public static byte[] Patch(ReadOnlySpan<byte> old, ReadOnlySpan<byte> patch, long newSize)
    {
        if (newSize is < 0 or > int.MaxValue)
            throw new InvalidDataException($"bspatch: invalid new size {newSize}");
        // Every output byte is a diff or extra byte of the patch: a larger size is corrupt, and
        // would otherwise be allocated before the first control block is read.
        if (newSize > patch.Length)
            throw new InvalidDataException($"bspatch: new size {newSize} is more than a {patch.Length}-byte patch can produce");
        var result = new byte[newSize];
        long oldpos = 0, newpos = 0;
        int p = 0;
        while (newpos < newSize)
        {
            if (patch.Length - p < 24)
                throw new InvalidDataException("bsdiff patch failed: truncated control block");
            long c0 = ReadOff(patch[p..]), c1 = ReadOff(patch[(p + 8)..]), c2 = ReadOff(patch[(p + 16)..]);
            p += 24;
            if (c0 < 0 || c0 > int.MaxValue || c1 < 0 || c1 > int.MaxValue || newpos + c0 > newSize)
                throw new InvalidDataException("bsdiff patch failed: control data out of range");
            if (patch.Length - p < c0)
                throw new InvalidDataException("bsdiff patch failed: truncated diff block");
            var dst = result.AsSpan((int)newpos, (int)c0);
            patch.Slice(p, (int)c0).CopyTo(dst);
            p += (int)c0;
            for (int i = 0; i < c0; i++)
            {
                long o = oldpos + i;
                if (o >= 0 && o < old.Length)
                    dst[i] += old[(int)o];
            }
            newpos += c0;
            oldpos += c0;
            if (newpos + c1 > newSize)
                throw new InvalidDataException("bsdiff patch failed: extra block out of range");
            if (patch.Length - p < c1)
                throw new InvalidDataException("bsdiff patch failed: truncated extra block");
            patch.Slice(p, (int)c1).CopyTo(result.AsSpan((int)newpos, (int)c1));
            p += (int)c1;
            newpos += c1;
            oldpos += c2;
        }
        return result;
    }

    private static void WriteOff(Span<byte> buf, long x)
    {
        ulong y = x < 0 ? (ulong)(-x) | 0x8000000000000000UL : (ulong)x;
        BinaryPrimitives.WriteUInt64LittleEndian(buf, y);
    }

    private static long ReadOff(ReadOnlySpan<byte> buf)
    {
        ulong y = BinaryPrimitives.ReadUInt64LittleEndian(buf);
        long v = (long)(y & 0x7FFFFFFFFFFFFFFFUL);
        return (y & 0x8000000000000000UL) != 0 ? -v : v;
    }

    private static int MatchLen(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int n = Math.Min(a.Length, b.Length);
        int m = a[..n].CommonPrefixLength(b[..n]);
        return m;
    }

    private static int Search(int[] I, ReadOnlySpan<byte> old, ReadOnlySpan<byte> @new, int st, int en, out int pos)
    {
        while (en - st >= 2)
        {
            int x = st + (en - st) / 2;
            var o = old[I[x]..];
            int n = Math.Min(o.Length, @new.Length);
            if (o[..n].SequenceCompareTo(@new[..n]) < 0)
                st = x;
            else
                en = x;
        }
        int a = MatchLen(old[I[st]..], @new);
        int b = MatchLen(old[I[en]..], @new);
        if (a > b)
        {
            pos = I[st];
            return a;
        }
        pos = I[en];
        return b;
    }

    /// <summary>The suffix array of <paramref name="old"/> (with the empty suffix first), by qsufsort.</summary>
    internal static int[] SuffixArray(ReadOnlySpan<byte> old)
    {
        int n = old.Length;
        var I = new int[n + 1];
        var V = new int[n + 1];
        Span<int> buckets = stackalloc int[256];
        buckets.Clear();
        for (int i = 0; i < n; i++)
            buckets[old[i]]++;
        for (int i = 1; i < 256; i++)
            buckets[i] += buckets[i - 1];
        for (int i = 255; i > 0; i--)
            buckets[i] = buckets[i - 1];
        buckets[0] = 0;
        for (int i = 0; i < n; i++)
            I[++buckets[old[i]]] = i;
        I[0] = n;
        for (int i = 0; i < n; i++)
            V[i] = buckets[old[i]];
        V[n] = 0;
        for (int i = 1; i < 256; i++)
            if (buckets[i] == buckets[i - 1] + 1)
                I[buckets[i]] = -1;
        I[0] = -1;
        for (int h = 1; I[0] != -(n + 1); h += h)
        {
            int len = 0, i;
            for (i = 0; i < n + 1;)
            {
                if (I[i] < 0)
                {
                    len -= I[i];
                    i -= I[i];
                }
                else
                {
                    if (len != 0)
                        I[i - len] = -len;
                    len = V[I[i]] + 1 - i;
                    Split(I, V, i, len, h);
                    i += len;
                    len = 0;
                }
            }
            if (len != 0)
                I[i - len] = -len;
        }
        for (int i = 0; i < n + 1; i++)
            I[V[i]] = i;
        return I;
    }

    private static void Split(int[] I, int[] V, int start, int len, int h)
    {
        while (true)
        {
            if (len < 16)
            {
                int j;
                for (int k = start; k < start + len; k += j)
                {
                    j = 1;
                    int x = V[I[k] + h];
                    for (int i = 1; k + i < start + len; i++)
                    {
                        int vi = V[I[k + i] + h];
                        if (vi < x)
                        {
                            x = vi;
                            j = 0;
                        }
                        if (vi == x)
                        {
                            (I[k + j], I[k + i]) = (I[k + i], I[k + j]);
                            j++;
                        }
                    }
                    for (int i = 0; i < j; i++)
                        V[I[k + i]] = k + j - 1;
                    if (j == 1)
                        I[k] = -1;
                }
                return;
            }
            int pivot = V[I[start + len / 2] + h];
            int jj = 0, kk = 0;
            for (int i = start; i < start + len; i++)
            {
                int v = V[I[i] + h];
                if (v < pivot)
                    jj++;
                if (v == pivot)
                    kk++;
            }
            jj += start;
            kk += jj;
            {
                int i = start, j = 0, k = 0;
                while (i < jj)
                {
                    int v = V[I[i] + h];
                    if (v < pivot)
                        i++;
                    else if (v == pivot)
                    {
                        (I[i], I[jj + j]) = (I[jj + j], I[i]);
                        j++;
                    }
                    else
                    {
                        (I[i], I[kk + k]) = (I[kk + k], I[i]);
                        k++;
                    }
                }
                while (jj + j < kk)
                {
                    if (V[I[jj + j] + h] == pivot)
                        j++;
                    else
                    {
                        (I[jj + j], I[kk + k]) = (I[kk + k], I[jj + j]);
                        k++;
                    }
                }
            }
            if (jj > start)
                Split(I, V, start, jj - start, h);
            for (int i = 0; i < kk - jj; i++)
                V[I[jj + i]] = kk - 1;
            if (jj == kk - 1)
                I[jj] = -1;
            if (start + len > kk)
            {
                // Tail call on the upper part.
                len = start + len - kk;
                start = kk;
                continue;
            }
            return;
        }
    }
}
