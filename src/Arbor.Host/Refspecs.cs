// What a host follows and what a user asks to deploy, read as rpm-ostree reads them. An origin
// refspec is an ostree "remote:ref" (or a plain local ref), a bare commit checksum (a pinned
// deployment), or a container image reference. A revision given to `deploy` is a checksum or a
// commit's "version" metadata value ("revision=" and "version=" force the reading); resolving it
// walks the ref's history, pulling commit objects only (a few at first, then twice as many each
// round) until the commit is found or the history ends.
using Arbor.Ostree;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;

namespace Arbor.Host;

/// <summary>The kinds of origin refspec.</summary>
public enum RefspecKind
{
    /// <summary>An ostree ref, optionally with a remote.</summary>
    Ostree,
    /// <summary>A commit checksum.</summary>
    Checksum,
    /// <summary>An ostree native container image (ostree-unverified-registry:…, ostree-image-signed:…, …).</summary>
    Container,
}

/// <summary>Refspec and revision parsing, and history lookups.</summary>
public static class Refspecs
{
    private static readonly string[] ContainerPrefixes = ["ostree-unverified-image:", "ostree-unverified-registry:", "ostree-remote-image:", "ostree-remote-registry:", "ostree-image-signed:"];

    /// <summary>Which kind of refspec <paramref name="refspec"/> is.</summary>
    public static RefspecKind Classify(string refspec)
    {
        if (ContainerPrefixes.Any(p => refspec.StartsWith(p, StringComparison.Ordinal)))
            return RefspecKind.Container;
        return IsChecksum(refspec) ? RefspecKind.Checksum : RefspecKind.Ostree;
    }

    /// <summary>True for 64 lowercase hex digits.</summary>
    public static bool IsChecksum(string s) => s.Length == 64 && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>Splits a revision into (IsChecksum, Value) as rpm-ostree's parse_revision does.</summary>
    /// <exception cref="OstreeException">A "revision=" value that is not a checksum.</exception>
    public static (bool IsChecksum, string Value) ParseRevision(string revision)
    {
        int eq = revision.IndexOf('=');
        if (eq >= 0)
        {
            var prefix = revision[..eq].ToLowerInvariant();
            var value = revision[(eq + 1)..];
            if (prefix == "revision")
            {
                if (!IsChecksum(value))
                    throw new OstreeException($"Parsing revision '{revision}': Invalid checksum of length {value.Length} expected 64");
                return (true, value);
            }
            if (prefix == "version")
                return (false, value);
        }
        return IsChecksum(revision) ? (true, revision) : (false, revision);
    }

    /// <summary>Walks the history of <paramref name="refspec"/> (pulling commit objects from its remote)
    /// until <paramref name="match"/> accepts a commit.</summary>
    /// <returns>The matching commit, or null when the history ends first.</returns>
    public static string? FindInHistory(Repository repo, string refspec, Func<string, Commit, bool> match)
    {
        var (remoteName, branch) = Repository.ParseRefspec(refspec);
        Remote? remote = remoteName is null ? null : Remotes.Get(repo, remoteName);
        string? next = branch;
        int depth = 10;
        bool first = true;
        while (next is not null)
        {
            string start;
            if (remote is not null)
            {
                PullCommits(repo, remote, next, first ? 0 : depth);
                start = first ? repo.ResolveRev(refspec)!.Value.ToString() : next;
            }
            else
            {
                start = first ? repo.ResolveRev(branch)!.Value.ToString() : next;
            }
            // Visit the batch just fetched (one commit the first time, then `depth` of them).
            string? checksum = start;
            for (int i = 0; i < (first ? 1 : depth + 1) && checksum is not null; i++)
            {
                if (!repo.HasObject(Checksum.Parse(checksum), ObjectType.Commit))
                    return null;
                var commit = repo.LoadCommit(Checksum.Parse(checksum));
                if (match(checksum, commit))
                    return checksum;
                checksum = commit.Parent?.ToString();
            }
            next = checksum;
            if (!first)
                depth *= 2;
            first = false;
        }
        return null;
    }

    /// <summary>Fetches the commit object <paramref name="rev"/> names on <paramref name="remote"/>, nothing below it.</summary>
    public static void PullCommitOnly(Repository repo, Remote remote, string rev) => PullCommits(repo, remote, rev, 0);

    private static void PullCommits(Repository repo, Remote remote, string rev, int depth)
    {
        var options = new PullOptions
        {
            Refs = [rev],
            Depth = depth,
            CommitMetadataOnly = true,
            Fetcher = FetcherOptions.FromRemote(remote),
        };
        using var engine = new PullEngine(repo, remote, options)
        {
            CommitVerifier = RemoteVerification.CommitVerifier(remote),
            SignVerify = RemoteVerification.SignVerifyEnabled(remote),
        };
        engine.RunAsync().GetAwaiter().GetResult();
    }
}
