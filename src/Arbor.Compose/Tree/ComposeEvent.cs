// What `compose tree` tells its caller as it goes, as records: the command line prints them in
// rpm-ostree's words, a library caller logs or ignores them. The engine itself never prints.
using Arbor.Compose.Assemble;
using Arbor.Compose.Import;
using Arbor.Ostree.Objects;
using Arbor.Rpm.Solver;

namespace Arbor.Compose.Tree;

/// <summary>Something that happened during a compose.</summary>
public abstract record ComposeEvent;

/// <summary>The solved transaction, in install order.</summary>
/// <param name="Packages">The packages to install.</param>
public sealed record ComposeTransactionPlanned(IReadOnlyList<SolvedPackage> Packages) : ComposeEvent;

/// <summary>The digest of everything the compose depends on.</summary>
/// <param name="InputHash">sha256 hex.</param>
public sealed record ComposeInputHashed(string InputHash) : ComposeEvent;

/// <summary>The previous commit was made from the same inputs, so nothing is committed.</summary>
/// <param name="Previous">That commit, or null when the comparison was with a given input hash and there is none.</param>
/// <param name="DryRun">True when the compose would not have committed anyway.</param>
public sealed record ComposeUnchanged(Checksum? Previous, bool DryRun) : ComposeEvent;

/// <summary>The previous commit has no input hash to compare with.</summary>
public sealed record ComposePreviousWithoutInputHash : ComposeEvent;

/// <summary>Packages were downloaded (or found in the cache).</summary>
/// <param name="Count">How many.</param>
/// <param name="Bytes">Their total size.</param>
public sealed record ComposeDownloaded(int Count, long Bytes) : ComposeEvent;

/// <summary>Packages were imported into the package cache.</summary>
/// <param name="Imported">Newly imported.</param>
/// <param name="Cached">Already there.</param>
public sealed record ComposeImported(int Imported, int Cached) : ComposeEvent;

/// <summary>Something the importer dropped or changed in a package, said so.</summary>
/// <param name="Notice">What and where.</param>
public sealed record ComposeImportNotice(ImportNotice Notice) : ComposeEvent;

/// <summary>A package's file left out of the tree by the treefile's <c>remove-from-packages</c>.</summary>
/// <param name="Path">The path in the tree.</param>
public sealed record ComposeFileSkipped(string Path) : ComposeEvent;

/// <summary>A line a package or postprocess script printed.</summary>
/// <param name="Line">The script and the line.</param>
public sealed record ComposeScriptOutput(ScriptOutputLine Line) : ComposeEvent;

/// <summary>A line compose itself reports in rpm-ostree's words (passwd checks, ignored file modes).</summary>
/// <param name="Message">The text.</param>
public sealed record ComposeNote(string Message) : ComposeEvent;

/// <summary>A dry run ended before anything was written.</summary>
public sealed record ComposeDryRunComplete : ComposeEvent;

/// <summary>The commit was written.</summary>
/// <param name="Ref">The ref moved to it, or null when only the checksum was written out.</param>
/// <param name="Commit">The commit.</param>
/// <param name="Version">Its version metadata, if any.</param>
public sealed record ComposeCommitted(string? Ref, Checksum Commit, string? Version) : ComposeEvent;
