// Fuzz campaigns over the GKeyFile-style files Arbor reads: a repository's config (written by
// Arbor and by ostree, remotes included), remote files in a system repository's remotes.d, and
// deployment origin files (plain, rpm-ostree's package layering, container references). Each is
// written to where Arbor looks for it and read the way the verbs read it; an accepted file must
// also survive being written back (KeyFile.ToString) and read again with the same values.
using Arbor.Fuzzing;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Sysroot;
using Xunit.Abstractions;
using static Arbor.Ostree.Tests.Fuzz.FuzzSupport;

namespace Arbor.Ostree.Tests.Fuzz;

public class KeyFileFuzzTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyList<string> KeyFileTokens =
    [
        "[", "]", "=", "\n", "\r\n", "\\", "\\s", "\\n", "\\t", "\\x", "#", ";", " ", "\0", "\u00e9", "\uFEFF",
        "[core]", "[origin]", "[packages]", "[libostree-transient]", "[remote \"", "\"]", "remote \"\"",
        "repo_version=", "mode=", "bare", "bare-user", "archive-z2", "fsync=", "collection-id=", "add-remotes-config-dir=",
        "url=", "contenturl=", "branches=", "gpg-verify=", "gpg-verify-summary=", "true", "false", "1", "0", "yes",
        "refspec=", "baserefspec=", "pinned=", "requested=", "container-image-reference=",
    ];

    private static MutatorOptions Options => new() { Tokens = KeyFileTokens, IntegerWeight = 1 };

    [Fact]
    public void Repository_config()
    {
        using var tmp = new TempDir();
        var repoDir = tmp["repo"];
        Directory.CreateDirectory(Path.Combine(repoDir, "objects"));
        var seeds = OstreeSeeds.Get.RepoConfigs.Concat(OstreeSeeds.Get.RemoteConfigs.Where(s => s.Name.StartsWith("config:", StringComparison.Ordinal))).ToList();
        Campaign(output, "keyfile: repo config", 3000).Run(Mutator.Cases(seeds, Options), c =>
        {
            File.WriteAllBytes(Path.Combine(repoDir, "config"), c.Data);
            var repo = Repository.Open(repoDir);
            _ = (repo.Mode, repo.Fsync, repo.CollectionId, repo.Config.GetBool("core", "tombstone-commits", false));
            ReadRemotes(repo);
            RoundTrip(repo.Config);
        });
    }

    [Fact]
    public void Remote_config_files()
    {
        using var tmp = new TempDir();
        var repoDir = tmp["sysroot/ostree/repo"];
        Repository.Create(repoDir, RepoMode.BareUser);
        var remotesD = tmp["sysroot/etc/ostree/remotes.d"];
        Directory.CreateDirectory(remotesD);
        Campaign(output, "keyfile: remotes.d", 3000).Run(Mutator.Cases(OstreeSeeds.Get.RemoteConfigs, Options), c =>
        {
            File.WriteAllBytes(Path.Combine(remotesD, "fuzz.conf"), c.Data);
            var repo = Repository.Open(repoDir);
            ReadRemotes(repo);
            RoundTrip(KeyFile.Load(Path.Combine(remotesD, "fuzz.conf")));
        });
    }

    [Fact]
    public void Origin_files()
    {
        using var tmp = new TempDir();
        var path = tmp["deploy.origin"];
        Campaign(output, "keyfile: origin", 2000).Run(Mutator.Cases(OstreeSeeds.Get.Origins, Options), c =>
        {
            File.WriteAllBytes(path, c.Data);
            var origin = OriginFile.TryLoad(path)!;
            _ = (OriginFile.Refspec(origin), OriginFile.IsPinned(origin), origin.GetList("packages", "requested"));
            var clone = OriginFile.Clone(origin);
            Expect(OriginFile.Refspec(clone) == OriginFile.Refspec(origin) && OriginFile.IsPinned(clone) == OriginFile.IsPinned(origin), "origin changes when copied");
            RoundTrip(origin);
        });
    }

    private static void ReadRemotes(Repository repo)
    {
        foreach (var r in Remotes.List(repo))
        {
            _ = r.Branches;
            _ = r.Options.ToList();
            try
            {
                _ = (r.Url, r.ContentUrl, r.GpgVerify, r.GpgVerifySummary);
            }
            catch (OstreeException)
            {
                // A remote without a url, or a non-boolean flag: refused when used, as ostree does.
            }
        }
    }

    // Writing a key file back and reading it again must give the same groups, keys and values.
    private static void RoundTrip(KeyFile kf)
    {
        var text = kf.ToString();
        var back = KeyFile.Parse(text);
        Expect(back.Groups.SequenceEqual(kf.Groups), $"groups change when the key file is written back: {Quote(text)}");
        foreach (var g in kf.Groups.Distinct())
        {
            foreach (var k in kf.Keys(g).Distinct())
                Expect(back.Get(g, k) == kf.Get(g, k), $"[{g}] {k} changes when the key file is written back: {Quote(text)}");
        }
    }

    private static string Quote(string s) => s.Length > 200 ? s[..200] + "…" : s.ReplaceLineEndings("\\n");
}
