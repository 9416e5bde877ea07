using Arbor.Compose.Import;

namespace Arbor.Compose.Tests.Import;

public class FileCapabilitiesTests
{
    // vfs_cap_data revision 2: le32 magic_etc, then (permitted, inheritable) for caps 0-31 and 32-63.
    private static string Hex(string text) => Convert.ToHexStringLower(FileCapabilities.Encode(text)!);

    [Fact]
    public void Net_raw_effective_and_permitted()
    {
        // 0x02000001, permitted = 1 << 13 (CAP_NET_RAW).
        Assert.Equal("01000002" + "00200000" + "00000000" + "00000000" + "00000000", Hex("cap_net_raw=ep"));
    }

    [Fact]
    public void Lists_and_plus_clauses_combine()
    {
        // CAP_NET_BIND_SERVICE (10) and CAP_NET_RAW (13) permitted; CAP_SETUID (7) inheritable; no effective.
        Assert.Equal("00000002" + "00240000" + "80000000" + "00000000" + "00000000", Hex("cap_net_bind_service,cap_net_raw+p cap_setuid+i"));
    }

    [Fact]
    public void Capabilities_above_31_go_to_the_second_word()
    {
        // CAP_CHECKPOINT_RESTORE = 40 -> bit 8 of the high permitted word.
        Assert.Equal("01000002" + "00000000" + "00000000" + "00010000" + "00000000", Hex("cap_checkpoint_restore=ep"));
    }

    [Fact]
    public void Minus_removes_and_nothing_left_means_no_xattr()
    {
        Assert.Null(FileCapabilities.Encode("cap_chown+p cap_chown-p"));
        Assert.Null(FileCapabilities.Encode(""));
    }

    [Fact]
    public void All_names_every_known_capability()
    {
        var v = FileCapabilities.Encode("all=p")!;
        Assert.Equal(0xFFFFFFFFu, BitConverter.ToUInt32(v, 4));
        Assert.Equal(0x1FFu, BitConverter.ToUInt32(v, 12));
    }

    [Theory]
    [InlineData("cap_bogus=ep", "cap_bogus")]
    [InlineData("cap_chown=x", "'x'")]
    [InlineData("cap_chown", "no operator")]
    [InlineData("cap_chown+p cap_kill+pe", "effective")]
    public void Bad_text_names_what_is_wrong(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => FileCapabilities.Encode(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
