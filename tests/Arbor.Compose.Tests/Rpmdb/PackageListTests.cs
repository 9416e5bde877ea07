using Arbor.Compose.Rpmdb;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;

namespace Arbor.Compose.Tests.Rpmdb;

// The rpmostree.rpmdb.pkglist value and rpm-ostree's diff walk, with the cases its code singles out:
// rpmvercmp ordering, epoch "0" hidden, single-package arch changes as modifications, multilib
// sets matched arch by arch, downgrades, and the a(sua{sv}) variant sorted by kind then name.
public sealed class PackageListTests
{
    private static PackageListEntry P(string name, string evr, string arch = "x86_64")
    {
        var e = Arbor.Rpm.Version.Evr.Parse(evr);
        return new PackageListEntry(name, e.Epoch ?? "0", e.Version, e.Release!, arch);
    }

    [Fact]
    public void Entries_sort_by_name_then_rpmvercmp_then_arch()
    {
        var v = PackageList.ToVariant([P("b", "1.10-1"), P("b", "1.9-1"), P("a", "2-1", "x86_64"), P("a", "2-1", "i686"), P("B", "1-1")]);
        Assert.Equal("a(sssss)", v.Type.Signature);
        var names = ((GVArray)v).Items.Select(i => string.Join(' ', ((GVTuple)i).Members.Select(m => ((GVString)m).Value))).ToArray();
        Assert.Equal(["B 0 1 1 x86_64", "a 0 2 1 i686", "a 0 2 1 x86_64", "b 0 1.9 1 x86_64", "b 0 1.10 1 x86_64"], names);
    }

    [Fact]
    public void Evr_hides_a_zero_epoch_and_nevra_joins_name_evr_arch()
    {
        Assert.Equal("1.0-1", P("x", "1.0-1").Evr);
        Assert.Equal("2:1.0-1", P("x", "2:1.0-1").Evr);
        Assert.Equal("x-2:1.0-1.noarch", P("x", "2:1.0-1", "noarch").Nevra);
    }

    [Fact]
    public void The_list_round_trips_through_commit_metadata()
    {
        var list = new[] { P("bash", "5.2-1"), P("glibc", "2.39-5", "i686"), P("glibc", "2.39-5"), P("shadow", "2:4.15-1") };
        var commit = new Commit([new("version", GVariantValue.Str("1")), PackageList.MetadataEntry(list)], null, "s", "", 1,
            new Checksum(new byte[32]), new Checksum(new byte[32]));
        var back = PackageList.FromMetadata(Commit.Parse(commit.Serialize()));
        Assert.Equal(list, back);
    }

    [Fact]
    public void A_key_of_another_type_counts_as_absent()
    {
        var commit = new Commit([new(PackageList.MetadataKey, GVariantValue.Str("nope"))], null, "s", "", 1,
            new Checksum(new byte[32]), new Checksum(new byte[32]));
        Assert.Null(PackageList.FromMetadata(commit));
    }

    [Fact]
    public void Diff_walks_by_name_arch_and_evr()
    {
        var from = new[] { P("a", "1-1"), P("b", "2-1"), P("c", "1-1", "i686"), P("d", "1-1"), P("m", "1-1", "i686"), P("m", "1-1"), P("z", "3-1") };
        var to = new[] { P("b", "2-1"), P("c", "1-1"), P("d", "1:0.5-1"), P("e", "1-1"), P("m", "1-1"), P("z", "2-1") };
        var d = PackageDiff.Compute(from, to);
        Assert.Equal(["a-1-1.x86_64", "m-1-1.i686"], d.Removed.Select(p => p.Nevra));
        Assert.Equal(["e-1-1.x86_64"], d.Added.Select(p => p.Nevra));
        // c changed arch alone: modified; d gained an epoch: upgraded; z went back: downgraded.
        Assert.Equal(["c-1-1.i686", "d-1-1.x86_64", "z-3-1.x86_64"], d.ModifiedOld.Select(p => p.Nevra));
        Assert.Equal(["c-1-1.x86_64", "d-1:0.5-1.x86_64", "z-2-1.x86_64"], d.ModifiedNew.Select(p => p.Nevra));
        Assert.Equal(["c", "d"], d.Upgraded.Select(p => p.Old.Name));
        Assert.Equal(["z"], d.Downgraded.Select(p => p.Old.Name));
        Assert.False(d.IsEmpty);
        Assert.True(PackageDiff.Compute(to, to).IsEmpty);
    }

    [Fact]
    public void Diff_variant_is_sorted_by_kind_then_name()
    {
        var d = PackageDiff.Compute([P("old", "1-1"), P("up", "1-1"), P("x", "2-1")], [P("new", "1-1"), P("up", "2-1"), P("x", "1-1")]);
        var v = (GVArray)d.ToVariant();
        Assert.Equal("a(sua{sv})", v.Type.Signature);
        var rows = v.Items.Select(i => ((GVTuple)i).Members).Select(m => $"{((GVString)m[0]).Value}:{((GVNumber)m[1]).Bits}").ToArray();
        Assert.Equal(["new:0", "old:1", "up:2", "x:3"], rows);
        var up = ((GVTuple)v.Items[2]).Members[2].Print();
        Assert.Equal("{'PreviousPackage': <('up', '1-1', 'x86_64')>, 'NewPackage': <('up', '2-1', 'x86_64')>}", up);
    }
}
