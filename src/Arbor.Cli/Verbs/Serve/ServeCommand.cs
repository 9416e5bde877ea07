// `arbor serve --repo PATH [--address 127.0.0.1] [--port 8080]`: a read-only HTTP server for a
// repository, so hosts and mirrors can `ostree pull` from it. Kestrel's static file middleware
// gives range requests, ETag/Last-Modified and conditional GETs; objects and deltas are
// immutable (content-addressed) and are cached for a year, while refs, summary and config must
// be revalidated. tmp/, state/ and dotfiles (the lock) are never served.
using Arbor.Ostree.Repo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Arbor.Cli.Verbs.Serve;

/// <summary>The <c>arbor serve</c> command.</summary>
public static class ServeCommand
{
    private static readonly OptionSpec[] Options =
    [
        new("repo", '\0', OptionArg.String, "Repository to serve", "PATH"),
        new("address", '\0', OptionArg.String, "Address to listen on (default 127.0.0.1)", "ADDRESS"),
        new("port", 'p', OptionArg.Int, "Port to listen on (default 8080; 0 picks a free port)", "PORT"),
        new("port-file", '\0', OptionArg.String, "Write the port actually used to FILE once listening", "FILE"),
    ];

    /// <summary>Runs the server until interrupted.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            stdout.Write(OptionParser.Help("arbor serve [OPTION…]", "Serve a repository over HTTP (read-only)", Options));
            return 0;
        }
        var a = OptionParser.Parse(args, Options);
        var repoPath = a.Get("repo") ?? throw new UsageException("--repo is required");
        var repo = Repository.Open(repoPath);
        var address = a.Get("address") ?? "127.0.0.1";
        int port = a.GetInt("port", 8080);
        using var app = Build(repo.Path, address, port);
        app.Start();
        var bound = app.Urls.FirstOrDefault() ?? $"http://{address}:{port}";
        if (a.Get("port-file") is { } portFile)
            AtomicFile.WriteAllText(portFile, new Uri(bound).Port + "\n", fsync: false);
        stdout.WriteLine($"Serving {repo.Path} ({repo.Mode.DisplayName()}) at {bound}");
        stdout.Flush();
        app.WaitForShutdown();
        return 0;
    }

    /// <summary>Builds the web application serving <paramref name="repoPath"/>.</summary>
    public static WebApplication Build(string repoPath, string address, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = repoPath });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{(address.Contains(':') ? $"[{address}]" : address)}:{port}");
        var app = builder.Build();
        var types = new FileExtensionContentTypeProvider();
        types.Mappings.Clear();
        var provider = new PhysicalFileProvider(repoPath);
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path.Value ?? "/";
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }
            if (path.StartsWith("/tmp/", StringComparison.Ordinal) || path.StartsWith("/state/", StringComparison.Ordinal) || path.Contains("/.", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context).ConfigureAwait(false);
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = provider,
            ServeUnknownFileTypes = true,
            DefaultContentType = "application/octet-stream",
            ContentTypeProvider = types,
            OnPrepareResponse = ctx =>
            {
                var p = ctx.Context.Request.Path.Value ?? "";
                bool immutable = p.StartsWith("/objects/", StringComparison.Ordinal) || p.StartsWith("/deltas/", StringComparison.Ordinal);
                ctx.Context.Response.Headers.CacheControl = immutable ? "public, max-age=31536000, immutable" : "no-cache";
            },
        });
        return app;
    }
}
