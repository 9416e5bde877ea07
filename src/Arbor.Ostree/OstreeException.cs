// The error every Arbor.Ostree engine throws for a failure it understands: a bad or missing
// object, ref, repository, sysroot, delta or signature. The message names what was wrong in the
// words ostree uses, so the CLI prints it as is ("error: MESSAGE"); callers that embed the
// library catch this one type.
namespace Arbor.Ostree;

/// <summary>A failure of a repository, sysroot, pull, delta or signature operation; the message names what was wrong.</summary>
public class OstreeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OstreeException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public OstreeException(string message, Exception inner) : base(message, inner) { }
}
