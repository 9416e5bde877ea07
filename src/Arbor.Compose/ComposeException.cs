// What goes wrong while turning packages into a tree for a reason the user can act on: a script
// that fails, a package Arbor cannot assemble, a file conflict. The message names the package,
// script or path; the command line prints it on one line and exits 1, as rpm-ostree does.
namespace Arbor.Compose;

/// <summary>A compose or layering step failed on its input; the message names what and where.</summary>
/// <param name="message">What went wrong, naming the package, script or path.</param>
public class ComposeException(string message) : Exception(message);
