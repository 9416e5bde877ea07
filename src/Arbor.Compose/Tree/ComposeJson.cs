// --write-composejson-to: the summary of a compose run that build pipelines read (rpm-ostree's
// `rpmostree_composeutil_write_composejson`): the ref, the commit, its content checksum, version,
// timestamp (ISO 8601, UTC), input hash and the package changes from the parent (pkgdiff, as
// `db diff --format=json` has them), as compact JSON in that member order, written to a
// temporary file and renamed into place, mode 0644. Also the reverse direction used by
// --add-metadata-from-json: untyped JSON to GVariant as json-glib converts it.
using System.Globalization;
using System.Text.Json;
using Arbor.Compose.Rpmdb;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Compose.Tree;

/// <summary>Reads and writes the JSON of compose runs.</summary>
public static class ComposeJson
{
    /// <summary>Writes the compose summary of <paramref name="result"/>'s commit to <paramref name="path"/>.</summary>
    public static void Write(Repository repo, ComposeTreeResult result, string path)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(path);
        if (result.Commit is not { } checksum)
            return;
        var commit = repo.LoadCommit(checksum);
        // rpm-ostree builds an a{sv} and hands it to json-glib's compact generator.
        var members = new List<(string Name, GVariantValue? Value)>();
        if (result.Ref is { } r)
            members.Add(("ref", GVariantValue.Str(r)));
        members.Add(("ostree-commit", GVariantValue.Str(checksum.ToString())));
        members.Add(("ostree-content-checksum", GVariantValue.Str(commit.ContentChecksum().ToString())));
        if (commit.Version is { } version)
            members.Add(("ostree-version", GVariantValue.Str(version)));
        members.Add(("ostree-timestamp", GVariantValue.Str(DateTimeOffset.FromUnixTimeSeconds((long)commit.Timestamp).UtcDateTime
            .ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))));
        if (commit.GetMetadata("rpmostree.inputhash") is GVString hash)
            members.Add(("rpm-ostree-inputhash", hash));
        if (commit.Parent is { } parent && repo.HasObject(parent, ObjectType.Commit) && PackageChanges(repo, parent, checksum) is { } diff)
            members.Add(("pkgdiff", diff));
        AtomicFile.WriteAllText(path, GVariantJson.Object(members, pretty: false), fsync: false);
        File.SetUnixFileMode(path, (UnixFileMode)0x1A4);
    }

    // The parent's packages against the new commit's, when both have a package list (a parent
    // composed by another tool may have none: rpm-ostree then leaves the member out).
    private static GVariantValue? PackageChanges(Repository repo, Checksum parent, Checksum commit)
    {
        try
        {
            return PackageDiff.Compute(PackageList.ForCommit(repo, parent), PackageList.ForCommit(repo, commit)).ToVariant();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>The GVariant json-glib makes of untyped JSON: s, b, x, d, av, a{sv}, and an empty maybe for null.</summary>
    public static GVariantValue FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => GVariantValue.Str(e.GetString()!),
        JsonValueKind.True => GVariantValue.Bool(true),
        JsonValueKind.False => GVariantValue.Bool(false),
        JsonValueKind.Number when e.TryGetInt64(out long n) => new GVNumber('x', unchecked((ulong)n)),
        JsonValueKind.Number => GVNumber.FromDouble(e.GetDouble()),
        JsonValueKind.Array => new GVArray(GVariantType.Variant, e.EnumerateArray().Select(i => GVariantValue.Box(FromJson(i))).ToList()),
        JsonValueKind.Object => new GVArray(GVariantType.Parse("{sv}"),
            e.EnumerateObject().Select(m => (GVariantValue)new GVDictEntry(GVariantValue.Str(m.Name), GVariantValue.Box(FromJson(m.Value)))).ToList()),
        _ => new GVMaybe(GVariantType.Variant, null),
    };
}
