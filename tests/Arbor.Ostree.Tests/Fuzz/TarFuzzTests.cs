// Fuzz campaign over `commit --tree=tar=FILE`: tar archives written by the real tar in its gnu,
// oldgnu, pax, ustar and v7 formats (xattrs, long names, hard and symbolic links, gzip) are
// mutated — headers, checksums, sizes, PAX records, names — and imported into a repository inside
// a sandbox, then committed and, for a share of the cases, checked out into the sandbox's target.
// Every object written must verify, and nothing may appear or change outside the target.
using Arbor.Fuzzing;
using Arbor.Ostree.Checkout;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Repo;
using Xunit.Abstractions;
using static Arbor.Ostree.Tests.Fuzz.FuzzSupport;

namespace Arbor.Ostree.Tests.Fuzz;

public class TarFuzzTests(ITestOutputHelper output)
{
    // Fields and names a tar header or PAX record carries, and names that try to escape.
    private static readonly IReadOnlyList<string> TarTokens =
    [
        "ustar\0", "ustar  \0", "00", "0000777", "7777777", "77777777777", "00000000000", "99999999999", " ", "\0",
        "path=", "linkpath=", "size=", "uid=", "mtime=", "SCHILY.xattr.user.x=", "GNU.sparse.", "././@LongLink",
        "../", "../../../", "/", "/etc/passwd", "./", "a/../../b", ".", "..", "//", "x/.",
        "0", "1", "2", "3", "4", "5", "6", "7", "g", "x", "K", "L", "S",
    ];

    [Fact]
    public void Tar_import()
    {
        using var box = new Sandbox("tar");
        var repos = new[] { RepoMode.BareUser, RepoMode.Archive }
            .Select(m => ScratchRepo(Path.Combine(box.Target, "repo-" + m.ConfigName()), m)).ToArray();
        var keeps = repos.Select(ObjectFiles).ToArray();
        var checkout = Path.Combine(box.Target, "checkout");
        Campaign(output, "tar import", 800).Run(Mutator.Cases(OstreeSeeds.Get.Tars, new MutatorOptions { Tokens = TarTokens }), c =>
        {
            int which = c.Data.Length % 2;
            var repo = repos[which];
            try
            {
                var tree = new MutableTree();
                TarImporter.Import(repo, new MemoryStream(c.Data, writable: false), tree, new CommitModifier(), autocreateParents: c.Data.Length % 3 != 0);
                var commit = CommitWriter.WriteCommit(repo, tree, new CommitRequest { Subject = "fuzz", Timestamp = 1 }, out _);
                VerifyNewObjects(repo, keeps[which], "tar import");
                if (c.Data.Length % 4 == 1)
                    TreeCheckout.Run(repo, commit, checkout, new CheckoutOptions { Mode = CheckoutMode.User });
            }
            finally
            {
                box.CheckNothingOutsideTarget();
                ResetTo(repo, keeps[which]);
                RemoveTree(checkout);
            }
        });
    }
}
