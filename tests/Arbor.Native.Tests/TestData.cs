// Inputs shared by the compression tests.
namespace Arbor.Native.Tests;

internal static class TestData
{
    /// <summary>Bytes that compress partly: runs of a few letters between random stretches.</summary>
    public static byte[] Compressible(int n, int seed)
    {
        var rng = new Random(seed);
        var b = new byte[n];
        for (int i = 0; i < n; i++)
            b[i] = (byte)(i % 89 < 50 ? 'a' + i % 11 : rng.Next(256));
        return b;
    }
}
