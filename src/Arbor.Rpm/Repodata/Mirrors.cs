// Where a repository's base URLs come from when its .repo section has no baseurl: a mirrorlist
// (one URL per line, '#' comments) or a metalink (Metalink 3.0 XML as MirrorManager serves it:
// the mirrors of repodata/repomd.xml with its checksums, plus "alternates" — the checksums of
// recent older versions, for mirrors that lag). As with dnf, base URLs are the mirror URLs without
// their trailing repodata/repomd.xml, most preferred first, with the repository's known variables
// ($basearch, …) substituted, and only http(s), ftp and file mirrors are used; a mirrorlist that turns out to hold a metalink is read as one. The fetcher
// downloads the list, then checks the repomd.xml it gets from a mirror against the metalink's
// checksums, moving on to the next mirror when they differ.
using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Arbor.Rpm.Repodata;

/// <summary>The checksums of one acceptable repomd.xml: (type, lower-case hex) pairs.</summary>
public sealed record RepomdChecksums(IReadOnlyList<(string Type, string Hex)> Hashes);

/// <summary>Mirrors of a repository, and for a metalink the repomd.xml checksums they must serve.</summary>
/// <param name="BaseUrls">Base URLs, most preferred first.</param>
/// <param name="Repomd">Acceptable repomd.xml checksums (current first, then alternates); empty for a plain mirrorlist.</param>
public sealed record MirrorSet(IReadOnlyList<string> BaseUrls, IReadOnlyList<RepomdChecksums> Repomd)
{
    private static readonly string[] Schemes = ["http://", "https://", "ftp://", "file://"];

    /// <summary>Parses a mirrorlist or metalink; <paramref name="what"/> names it in errors.</summary>
    /// <exception cref="RepoMetadataException">Nothing usable in it, or broken XML.</exception>
    public static MirrorSet Parse(string content, string what, IReadOnlyDictionary<string, string>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        var trimmed = content.TrimStart();
        var set = trimmed.StartsWith("<?xml", StringComparison.Ordinal) || trimmed.StartsWith("<metalink", StringComparison.Ordinal)
            ? ParseMetalink(content, what)
            : ParseMirrorlist(content);
        if (variables is { Count: > 0 })
            set = set with { BaseUrls = set.BaseUrls.Select(u => SubstituteKnown(u, variables)).ToList() };
        if (set.BaseUrls.Count == 0)
            throw new RepoMetadataException($"{what}: lists no usable mirror (http, https, ftp or file)");
        return set;
    }

    // Mirror URLs may use the repository's variables; unknown ones stay as they are (librepo does the same).
    private static string SubstituteKnown(string url, IReadOnlyDictionary<string, string> variables)
    {
        foreach (var (name, value) in variables)
            url = url.Replace("${" + name + "}", value, StringComparison.Ordinal).Replace("$" + name, value, StringComparison.Ordinal);
        return url;
    }

    private static bool Usable(string url) => Schemes.Any(s => url.StartsWith(s, StringComparison.OrdinalIgnoreCase));

    private static MirrorSet ParseMirrorlist(string content)
    {
        var urls = content.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && Usable(l))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new MirrorSet(urls, []);
    }

    private static MirrorSet ParseMetalink(string content, string what)
    {
        XDocument doc;
        try
        {
            doc = XDocument.Parse(content, LoadOptions.None);
        }
        catch (XmlException e)
        {
            throw new RepoMetadataException($"{what}: not a valid metalink: {e.Message}");
        }
        var file = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "file" && (string?)e.Attribute("name") == "repomd.xml")
            ?? throw new RepoMetadataException($"{what}: metalink has no <file name=\"repomd.xml\">");
        var checksums = new List<RepomdChecksums>();
        if (Hashes(file.Elements().FirstOrDefault(e => e.Name.LocalName == "verification")) is { Hashes.Count: > 0 } current)
            checksums.Add(current);
        foreach (var alt in file.Descendants().Where(e => e.Name.LocalName == "alternate"))
        {
            if (Hashes(alt.Elements().FirstOrDefault(e => e.Name.LocalName == "verification")) is { Hashes.Count: > 0 } older)
                checksums.Add(older);
        }
        var urls = file.Descendants()
            .Where(e => e.Name.LocalName == "url")
            .Select((e, i) => (Url: e.Value.Trim(), Preference: int.TryParse((string?)e.Attribute("preference"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int p) ? p : 0, Order: i))
            .Where(u => Usable(u.Url))
            .OrderByDescending(u => u.Preference)
            .ThenBy(u => u.Order)
            .Select(u => StripRepomd(u.Url))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new MirrorSet(urls, checksums);
    }

    private static RepomdChecksums? Hashes(XElement? verification) =>
        verification is null
            ? null
            : new RepomdChecksums(verification.Elements()
                .Where(h => h.Name.LocalName == "hash" && h.Attribute("type") != null)
                .Select(h => (((string)h.Attribute("type")!).ToLowerInvariant(), h.Value.Trim().ToLowerInvariant()))
                .Where(h => h.Item1 is "md5" or "sha1" or "sha256" or "sha384" or "sha512")
                .ToList());

    private static string StripRepomd(string url)
    {
        const string tail = "repodata/repomd.xml";
        return url.EndsWith(tail, StringComparison.Ordinal) ? url[..^tail.Length] : url;
    }

    /// <summary>
    /// Whether repomd.xml at <paramref name="path"/> is one the metalink lists (every checksum type
    /// of some entry matches); always true for a plain mirrorlist.
    /// </summary>
    public bool Accepts(string path) =>
        Repomd.Count == 0 || Repomd.Any(entry => entry.Hashes.All(h => RepoMd.HashFile(path, h.Type) == h.Hex));
}
